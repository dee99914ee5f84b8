/**
 * Live mode in Chromium with its fake camera playing a Y4M clip made from a generated field: the
 * camera starts, frames go to the live WebSocket one at a time, boxes are drawn over the video and a
 * frame rate is shown; Freeze keeps the frame as a stored analysis of the current specimen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderField } from '../../src/datasets/synth/index.js';
import {
  auditAccessibility,
  describeInChromium,
  launchBrowser,
  saveScreenshot,
  startServer,
  writeY4m,
  type Browser,
  type TestServer,
} from './support/browser.js';

/** The parts of an HTMLVideoElement read here (the test tsconfig has no DOM library). */
interface VideoState {
  videoWidth: number;
  videoHeight: number;
  currentTime: number;
}

describeInChromium('live mode in Chromium with a fake camera', () => {
  let server: TestServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gramscope-live-'));
    const clip = path.join(dir, 'field.y4m');
    const field = renderField({ seed: 11, width: 640, height: 480, labels: ['s_aureus', 'rbc'] });
    await writeY4m(clip, field.raster, 8, 10);
    server = await startServer();
    browser = await launchBrowser({
      args: [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${clip}`,
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts the camera, analyses frames over the live WebSocket with boxes and a frame rate, and freezes one', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/live`);
    await page.getByRole('button', { name: 'Start' }).click();

    // The fake camera plays the clip at its own size.
    const video = page.getByTestId('live-video');
    await expect
      .poll(
        () =>
          video.evaluate(
            (v) => `${(v as unknown as VideoState).videoWidth}x${(v as unknown as VideoState).videoHeight}`,
          ),
        {
          timeout: 15_000,
        },
      )
      .toBe('640x480');
    await expect.poll(() => video.evaluate((v) => (v as unknown as VideoState).currentTime > 0)).toBe(true);

    await page.locator('[data-testid=live-box]').first().waitFor({ timeout: 20_000 });
    const fps = page.getByTestId('live-fps');
    await fps.waitFor();
    await expect
      .poll(async () => Number((await fps.textContent())!.match(/[\d.]+/)![0]), { timeout: 10_000 })
      .toBeGreaterThan(0);
    // Boxes are in the sent frame's pixels, over an overlay covering the displayed video.
    const overlay = page.getByTestId('live-overlay');
    expect(await overlay.getAttribute('viewBox')).toBe('0 0 640 480');
    const vb = await video.boundingBox();
    const ob = await overlay.boundingBox();
    expect(ob!.width).toBeCloseTo(vb!.width, 0);
    await saveScreenshot(page, 'live');
    expect(await auditAccessibility(page)).toEqual([]);

    // Freeze stores the current frame, at the camera's resolution, as a field of a specimen.
    const list = async () =>
      (
        (await (await fetch(`${server.url}/api/v1/analyses`)).json()) as {
          items: { specimen: string | null; image: { width: number } }[];
        }
      ).items;
    const before = await list();
    await page.getByRole('button', { name: 'Freeze' }).click();
    await page.getByTestId('result').waitFor({ timeout: 30_000 });
    const after = await list();
    expect(after.length).toBe(before.length + 1);
    expect(after[0].image.width).toBe(640);
    expect(after[0].specimen).toMatch(/^S-/);
    expect(await page.getByTestId('frozen-status').textContent()).toContain(after[0].specimen!);
    await saveScreenshot(page, 'live-frozen');
    expect(browser.errors).toEqual([]);
  });

  it('explains a denied camera', async () => {
    const denied = await launchBrowser({ args: ['--use-fake-device-for-media-stream'] });
    try {
      // Without --use-fake-ui-for-media-stream and with the permission refused, getUserMedia fails.
      await denied.context.clearPermissions();
      await denied.page.goto(`${server.url}/#/live`);
      await denied.page.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(() => denied.page.getByTestId('live-problem').textContent(), { timeout: 15_000 })
        .toContain('Camera access was denied');
      await saveScreenshot(denied.page, 'live-denied');
    } finally {
      await denied.close();
    }
  });
});
