/**
 * The measurement behind the engine's choice of typed arrays over OpenCV (docs/engines/morphology.md):
 * the same operations on the same 2048x1536 field, CPU milliseconds, copies in and out of cv.Mat
 * included, plus OpenCV's load and initialisation. OpenCV is not a dependency; install it where you
 * run this:
 *
 *   npm i --no-save -E @techstark/opencv-js@4.12.0-release.1 && npx tsx scripts/measure-opencv.ts
 */
import { createRequire } from 'node:module';
import { renderField } from '../src/datasets/synth/index.js';
import { boxBlur } from '../src/engines/morphology/red-cells.js';
import { labelComponents, smoothBox3 } from '../src/engines/morphology/segment.js';
import { distanceTransform } from '../src/engines/morphology/watershed.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- OpenCV.js ships no usable types */
const cpu = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const require = createRequire(import.meta.url);
const wall0 = performance.now();
const cpu0 = cpu();
let cv: any;
try {
  cv = require('@techstark/opencv-js');
} catch {
  console.log('@techstark/opencv-js is not installed; see the header of this script');
  process.exit(0);
}
// The module is a thenable that never settles in Node: wait for the runtime, never `await` it.
await new Promise<void>((resolve) => {
  if (cv.Mat) resolve();
  else cv.onRuntimeInitialized = () => resolve();
});
console.log(
  `opencv load + init: ${(performance.now() - wall0).toFixed(0)} ms wall, ${(cpu() - cpu0).toFixed(0)} ms CPU`,
);

const W = 2048;
const H = 1536;
const f = renderField({ seed: 101, width: W, height: H, labels: ['s_aureus', 'rbc'], site: 0 });
const od = new Float32Array(W * H);
for (let i = 0; i < W * H; i++)
  od[i] = 3 - (f.raster.data[i * 3] + f.raster.data[i * 3 + 1] + f.raster.data[i * 3 + 2]) / 255;
const mask = new Uint8Array(W * H);
for (let i = 0; i < W * H; i++) mask[i] = od[i] > 0.3 ? 1 : 0;
const time = (name: string, fn: () => void): void => {
  fn();
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c = cpu();
    fn();
    runs.push(cpu() - c);
  }
  runs.sort((a, b) => a - b);
  console.log(`${name.padEnd(48)} ${runs[2].toFixed(1)} ms CPU (median of 5)`);
};
time('typed arrays: 3x3 box mean', () => smoothBox3(od, W, H));
time('typed arrays: 5x5 box mean (running sums)', () => boxBlur(od, W, H, 2));
time('typed arrays: connected components + boxes + pixel lists', () => labelComponents(mask, W, H));
time('typed arrays: exact Euclidean distance transform', () => distanceTransform(mask, W, H));
time('opencv: boxFilter 3x3', () => {
  const a = cv.matFromArray(H, W, cv.CV_32F, od);
  const b = new cv.Mat();
  cv.boxFilter(a, b, -1, new cv.Size(3, 3));
  void new Float32Array(b.data32F);
  a.delete();
  b.delete();
});
time('opencv: blur 5x5', () => {
  const a = cv.matFromArray(H, W, cv.CV_32F, od);
  const b = new cv.Mat();
  cv.blur(a, b, new cv.Size(5, 5));
  void new Float32Array(b.data32F);
  a.delete();
  b.delete();
});
time('opencv: connectedComponentsWithStats', () => {
  const a = cv.matFromArray(H, W, cv.CV_8U, mask);
  const l = new cv.Mat();
  const s = new cv.Mat();
  const c = new cv.Mat();
  cv.connectedComponentsWithStats(a, l, s, c, 8, cv.CV_32S);
  void new Int32Array(l.data32S);
  a.delete();
  l.delete();
  s.delete();
  c.delete();
});
time('opencv: distanceTransform (L2, precise)', () => {
  const a = cv.matFromArray(H, W, cv.CV_8U, mask);
  const d = new cv.Mat();
  cv.distanceTransform(a, d, cv.DIST_L2, cv.DIST_MASK_PRECISE);
  void new Float32Array(d.data32F);
  a.delete();
  d.delete();
});
