/**
 * How the morphology engine reads the real development photographs (shared/data/real-dev, not part
 * of the project; see its README for licences): the image-level Gram call (majority of organism
 * detections) and shape against the manifest, one line per image and a total. The scale of these
 * teaching photographs is unknown, so the engine runs without one (estimating it from red cells
 * where there are any).
 *
 *   npx tsx scripts/eval-real-dev.ts [--dir ../shared/data/real-dev]
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '../src/imaging/intake.js';
import { MorphologyEngine } from '../src/engines/morphology/index.js';
import { summarise } from '../src/analysis/summarise.js';
import { MORPHOTYPES, type MorphotypeKey } from '../src/domain/taxonomy.js';

interface ManifestRecord {
  file: string;
  gram: 'positive' | 'negative' | null;
  shape: 'cocci' | 'bacilli' | 'yeast' | null;
  taxon: string;
}

const { values } = parseArgs({ options: { dir: { type: 'string' } } });
const dir =
  values.dir ??
  ['../shared/data/real-dev', '../../shared/data/real-dev', '/work/shared/data/real-dev'].find((d) =>
    existsSync(d),
  );
if (!dir || !existsSync(path.join(dir, 'manifest.json'))) {
  console.log('real-dev folder not found (pass --dir); nothing to do');
  process.exit(0);
}
const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as ManifestRecord[];
const engine = new MorphologyEngine();
const shapeOf = (morphotype: string | null): string =>
  morphotype === 'yeast'
    ? 'yeast'
    : morphotype?.startsWith('gpc') || morphotype === 'gnc'
      ? 'cocci'
      : morphotype
        ? 'bacilli'
        : '-';
// The morphotype each image's group (file name) stands for; the finding agrees when it names it first.
const expectedMorphotype: Record<string, MorphotypeKey> = {
  yeast: 'yeast',
  'gpc-clusters': 'gpc_clusters',
  'gpc-pairs': 'gpc_pairs',
  gnr: 'gnr',
  gpr: 'gpr',
  gnc: 'gnc',
};
let findingRight = 0;
let findingTotal = 0;
let gramRight = 0;
let gramTotal = 0;
let shapeRight = 0;
let shapeTotal = 0;
for (const record of manifest) {
  const { raster } = await decodeImage(await readFile(path.join(dir, record.file)));
  const out = await engine.analyze(raster, { micronsPerPixel: null, scaleSource: 'unknown' });
  const organisms = out.detections.filter((d) => d.morphotype !== 'rbc');
  const positive = organisms.filter((d) => d.gram === 'positive').length;
  const negative = organisms.filter((d) => d.gram === 'negative').length;
  const gram = !out.assessable?.ok
    ? 'cannot assess'
    : positive + negative === 0
      ? 'none'
      : positive >= negative
        ? 'positive'
        : 'negative';
  const counts = new Map<string, number>();
  for (const d of organisms) counts.set(shapeOf(d.morphotype), (counts.get(shapeOf(d.morphotype)) ?? 0) + 1);
  const shape = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '-';
  const finding = summarise(out.detections, { assessable: out.assessable }).finding.en;
  const expected = expectedMorphotype[record.file.split('_')[1]];
  if (expected) {
    findingTotal++;
    if (finding.startsWith(MORPHOTYPES[expected].en)) findingRight++;
  }
  if (record.gram) {
    gramTotal++;
    if (gram === record.gram) gramRight++;
  }
  if (record.shape) {
    shapeTotal++;
    if (shape === record.shape) shapeRight++;
  }
  console.log(
    `${record.file.padEnd(72)} truth ${String(record.gram).padEnd(8)} ${String(record.shape).padEnd(7)} | engine ${gram.padEnd(8)} (${positive}+/${negative}−) ${shape.padEnd(7)} scale ${out.scale.source}${out.scale.micronsPerPixel ? ` ${out.scale.micronsPerPixel.toFixed(3)}` : ''}${out.assessable?.ok ? '' : ` — ${out.assessable?.reason?.en}`} | "${finding}"`,
  );
}
console.log(
  `Gram call per image: ${gramRight}/${gramTotal}; shape per image: ${shapeRight}/${shapeTotal}; finding names the image's morphotype first: ${findingRight}/${findingTotal}`,
);
