/**
 * Browser-test support: the real server (buildApp + listen on a free loopback port, temporary data
 * directory, the built web app from dist/web) and Debian's Chromium driven by playwright-core.
 * Never `npx playwright install`: CI installs the `chromium` package (.ci/run).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { createAppContext, type AppContext } from '../../../src/app/context.js';
import { loadConfig, type ConfigOverrides } from '../../../src/config/load-config.js';
import { renderField, type RenderFieldOptions } from '../../../src/datasets/synth/index.js';
import type { RasterImage } from '../../../src/domain/raster.js';
import { encodePng } from '../../../src/imaging/intake.js';
import { buildApp, type GramscopeApp } from '../../../src/server/build-app.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM_PATH);
export const NO_CHROMIUM_MESSAGE = `browser tests skipped: ${CHROMIUM_PATH} is absent (apt-get install chromium; CI installs it)`;

/** `describe` for tests that drive Chromium: skipped where it is absent, with a warning saying why. */
export function describeInChromium(name: string, tests: () => void): void {
  if (!HAS_CHROMIUM) console.warn(NO_CHROMIUM_MESSAGE);
  describe.runIf(HAS_CHROMIUM)(name, tests);
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const webRoot = path.join(repoRoot, 'dist', 'web');

/** Newest modification time under a folder (files only). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds the web app into dist/web unless a build newer than every source file is already there, so
 * the tests always drive the production bundle of the code under test.
 */
export async function ensureWebBuild(): Promise<void> {
  const index = path.join(webRoot, 'index.html');
  const sources = Math.max(
    newestMtime(path.join(repoRoot, 'web')),
    newestMtime(path.join(repoRoot, 'src', 'domain')),
  );
  if (existsSync(index) && statSync(index).mtimeMs > sources) return;
  // A child process with NODE_ENV=production: inside vitest NODE_ENV is 'test', which would make
  // Vite bundle React's development build.
  await execFileAsync(
    process.execPath,
    [
      path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
    ],
    { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'production' } },
  );
}

export interface TestServer {
  url: string;
  app: GramscopeApp;
  ctx: AppContext;
  close(): Promise<void>;
}

/**
 * The real application on a free loopback port with a fresh data directory (single-user unless
 * overridden), serving the web app built from the current sources.
 */
export async function startServer(overrides: ConfigOverrides = {}): Promise<TestServer> {
  await ensureWebBuild();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-browser-'));
  const config = loadConfig(
    {},
    { 'storage.dataDir': dataDir, 'server.host': '127.0.0.1', 'server.port': 0, ...overrides },
  );
  const ctx = await createAppContext(config);
  const app = await buildApp(ctx, { webRoot });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    app,
    ctx,
    async close() {
      await app.close();
      await ctx.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors; a test fails if any appear. */
  errors: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile, a 1280x720 window and the given browser language. */
export async function launchBrowser(options: { locale?: string; args?: string[] } = {}): Promise<Browser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'gramscope-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.args ?? [])],
    locale: options.locale ?? 'en-GB',
    viewport: { width: 1280, height: 720 },
    timeout: 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go: docs/screenshots when UPDATE_SCREENSHOTS=1, else a temporary folder. */
const screenshotDir =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? path.join(repoRoot, 'docs', 'screenshots')
    : path.join(tmpdir(), 'gramscope-screenshots');

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core (WCAG 2.1 A/AA rules) on the current page and returns the serious and critical
 * violations. The script is evaluated over the DevTools protocol, so the app's CSP stays as served.
 */
export async function auditAccessibility(page: Page): Promise<AxeViolation[]> {
  const source = await readFile(path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  await page.evaluate(source);
  const violations = await page.evaluate<AxeViolation[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target })) })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Renders a synthetic field with the project's own generator and writes it as PNG. */
export async function writeSynthField(
  file: string,
  options: RenderFieldOptions,
): Promise<{ raster: RasterImage; objects: number }> {
  const field = renderField(options);
  await writeFile(file, await encodePng(field.raster));
  return { raster: field.raster, objects: field.objects.length };
}

/**
 * Writes a Y4M clip (YUV 4:2:0, BT.601 full range) that Chromium's fake camera plays in a loop.
 * Each frame is the field shifted a little, so the picture moves like a slide under a camera.
 */
export async function writeY4m(
  file: string,
  raster: RasterImage,
  frames: number,
  fps: number,
): Promise<void> {
  const { width: w, height: h, data } = raster;
  if (w % 2 || h % 2) throw new RangeError('Y4M 4:2:0 needs even dimensions');
  const header = Buffer.from(`YUV4MPEG2 W${w} H${h} F${fps}:1 Ip A1:1 C420jpeg\n`);
  const frameSize = w * h * 1.5;
  const out = Buffer.alloc(header.length + frames * (6 + frameSize));
  header.copy(out, 0);
  let o = header.length;
  for (let f = 0; f < frames; f++) {
    out.write('FRAME\n', o, 'latin1');
    o += 6;
    const dx = f % 4;
    const dy = (f >> 2) % 3;
    const y = out.subarray(o, o + w * h);
    const u = out.subarray(o + w * h, o + w * h + (w * h) / 4);
    const v = out.subarray(o + w * h + (w * h) / 4, o + frameSize);
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const sx = Math.min(w - 1, col + dx);
        const sy = Math.min(h - 1, row + dy);
        const i = (sy * w + sx) * 3;
        const r = data[i];
        const g = data[i + 1];
        const b = data[i + 2];
        y[row * w + col] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
        if (row % 2 === 0 && col % 2 === 0) {
          const ci = (row / 2) * (w / 2) + col / 2;
          u[ci] = Math.max(0, Math.min(255, Math.round(128 - 0.168736 * r - 0.331264 * g + 0.5 * b)));
          v[ci] = Math.max(0, Math.min(255, Math.round(128 + 0.5 * r - 0.418688 * g - 0.081312 * b)));
        }
      }
    }
    o += frameSize;
  }
  await writeFile(file, out);
}
