/**
 * Measures the web app's two targets (issue 5): the first screen's JavaScript, gzipped, and first
 * meaningful paint on loopback — the time the Analyze screen's heading is painted (Element Timing),
 * beside First Contentful Paint. Builds the app, starts the real server, loads the page in Debian's
 * Chromium with a fresh profile each time (cold cache), and prints the median of N loads.
 *
 *   npm run measure:web [-- --runs 10]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { ensureWebBuild, launchBrowser, startServer } from '../test/browser/support/browser.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const web = path.join(root, 'dist', 'web');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

await ensureWebBuild();

// The first screen loads index.html's module script and what it preloads; lazy chunks are excluded.
const html = readFileSync(path.join(web, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let gz = 0;
let raw = 0;
for (const file of scripts) {
  const bytes = readFileSync(path.join(web, file));
  raw += bytes.length;
  gz += gzipSync(bytes, { level: 9 }).length;
}
const css = [...html.matchAll(/href="\/(assets\/[^"]+\.css)"/g)].map((m) => m[1]);
const cssGz = css.reduce((n, f) => n + gzipSync(readFileSync(path.join(web, f)), { level: 9 }).length, 0);
console.log(
  `first-screen JS: ${scripts.length} files, ${(raw / 1024).toFixed(1)} kB raw, ${(gz / 1024).toFixed(1)} kB gzipped (target < 300 kB); CSS ${(cssGz / 1024).toFixed(1)} kB gzipped`,
);

const server = await startServer();
const fcp: number[] = [];
const fmp: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const browser = await launchBrowser();
    try {
      await browser.page.goto(server.url);
      await browser.page.getByRole('heading', { name: 'Analyze fields' }).waitFor();
      // A string, evaluated in the page: the scripts' TypeScript has no DOM library.
      const t = await browser.page.evaluate<{ fcp: number; fmp: number }>(`new Promise((resolve) => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        new PerformanceObserver((list) => {
          const el = list.getEntries()[0];
          resolve({ fcp: paint ? paint.startTime : NaN, fmp: el.renderTime || el.loadTime });
        }).observe({ type: 'element', buffered: true });
      })`);
      fcp.push(t.fcp);
      fmp.push(t.fmp);
    } finally {
      await browser.close();
    }
  }
} finally {
  await server.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `first contentful paint: median ${median(fcp).toFixed(0)} ms; first meaningful paint (Analyze heading): median ${median(fmp).toFixed(0)} ms, max ${Math.max(...fmp).toFixed(0)} ms over ${runs} cold loads (target < 1000 ms)`,
);
