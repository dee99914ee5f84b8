/**
 * Bench: rendering one 2048x1536 synthetic field (issue 3: "well under a second"). Reports wall
 * and CPU time, since the CPU figure stays honest on a shared, busy machine.
 */
import { ORGANISM_LABELS, renderField } from '../datasets/synth/render-field.js';
import { median, quantile, type BenchScenario } from './bench.js';

export const synthScenario: BenchScenario = {
  name: 'synth',
  description: 'Render 2048x1536 synthetic fields (all organisms in turn, varied sites)',
  async run(ctx) {
    const wall: number[] = [];
    const cpu: number[] = [];
    const deadline = performance.now() + ctx.budgetSeconds * 1000;
    for (let i = 0; i < 64 && (i < 5 || performance.now() < deadline); i++) {
      const c = process.cpuUsage();
      const t = performance.now();
      renderField({
        seed: 9000 + i,
        width: 2048,
        height: 1536,
        labels: [ORGANISM_LABELS[i % 16], 'rbc'],
        site: i % 6,
      });
      wall.push(performance.now() - t);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
      // Let the event loop breathe between fields.
      await new Promise((r) => setImmediate(r));
    }
    ctx.log(`rendered ${wall.length} fields`);
    return [
      {
        key: 'synth.render_2048x1536.median_ms',
        value: Math.round(median(wall)),
        unit: 'ms',
        target: { op: '<', value: 1000 },
      },
      { key: 'synth.render_2048x1536.p90_ms', value: Math.round(quantile(wall, 0.9)), unit: 'ms' },
      {
        key: 'synth.render_2048x1536.median_cpu_ms',
        value: Math.round(median(cpu)),
        unit: 'ms',
        target: { op: '<', value: 1000 },
      },
    ];
  },
};
