/**
 * Regenerates the bundled sample fields in samples/ (`npm run samples`). Every sample is a synthetic
 * field from the project's own generator, so no patient data or third-party image is shipped. The
 * seeds and options live in src/datasets/synth/samples.ts; the files come out identical each time.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toCoco } from '../src/datasets/formats/coco.js';
import { TAXONOMY_CLASS_NAMES, type Dataset } from '../src/datasets/formats/dataset.js';
import {
  renderSampleField,
  SAMPLE_FIELDS,
  SAMPLE_HEIGHT,
  SAMPLE_JPEG_QUALITY,
  SAMPLE_MICRONS_PER_PIXEL,
  SAMPLE_WIDTH,
} from '../src/datasets/synth/samples.js';
import { encodeJpeg } from '../src/imaging/intake.js';

const dir = fileURLToPath(new URL('../samples/', import.meta.url));
const dataset: Dataset = { root: dir, labels: [...TAXONOMY_CLASS_NAMES], images: [] };
for (const sample of SAMPLE_FIELDS) {
  const field = renderSampleField(sample);
  const bytes = await encodeJpeg(field.raster, SAMPLE_JPEG_QUALITY);
  const file = `${sample.name}.jpg`;
  await writeFile(join(dir, file), bytes);
  dataset.images.push({
    file,
    width: SAMPLE_WIDTH,
    height: SAMPLE_HEIGHT,
    micronsPerPixel: SAMPLE_MICRONS_PER_PIXEL,
    annotations: field.objects.map((o) => ({
      box: o.box,
      label: o.label,
      attributes: { morphotype: o.morphotype, gram: o.gram, arrangement: o.arrangement, groupId: o.groupId },
    })),
  });
  process.stdout.write(`${file}: ${(bytes.length / 1024).toFixed(0)} kB, ${field.objects.length} objects\n`);
}
const coco = toCoco(dataset, { description: 'gramscope bundled samples (npm run samples)' });
await writeFile(join(dir, 'ground-truth.json'), `${JSON.stringify(coco)}\n`);
