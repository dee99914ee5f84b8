/**
 * Measures the morphology engine on a generated set, as `gramscope synth` would write it (JPEG at
 * each simulated site's quality, decoded through the product's intake): Gram call of matched
 * organisms, morphotype-level mAP@0.5, image-level finding, recall and precision, per site and overall.
 *
 *   npx tsx scripts/eval-morphology.ts --count 40 --seed 2024 --sites 4 [--width 2048 --height 1536] [--no-jpeg] [--no-scale]
 */
import { parseArgs } from 'node:util';
import { decodeImage, encodeJpeg } from '../src/imaging/intake.js';
import { MorphologyEngine } from '../src/engines/morphology/index.js';
import {
  morphotypeMeanAp,
  scoreField,
  synthSetFields,
  type FieldScore,
  type TruthObject,
} from '../src/engines/morphology/evaluate-fields.js';
import type { Detection } from '../src/domain/analysis-result.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '40' },
    seed: { type: 'string', default: '2024' },
    sites: { type: 'string', default: '4' },
    width: { type: 'string', default: '2048' },
    height: { type: 'string', default: '1536' },
    'no-jpeg': { type: 'boolean', default: false },
    'no-scale': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const engine = new MorphologyEngine();
const bySite = new Map<
  string,
  { scores: FieldScore[]; fields: { truth: TruthObject[]; detections: Detection[] }[] }
>();
const cpu: number[] = [];
for (const { index, site, field } of synthSetFields({
  count: Number(values.count),
  seed: Number(values.seed),
  sites: Number(values.sites),
  width: Number(values.width),
  height: Number(values.height),
})) {
  const raster = values['no-jpeg']
    ? field.raster
    : (await decodeImage(await encodeJpeg(field.raster, field.site.jpegQuality))).raster;
  const c0 = process.cpuUsage();
  const out = await engine.analyze(raster, {
    micronsPerPixel: values['no-scale'] ? null : field.micronsPerPixel,
    scaleSource: values['no-scale'] ? 'unknown' : 'profile',
  });
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  const score = scoreField(field.objects, out.detections);
  for (const key of [`site ${site}`, 'all']) {
    const entry = bySite.get(key) ?? { scores: [], fields: [] };
    entry.scores.push(score);
    entry.fields.push({ truth: field.objects, detections: out.detections });
    bySite.set(key, entry);
  }
  if (values.verbose)
    console.log(
      `#${index} site ${site} ${field.labels.join('+')}: truth ${score.truth} det ${score.detections} matched ${score.matched} gram ${score.gramCorrect}/${score.organismsMatched} finding ${score.truthFinding === score.detectedFinding ? 'ok' : `"${score.detectedFinding}" vs "${score.truthFinding}"`} scale ${JSON.stringify(out.scale)} (true ${field.micronsPerPixel.toFixed(4)})`,
    );
}
const pct = (n: number, d: number): string => (d ? `${((100 * n) / d).toFixed(1)}%` : 'n/a');
for (const [key, { scores, fields }] of [...bySite.entries()].sort()) {
  const sum = (f: (s: FieldScore) => number): number => scores.reduce((a, s) => a + f(s), 0);
  const { map, perMorphotype } = morphotypeMeanAp(fields, 0.5);
  console.log(
    `${key}: fields ${scores.length}, Gram ${pct(
      sum((s) => s.gramCorrect),
      sum((s) => s.organismsMatched),
    )} of ${sum((s) => s.organismsMatched)} matched organisms, ` +
      `mAP@0.5 ${map.toFixed(3)}, finding ${pct(scores.filter((s) => s.truthFinding === s.detectedFinding).length, scores.length)}, ` +
      `recall ${pct(
        sum((s) => s.matched),
        sum((s) => s.truth),
      )}, precision ${pct(
        sum((s) => s.matched),
        sum((s) => s.detections),
      )}, ` +
      `morphotype of matched ${pct(
        sum((s) => s.morphotypeCorrect),
        sum((s) => s.matched),
      )}`,
  );
  if (key === 'all' && values.verbose) {
    const confusion: Record<string, number> = {};
    for (const sc of scores)
      for (const [k, v] of Object.entries(sc.confusion)) confusion[k] = (confusion[k] ?? 0) + v;
    console.log(
      '  confusion: ' +
        Object.entries(confusion)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
    );
  }
  if (key === 'all')
    console.log(
      '  AP per morphotype: ' +
        Object.entries(perMorphotype)
          .map(([m, ap]) => `${m} ${ap.toFixed(2)}`)
          .join(', '),
    );
}
cpu.sort((a, b) => a - b);
console.log(`engine CPU time per field: median ${cpu[cpu.length >> 1].toFixed(0)} ms`);
