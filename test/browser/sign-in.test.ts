/**
 * The web app with identity configured (local accounts, multi-user mode): sign-in with password and
 * authenticator code, what each role sees, applying for access and an administrator's decision,
 * the audit log and its verification, and enrolling an authenticator app from the account page.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/security/passwords.js';
import { createRecoveryCodes, createTotpSecret, generateTotp } from '../../src/security/totp.js';
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

const PASSWORD = 'plum-orchard-lantern-42';

describeInChromium('sign-in, roles and administration in Chromium', () => {
  let server: TestServer;
  let dir: string;
  let adminSecret: string;
  let analysisId: string;
  const browsers: Browser[] = [];

  const open = async (locale = 'en-GB'): Promise<Browser> => {
    const b = await launchBrowser({ locale });
    browsers.push(b);
    return b;
  };

  /** A code for the next 30-second step, so it is not consumed by an earlier sign-in. */
  const freshCode = (secret: string) => generateTotp(secret, Date.now());

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gramscope-signin-'));
    server = await startServer({
      'auth.localAccounts': true,
      'audit.key': 'browser-test-audit-key-0123456789abcdef',
    });
    const { users } = server.ctx.security;
    const now = new Date().toISOString();
    const admin = await users.create(
      {
        username: 'admin',
        displayName: 'Ada Admin',
        role: 'admin',
        source: 'local',
        passwordHash: await hashPassword(PASSWORD),
      },
      now,
    );
    adminSecret = createTotpSecret();
    await users.update(
      admin.id,
      { totpSecret: adminSecret, totpEnabled: true, recoveryCodes: createRecoveryCodes().hashes },
      now,
    );
    await users.create(
      {
        username: 'vera',
        displayName: 'Vera Viewer',
        role: 'viewer',
        source: 'local',
        passwordHash: await hashPassword(PASSWORD),
      },
      now,
    );
    const field = path.join(dir, 'field.png');
    await writeSynthField(field, { seed: 21, width: 800, height: 600, labels: ['s_aureus', 'rbc'] });
    analysisId = (await server.ctx.analysis.analyze({ bytes: await readFile(field), actor: admin.id })).id;
  }, 120_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const signIn = async (b: Browser, username: string, code?: () => string) => {
    const { page } = b;
    await page.goto(server.url);
    await page.getByTestId('sign-in').waitFor();
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    if (code) {
      await page.getByLabel('Authenticator code').fill(code());
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await page.getByTestId('account-link').waitFor();
  };

  it('signs an administrator in with password and authenticator code, and shows the admin screens', async () => {
    const b = await open();
    const { page } = b;
    await page.goto(server.url);
    await page.getByTestId('sign-in').waitFor();
    expect(await page.getByTestId('single-user-banner').count()).toBe(0);
    await saveScreenshot(page, 'sign-in');
    expect(await auditAccessibility(page)).toEqual([]);

    // A wrong password is refused with a message, and no session starts.
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('[role=alert]').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('Authenticator code').count()).toBe(0);

    await signIn(b, 'admin', () => freshCode(adminSecret));
    expect(await page.getByTestId('account-link').textContent()).toContain('Administrator');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const item of ['Analyze', 'Live', 'History', 'Models', 'Admin']) {
      expect(await nav.getByRole('link', { name: item, exact: true }).count()).toBe(1);
    }
    await page.getByRole('heading', { name: 'Analyze fields' }).waitFor();

    // A signed-in upload carries the session's CSRF token and is stored under the user's name.
    await page.setInputFiles('[data-testid=file-input]', path.join(dir, 'field.png'));
    await page.locator('[data-testid=box]').first().waitFor({ timeout: 30_000 });

    await nav.getByRole('link', { name: 'Admin', exact: true }).click();
    const users = page.getByTestId('users');
    await expect.poll(() => users.locator('tbody tr').count()).toBe(2);
    expect(await users.locator('tr[data-username="vera"]').textContent()).toContain('Vera Viewer');
    await saveScreenshot(page, 'admin-users');
    expect(await auditAccessibility(page)).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('lets anyone apply for access; an administrator approves and the decision is audited', async () => {
    const applicant = await open();
    await applicant.page.goto(`${server.url}/#/request-access`);
    await applicant.page.getByLabel('User name').fill('newtech');
    await applicant.page.getByLabel('Full name').fill('Noa Technologist');
    await applicant.page.getByLabel('New password').fill('saffron-harbour-minnow-77');
    await applicant.page.getByLabel('Role you need').selectOption('analyst');
    await applicant.page.getByLabel('Reason').fill('Microbiology bench, night shift');
    await applicant.page.getByRole('button', { name: 'Send request' }).click();
    await applicant.page.getByTestId('request-sent').waitFor();

    const admin = browsers[0];
    const { page } = admin;
    await page.goto(`${server.url}/#/admin/access-requests`);
    const row = page.locator('[data-testid=access-requests] tr[data-username="newtech"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Microbiology bench, night shift');
    await saveScreenshot(page, 'admin-access-requests');
    await row.getByLabel('Note to the applicant: newtech').fill('Welcome');
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('Decision recorded.').waitFor();
    const granted = await server.ctx.security.users.findByUsername('newtech');
    expect(granted?.role).toBe('analyst');

    // The approval is in the audit log, and the chain verifies.
    await page.goto(`${server.url}/#/admin/audit`);
    const audit = page.getByTestId('audit');
    await audit.locator('tbody tr').first().waitFor();
    const actions = await audit
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => (r as unknown as { dataset: { action: string } }).dataset.action),
      );
    expect(actions.some((a) => a.startsWith('access-request') && a.includes('approve'))).toBe(true);
    await page.getByTestId('audit-verify').click();
    await expect
      .poll(() => page.getByTestId('audit-verdict').textContent())
      .toMatch(/^The audit chain verifies/);
    await saveScreenshot(page, 'admin-audit');
    expect(await auditAccessibility(page)).toEqual([]);
    expect(admin.errors).toEqual([]);
    expect(applicant.errors).toEqual([]);
  });

  it('shows a viewer results but no submission, administration or sign-off', async () => {
    const b = await open('ja-JP');
    await b.page.goto(server.url);
    await b.page.getByTestId('language').selectOption('en');
    await signIn(b, 'vera');
    const { page } = b;
    expect(await page.getByTestId('account-link').textContent()).toContain('Viewer');
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('link', { name: 'History', exact: true }).count()).toBe(1);
    for (const item of ['Analyze', 'Live', 'Admin']) {
      expect(await nav.getByRole('link', { name: item, exact: true }).count()).toBe(0);
    }
    // Home for a viewer is History.
    await page.getByTestId('history-table').waitFor();

    await page.goto(`${server.url}/#/analyses/${analysisId}`);
    await page.getByTestId('result').waitFor();
    const review = page.getByRole('button', { name: 'Review and correct' });
    await expect.poll(() => review.isDisabled()).toBe(true);
    expect(await page.locator('#review-why').textContent()).toBe(
      'Your role may not review or sign off results.',
    );
    await saveScreenshot(page, 'viewer-result');
    expect(b.errors).toEqual([]);
  });

  it('enrols an authenticator app from the account page', async () => {
    const b = browsers[2];
    const { page } = b;
    await page.getByTestId('account-link').click();
    await page.getByTestId('account').waitFor();
    expect(await page.getByTestId('account-role').textContent()).toBe('Viewer');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByTestId('totp-qr').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!;
    await saveScreenshot(page, 'account-totp');
    await page.getByLabel('Authenticator code').fill(freshCode(secret));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.locator('[data-testid=recovery-codes] li').count()).toBe(10);
    const vera = await server.ctx.security.users.findByUsername('vera');
    expect(vera?.totpEnabled).toBe(true);
    expect(b.errors).toEqual([]);
  });
});
