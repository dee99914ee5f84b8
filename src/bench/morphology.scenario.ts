/**
 * Speed of the morphology engine on a 2048x1536 field (SPEC §3: well under 200 ms; issue target
 * median ≤ 150 ms on one core), with the median of every stage, so a regression names its stage.
 * Wall time and the process's CPU time are both reported: on a shared machine CPU time is the
 * steadier of the two.
 */
import { renderField } from '../datasets/synth/index.js';
import { analyseField } from '../engines/morphology/analyse-field.js';
import { median, quantile, type BenchFigure, type BenchScenario } from './bench.js';

export const morphologyScenario: BenchScenario = {
  name: 'morphology',
  description: 'Morphology engine on 2048x1536 generated fields: median, p90 and per-stage milliseconds',
  async run(ctx) {
    // Three sites and three morphotype mixes, rendered once, analysed in turn.
    const fields = [
      renderField({
        seed: 101,
        width: 2048,
        height: 1536,
        labels: ['s_aureus', 'rbc'],
        site: 0,
        abundance: 1.5,
      }),
      renderField({ seed: 102, width: 2048, height: 1536, labels: ['enterobacterales', 'rbc'], site: 2 }),
      renderField({ seed: 103, width: 2048, height: 1536, labels: ['streptococcus', 'rbc'], site: 3 }),
    ];
    const wall: number[] = [];
    const cpu: number[] = [];
    const stages = new Map<string, number[]>();
    const stageCpu = new Map<string, number[]>();
    // The engine's own pipeline (what MorphologyEngine.analyze runs), for its per-stage CPU times.
    const analyse = (f: (typeof fields)[number]) =>
      analyseField(f.raster, { micronsPerPixel: f.micronsPerPixel, scaleSource: 'profile' });
    const deadline = performance.now() + ctx.budgetSeconds * 1000 * 0.8;
    // One warm-up per field (JIT), then measured rounds until the budget or 30 runs.
    for (const f of fields) analyse(f);
    for (let i = 0; i < 30 && (i < 6 || performance.now() < deadline); i++) {
      const f = fields[i % fields.length];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const out = analyse(f);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      for (const [name, ms] of Object.entries(out.stages))
        stages.set(name, [...(stages.get(name) ?? []), ms]);
      for (const [name, ms] of Object.entries(out.stageCpu))
        stageCpu.set(name, [...(stageCpu.get(name) ?? []), ms]);
      // Yield between runs, as the engine's async wrapper does.
      await Promise.resolve();
    }
    ctx.log(`morphology: ${wall.length} runs on 2048x1536 fields`);
    const figures: BenchFigure[] = [
      {
        key: 'morphology.median_ms',
        value: median(wall),
        unit: 'ms',
        target: { op: '<=', value: 150 },
        note: '2048x1536 field at 0.1 µm/px, one thread',
      },
      { key: 'morphology.p90_ms', value: quantile(wall, 0.9), unit: 'ms', target: { op: '<', value: 200 } },
      { key: 'morphology.median_cpu_ms', value: median(cpu), unit: 'ms', note: 'process CPU time per field' },
    ];
    for (const [name, values] of stages)
      figures.push({ key: `morphology.stage.${name}_ms`, value: median(values), unit: 'ms' });
    for (const [name, values] of stageCpu)
      figures.push({
        key: `morphology.stage_cpu.${name}_ms`,
        value: median(values),
        unit: 'ms',
        note: 'process CPU time',
      });
    return figures;
  },
};
