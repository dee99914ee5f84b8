/**
 * The web app end to end in Debian's Chromium against the real server: upload generated fields and
 * see boxes, counts, finding and differential; a specimen of several fields; Japanese; history;
 * review; the administration screens. Screenshots of each screen go to docs/screenshots when
 * UPDATE_SCREENSHOTS=1 (npm run screenshots).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/domain/analysis-result.js';
import { buildConstantDetector } from '../../src/models/builder/exact-models.js';
import { LABELS, MORPHOTYPES, NO_ORGANISMS, isLabelKey } from '../../src/domain/taxonomy.js';
import {
  auditAccessibility,
  describeInChromium,
  launchBrowser,
  saveScreenshot,
  startServer,
  writeSynthField,
  type Browser,
  type TestServer,
} from './support/browser.js';

describeInChromium('web app in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let dir: string;
  const fields: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gramscope-fields-'));
    // Three fields of one specimen: staphylococci, then streptococcal chains, then Gram-negative rods.
    const plans = [
      { seed: 7, labels: ['s_aureus', 'rbc'] },
      { seed: 8, labels: ['streptococcus', 'rbc'] },
      { seed: 9, labels: ['enterobacterales', 'rbc'] },
    ] as const;
    for (const [i, plan] of plans.entries()) {
      const file = path.join(dir, `field-${i + 1}.png`);
      await writeSynthField(file, { seed: plan.seed, width: 1024, height: 768, labels: plan.labels });
      fields.push(file);
    }
    // Images retained (encrypted), so History shows the stored original and retention has work to do.
    server = await startServer({
      'storage.retainImages': true,
      'storage.encryptionKeys': [`k1:${randomBytes(32).toString('base64')}`],
      'storage.imageRetentionDays': 30,
    });
    browser = await launchBrowser({ locale: 'en-GB' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const api = async <T>(p: string): Promise<T> => {
    const res = await fetch(`${server.url}${p}`);
    expect(res.ok, `${p} answered ${res.status}`).toBe(true);
    return (await res.json()) as T;
  };

  const latest = async (): Promise<AnalysisResult> => {
    const list = await api<{ items: { id: string }[] }>('/api/v1/analyses?limit=1');
    return api<AnalysisResult>(`/api/v1/analyses/${list.items[0].id}`);
  };

  it('uploads a generated field and shows its boxes, counts, finding, differential and disclaimer', async () => {
    const { page } = browser;
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Analyze fields' }).waitFor();
    await saveScreenshot(page, 'analyze-empty');
    expect(await auditAccessibility(page)).toEqual([]);

    await page.setInputFiles('[data-testid=file-input]', fields[0]);
    await page.locator('[data-testid=result]').waitFor({ timeout: 30_000 });
    const result = await latest();
    expect(result.detections.length).toBeGreaterThan(0);

    // One box per detection, in original-image pixels, over an overlay sized to the image.
    const overlay = page.locator('[data-testid=overlay]');
    expect(await overlay.getAttribute('viewBox')).toBe(`0 0 ${result.image.width} ${result.image.height}`);
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(result.detections.length);
    const first = page.locator('[data-testid=box][data-index="0"] rect').first();
    expect(Number(await first.getAttribute('x'))).toBeCloseTo(result.detections[0].box[0], 3);
    expect(Number(await first.getAttribute('y'))).toBeCloseTo(result.detections[0].box[1], 3);

    // The overlay is drawn at the displayed size of the image, not its natural size.
    const imgBox = await page.locator('[data-testid=field-image]').boundingBox();
    const svgBox = await overlay.boundingBox();
    expect(svgBox!.width).toBeCloseTo(imgBox!.width, 0);
    expect(svgBox!.height).toBeCloseTo(imgBox!.height, 0);
    expect(imgBox!.width).toBeLessThan(result.image.width);

    await expect.poll(() => page.getByTestId('finding').textContent()).toBe(result.summary.finding.en);
    const top = result.summary.differential[0];
    expect(await page.locator('[data-testid=differential] li').first().getAttribute('data-label')).toBe(
      top.label,
    );
    for (const [label, count] of Object.entries(result.summary.counts)) {
      const row = page.locator(`[data-testid=counts] tr[data-label="${label}"]`);
      expect(await row.locator('td.num').first().textContent()).toBe(String(count));
    }
    expect(await page.getByTestId('disclaimer').first().textContent()).toContain(
      'Decision support — preliminary until reviewed',
    );
    await saveScreenshot(page, 'analyze-result');
    expect(await auditAccessibility(page)).toEqual([]);

    // Hiding a label and raising the score threshold remove boxes; the counts still show the totals.
    const biggest = Object.entries(result.summary.counts).sort((a, b) => b[1] - a[1])[0][0];
    await page.locator(`#toggle-${biggest}`).uncheck();
    const withoutBiggest = result.detections.filter((d) => d.label !== biggest).length;
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(withoutBiggest);
    await page.locator(`#toggle-${biggest}`).check();
    await page.locator('#min-score').fill('0.9');
    const confident = result.detections.filter((d) => d.score >= 0.9).length;
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(confident);
    await page.locator('#min-score').fill('0');

    // Keyboard zoom on the focused viewer.
    const zoom = page.locator('.viewer-controls output');
    const before = await zoom.textContent();
    await page.getByTestId('field-viewer').focus();
    await page.keyboard.press('+');
    await expect.poll(() => zoom.textContent()).not.toBe(before);
    await page.keyboard.press('0');
    await expect.poll(() => zoom.textContent()).toBe(before);
    expect(browser.errors).toEqual([]);
  });

  it('analyses several fields as one specimen with per-file progress and a pooled summary', async () => {
    const { page } = browser;
    const specimen = await page.locator('#specimen-id').inputValue();
    expect(specimen).toMatch(/^S-\d{8}-\d{6}-[a-z0-9]{1,4}$/);
    await page.setInputFiles('[data-testid=file-input]', [fields[1], fields[2]]);
    // Each field reports its own state; all three finish.
    await expect.poll(() => page.locator('[data-testid=field]').count()).toBe(3);
    await expect
      .poll(() => page.locator('[data-testid=field][data-status=done]').count(), { timeout: 60_000 })
      .toBe(3);

    const stored = await api<{ items: { id: string; specimen: string }[] }>(
      `/api/v1/analyses?specimen=${encodeURIComponent(specimen)}`,
    );
    expect(stored.items).toHaveLength(3);

    await page.getByTestId('specimen-summary-button').click();
    const summary = page.getByTestId('specimen-summary');
    await summary.waitFor();
    const results = await Promise.all(
      stored.items.map((i) => api<AnalysisResult>(`/api/v1/analyses/${i.id}`)),
    );
    const total = (label: string) =>
      results.reduce((n, r) => n + r.detections.filter((d) => d.label === label).length, 0);
    for (const label of new Set(results.flatMap((r) => r.detections.map((d) => d.label)))) {
      const cell = summary.locator(`[data-testid=counts] tr[data-label="${label}"] td.num`).first();
      expect(await cell.textContent()).toBe(String(total(label)));
    }
    await saveScreenshot(page, 'analyze-specimen');
    expect(await auditAccessibility(page)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });

  it('switches to Japanese, shows Japanese labels and findings, and remembers the choice', async () => {
    const { page } = browser;
    await page.locator('[data-testid=field] button.field-name').first().click();
    await page.getByTestId('result').waitFor();
    await page.getByTestId('language').selectOption('ja');
    await page.getByRole('link', { name: '解析' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('ja');
    expect(await page.getByTestId('disclaimer').first().textContent()).toContain('暫定');

    // Every label row in the counts table carries the TAXONOMY Japanese name.
    const rows = page.locator('[data-testid=counts] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    for (let i = 0; i < (await rows.count()); i++) {
      const label = (await rows.nth(i).getAttribute('data-label'))!;
      if (isLabelKey(label)) expect(await rows.nth(i).locator('th').textContent()).toBe(LABELS[label].ja);
    }
    const finding = (await page.getByTestId('finding').textContent())!;
    const japaneseFindings = Object.values(MORPHOTYPES).map((m) => m.ja);
    expect(
      finding.split('、').every((part) => japaneseFindings.includes(part) || part === NO_ORGANISMS.ja),
    ).toBe(true);
    await saveScreenshot(page, 'result-ja');
    expect(await auditAccessibility(page)).toEqual([]);

    await page.reload();
    await page.getByRole('heading', { name: '視野を解析' }).waitFor();
    await page.getByTestId('language').selectOption('en');
    await page.getByRole('heading', { name: 'Analyze fields' }).waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('lists past analyses in History, filters them on the server and opens one', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/history`);
    const table = page.getByTestId('history-table');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);
    await saveScreenshot(page, 'history');
    expect(await auditAccessibility(page)).toEqual([]);

    await page.getByLabel('Finding').selectOption('Gram-negative rods');
    const listed = await api<{ items: unknown[] }>(
      `/api/v1/analyses?q=${encodeURIComponent('Gram-negative rods')}`,
    );
    await expect.poll(() => table.locator('tbody tr').count()).toBe(listed.items.length);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);

    // In Japanese the finding column shows the Japanese finding the server stored with each result.
    const all = await api<{ items: { finding: string; findingJa: string }[] }>('/api/v1/analyses');
    await page.getByTestId('language').selectOption('ja');
    const cells = page.getByTestId('history-finding');
    await expect.poll(() => cells.allTextContents()).toEqual(all.items.map((i) => i.findingJa));
    expect(all.items.every((i) => i.findingJa !== i.finding)).toBe(true);
    await saveScreenshot(page, 'history-ja');
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => cells.allTextContents()).toEqual(all.items.map((i) => i.finding));

    await table.locator('tbody tr').first().getByRole('link', { name: /^Open/ }).click();
    await page.getByTestId('result').waitFor();
    const result = await latest();
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(result.detections.length);
    // The stored original is shown (decrypted by the server), at its full size.
    expect(result.storedImage).toEqual({ status: 'retained', purgedAt: null });
    const image = page.getByTestId('field-image');
    expect(await image.getAttribute('src')).toBe(`/api/v1/analyses/${result.id}/original.png`);
    await expect
      .poll(() =>
        image.evaluate((img) => {
          const { naturalWidth, naturalHeight } = img as unknown as {
            naturalWidth: number;
            naturalHeight: number;
          };
          return [naturalWidth, naturalHeight];
        }),
      )
      .toEqual([result.image.width, result.image.height]);
    // Every export the result view offers answers, the JP Core bundle and the original included.
    const hrefs = await page
      .getByTestId('exports')
      .locator('a')
      .evaluateAll((links) =>
        (links as unknown as { getAttribute(name: string): string | null }[]).map(
          (a) => a.getAttribute('href') ?? '',
        ),
      );
    const base = `/api/v1/analyses/${result.id}`;
    expect(hrefs).toEqual(
      expect.arrayContaining([
        `${base}/report.fhir.json?profile=jp-core`,
        `${base}/report.csv?kind=detections`,
        `${base}/report.json`,
        `${base}/original.png`,
      ]),
    );
    for (const href of hrefs) {
      const res = await fetch(`${server.url}${href}`);
      // Read each body: an unread response keeps its connection busy and the server from closing.
      expect((await res.arrayBuffer()).byteLength, href).toBeGreaterThan(0);
      expect(res.status, href).toBe(200);
    }
    await saveScreenshot(page, 'analysis');
    expect(browser.errors).toEqual([]);
  });

  it('reviews a field: relabels, deletes and adds boxes (mouse and keyboard), then signs it off', async () => {
    const { page } = browser;
    const result = await latest();
    await page.goto(`${server.url}/#/analyses/${result.id}`);
    await page.getByTestId('result').waitFor();
    await page.getByTestId('start-review').click();
    await page.getByTestId('review-panel').waitFor();
    // Relabel the first box, delete the second, then sign off (with a confirmation step).
    await page.locator('[data-testid=review-panel] details summary').click();
    await page.locator('.box-list button').first().click();
    await page.locator('#relabel').selectOption('s_aureus');
    await page.locator('.box-list button').nth(1).click();
    await page.getByRole('button', { name: 'Delete box' }).click();
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(result.detections.length - 1);
    // Add a box from the keyboard (Enter in the focused field), then widen it with Alt+Right.
    await page.locator('#new-label').selectOption('candida');
    await page.getByRole('button', { name: 'Add a box' }).click();
    await page.getByTestId('field-viewer').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(result.detections.length);
    const added = page
      .locator(`[data-testid=box][data-index="${result.detections.length - 1}"] rect`)
      .first();
    const widthBefore = Number(await added.getAttribute('width'));
    await page.keyboard.press('Shift+Alt+ArrowRight');
    await expect.poll(async () => Number(await added.getAttribute('width'))).toBeCloseTo(widthBefore + 10, 3);
    await saveScreenshot(page, 'review');
    expect(await auditAccessibility(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign off' }).click();
    await page.getByRole('button', { name: 'Sign off' }).click();
    await expect.poll(() => page.getByTestId('review-status').textContent()).toContain('Signed off');

    // The engine's output is kept; the reviewed list is the new current one.
    const signed = await api<
      AnalysisResult & {
        review: { status: string; current: { detections: { label: string; from: number | null }[] } };
      }
    >(`/api/v1/analyses/${result.id}`);
    expect(signed.detections).toHaveLength(result.detections.length);
    expect(signed.review.status).toBe('final');
    expect(signed.review.current.detections).toHaveLength(result.detections.length);
    expect(signed.review.current.detections[0].label).toBe('s_aureus');
    expect(signed.review.current.detections.at(-1)).toMatchObject({ label: 'candida', from: null });
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(result.detections.length);
    expect(await page.getByTestId('review-changes').textContent()).toContain(
      '1 relabelled, 1 deleted, 1 added',
    );
    // A signed-off result can no longer be reviewed.
    expect(await page.getByRole('button', { name: 'Review and correct' }).isDisabled()).toBe(true);
    await saveScreenshot(page, 'review-signed-off');
    expect(browser.errors).toEqual([]);
  });

  it('opens a specimen from History, pools its fields on the server and signs it off', async () => {
    const { page } = browser;
    await page.goto(`${server.url}/#/history`);
    const table = page.getByTestId('history-table');
    await table.locator('tbody tr').first().getByRole('link').first().click();
    const specimenPage = page.getByTestId('specimen-page');
    await specimenPage.waitFor();
    const id = decodeURIComponent(page.url().split('/specimens/')[1]);
    const before = await api<{
      specimen: { status: string };
      fields: unknown[];
      pooled: { counts: Record<string, number> };
    }>(`/api/v1/specimens/${encodeURIComponent(id)}`);
    expect(before.specimen.status).toBe('preliminary');
    await expect
      .poll(() => page.locator('[data-testid=specimen-fields] tbody tr').count())
      .toBe(before.fields.length);
    for (const [label, count] of Object.entries(before.pooled.counts)) {
      const cell = specimenPage.locator(`[data-testid=counts] tr[data-label="${label}"] td.num`).first();
      expect(await cell.textContent()).toBe(String(count));
    }
    expect(await page.getByTestId('exports').locator('a').count()).toBeGreaterThan(0);
    await saveScreenshot(page, 'specimen');
    expect(await auditAccessibility(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sign off specimen' }).click();
    await page.getByRole('button', { name: 'Sign off specimen' }).click();
    await expect.poll(() => page.getByTestId('specimen-status').textContent()).toContain('Signed off');
    const after = await api<{ specimen: { status: string } }>(`/api/v1/specimens/${encodeURIComponent(id)}`);
    expect(after.specimen.status).toBe('final');
    expect(browser.errors).toEqual([]);
  });

  it('shows models, administration and data handling from the live configuration', async () => {
    const { page } = browser;
    // A registered model (a tiny exact ONNX detector) shows its card, with its unmapped class.
    const detector = buildConstantDetector({
      layout: 'yolov5',
      classes: ['Staphylococcus aureus', 'spore'],
      rows: [[16, 16, 8, 8, 0.9, 1, 0]],
      inputWidth: 32,
      inputHeight: 32,
    });
    await server.ctx.models.add({
      bytes: detector.bytes,
      engine: 'onnx-detector',
      card: { id: 'det-demo', name: 'Demo detector', version: '1.0.0' },
    });
    await page.goto(`${server.url}/#/models`);
    await page.getByTestId('engine').first().waitFor();
    const card = page.getByTestId('model');
    await card.waitFor();
    expect(await card.locator('h4').textContent()).toContain('Demo detector');
    expect(await card.textContent()).toContain('Staphylococcus aureus');
    expect(await card.locator('.warning').textContent()).toContain('spore');
    const engines = await api<{ default: string; items: { name: string }[] }>('/api/v1/engines');
    await expect.poll(() => page.getByTestId('engine').count()).toBe(engines.items.length);
    expect(await page.getByTestId('engine').first().textContent()).toContain(engines.items[0].name);
    await saveScreenshot(page, 'models');
    expect(await auditAccessibility(page)).toEqual([]);

    // The local user (an admin in single-user mode) uploads a second detector with a labels file;
    // the browser sends the file's sha256, which the server checks.
    const second = buildConstantDetector({
      layout: 'yolov8',
      classes: ['a', 'b'],
      rows: [[16, 16, 8, 8, 0.9, 0.1]],
      inputWidth: 32,
      inputHeight: 32,
    });
    await writeFile(path.join(dir, 'second.onnx'), second.bytes);
    await writeFile(path.join(dir, 'classes.txt'), 'E. coli\nmystery rod\n');
    await page.locator('.model-upload summary').click();
    const upload = page.locator('form.model-upload-form');
    await upload.locator('input[name=model]').setInputFiles(path.join(dir, 'second.onnx'));
    await upload.locator('input[name=labels]').setInputFiles(path.join(dir, 'classes.txt'));
    await upload.getByLabel('Name').fill('Second detector');
    await upload.getByLabel('Version').fill('2');
    expect(await auditAccessibility(page)).toEqual([]);
    await upload.getByRole('button', { name: 'Upload a model' }).click();
    await expect.poll(() => page.getByTestId('model').count()).toBe(2);
    type Listed = { items: { id: string; active: boolean; sha256: string; unmappedLabels: string[] }[] };
    const models = async () => (await api<Listed>('/api/v1/models')).items;
    const activeIds = async () => (await models()).filter((m) => m.active).map((m) => m.id);
    const uploaded = (await models()).find((m) => m.id === 'second-detector-2');
    expect(uploaded).toMatchObject({
      active: false,
      sha256: createHash('sha256').update(second.bytes).digest('hex'),
      unmappedLabels: ['mystery rod'],
    });
    expect(await page.locator('.model-upload [role=status]').textContent()).toContain('second-detector-2');

    // Activate it from its card, roll back, deactivate, and activate the first again.
    await page.getByTestId('model').nth(1).getByRole('button', { name: 'Activate' }).click();
    await expect.poll(activeIds).toEqual(['second-detector-2']);
    await page.getByRole('button', { name: 'Roll back: onnx-detector' }).click();
    await expect.poll(activeIds).toEqual(['det-demo']);
    await page.getByTestId('model').first().getByRole('button', { name: 'Deactivate' }).click();
    await expect.poll(activeIds).toEqual([]);
    await page.getByTestId('model').first().getByRole('button', { name: 'Activate' }).click();
    await expect.poll(activeIds).toEqual(['det-demo']);

    await page.goto(`${server.url}/#/admin/profiles`);
    const profiles = await api<{ items: { name: string }[] }>('/api/v1/profiles');
    const rows = page.locator('table.table tbody tr');
    await expect.poll(() => rows.count()).toBe(profiles.items.length);
    await saveScreenshot(page, 'admin-profiles');
    expect(await auditAccessibility(page)).toEqual([]);

    // Add a calibration profile through the form, see it listed and stored, then delete it.
    const form = page.locator('form.profile-form');
    await form.getByLabel('Profile').fill('Lab-2 Olympus 100x');
    await form.getByLabel('Microscope').fill('Olympus BX43');
    await form.getByLabel('Camera').fill('DP23');
    await form.getByLabel('Objective').fill('100x/1.30 oil');
    await form.getByLabel('µm per pixel').fill('0.0625');
    await form.getByRole('button', { name: 'Add profile' }).click();
    await expect.poll(() => rows.count()).toBe(profiles.items.length + 1);
    const stored = await api<{ items: { name: string; micronsPerPixel: number }[] }>('/api/v1/profiles');
    expect(stored.items.find((p) => p.name === 'Lab-2 Olympus 100x')?.micronsPerPixel).toBe(0.0625);
    await page.getByRole('button', { name: 'Remove: Lab-2 Olympus 100x' }).click();
    await page.getByRole('button', { name: 'Delete Lab-2 Olympus 100x' }).click();
    await expect.poll(() => rows.count()).toBe(profiles.items.length);

    // Retention: only images expire. An analysis 40 days old keeps its result after its image goes.
    const old = await latest();
    const aged = {
      ...old,
      id: `aged-${old.id.slice(0, 8)}`,
      specimen: null,
      createdAt: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    };
    const agedKey = `images/${aged.createdAt.slice(0, 10)}/${aged.id}.png`;
    await server.ctx.blobs.put(
      agedKey,
      (await server.ctx.blobs.get(`images/${old.createdAt.slice(0, 10)}/${old.id}.png`))!,
    );
    await server.ctx.analyses.insert(aged, { imageKey: agedKey });

    await page.goto(`${server.url}/#/admin/retention`);
    const days = page.getByLabel('Keep original images for');
    await expect.poll(() => days.inputValue()).toBe('30');
    expect(await page.getByTestId('retention-source').textContent()).toContain('configured period');
    expect(await page.getByTestId('retention-kept').textContent()).toContain('audit log');
    await days.fill('60');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('retention-source').textContent()).toContain('set by');
    expect(await page.getByTestId('retention-done').textContent()).toBe('Saved.');
    expect((await api<{ imagesDays: number }>('/api/v1/settings/retention')).imagesDays).toBe(60);
    // At 60 days the 40-day-old image stays; back at the configured 30 it is deleted.
    await page.getByTestId('retention-purge').click();
    await expect.poll(() => page.getByTestId('retention-done').textContent()).toBe('0 images deleted.');
    await page.getByRole('button', { name: 'Use the configured 30 days' }).click();
    await expect.poll(() => days.inputValue()).toBe('30');
    await page.getByTestId('retention-purge').click();
    await expect.poll(() => page.getByTestId('retention-done').textContent()).toBe('1 image deleted.');
    await expect
      .poll(() => page.getByTestId('retention-last').textContent())
      .toContain('by an administrator');
    await saveScreenshot(page, 'admin-retention');
    expect(await auditAccessibility(page)).toEqual([]);
    await page.getByTestId('language').selectOption('ja');
    await page.getByLabel('元画像の保存期間').waitFor();
    expect(await page.getByTestId('retention-done').textContent()).toBe('1 枚の画像を削除しました。');
    expect(await page.getByTestId('retention-kept').textContent()).toContain('監査ログ');
    await saveScreenshot(page, 'admin-retention-ja');
    await page.getByTestId('language').selectOption('en');

    await page.goto(`${server.url}/#/analyses/${aged.id}`);
    await page.getByTestId('result').waitFor();
    expect(await page.getByTestId('field-image').count()).toBe(0);
    expect(await page.getByTestId('image-note').textContent()).toContain('deleted on');
    await expect.poll(() => page.locator('[data-testid=box]').count()).toBe(aged.detections.length);
    await saveScreenshot(page, 'analysis-image-purged');

    await page.goto(`${server.url}/#/data-handling`);
    const about = await api<{ storage: { retainImages: boolean } }>('/api/v1/about');
    // The page says "Loading…" until /about answers: wait for the text rather than read it once.
    const handling = page.getByTestId('data-handling');
    await expect
      .poll(() => handling.textContent())
      .toContain('Retained images are kept in the server’s data directory.');
    expect(await handling.textContent()).not.toContain('aes-256-gcm storage');
    expect(await page.getByTestId('data-retention').textContent()).toContain(
      'Original images: 30 days, then deleted',
    );
    const images = page.getByTestId('data-images');
    await images.waitFor();
    expect(await images.textContent()).toContain(
      about.storage.retainImages ? 'Uploaded images are kept' : 'Uploaded images are not kept',
    );
    await saveScreenshot(page, 'data-handling');
    expect(await auditAccessibility(page)).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
