/**
 * Secrets and patient identifiers never reach the logs, and typed input cannot forge a log line.
 * A real `gramscope serve` process is configured with planted secrets everywhere a site puts them
 * (database URL password, S3 keys, encryption key, audit key, OIDC client secret, FHIR token), then
 * driven through sign-ins (password, TOTP, recovery, OIDC), API tokens, uploads with a specimen
 * id, a password change and sign-out. Its whole stdout and stderr are captured and searched for
 * every planted value; the audit chain is searched too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AuditService, loadAuditKey } from '../../src/security/audit.service.js';
import { SYSTEM_CLOCK } from '../../src/security/clock.js';
import { OIDC_FLOW_COOKIE } from '../../src/security/oidc.service.js';
import { hashPassword } from '../../src/security/passwords.js';
import { createRecoveryCodes, createTotpSecret, generateTotp } from '../../src/security/totp.js';
import {
  SKIP_PG,
  createPostgresTestDatabase,
  createSqliteTestDatabase,
  type TestDatabase,
} from '../support/databases.js';
import { solidImage } from '../support/images.js';
import { runProviderLogin, startTestProvider, type TestProvider } from '../support/oidc-provider.js';
import { startTestS3, type TestS3 } from '../support/s3.js';
import { csrfTokenFor, SESSION_COOKIE } from '../../src/security/sessions.service.js';
import { sessionCookieFrom } from '../support/security.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';
// @ts-expect-error s3rver ships no type declarations
import S3Account from 's3rver/lib/models/account.js';

/** Every secret the run handles, by name; none may appear in the captured output. */
const planted: Record<string, string> = {
  adminPassword: 'Planted-Admin-Pass-7k2q9',
  wrongPassword: 'Planted-Wrong-Pass-3m8x1',
  newPassword: 'Planted-New-Pass-5v6b4n',
  dbPassword: 'PlantedDbPass0x41',
  s3AccessKeyId: 'AKIAPLANTED7Q3Z9X',
  s3SecretKey: 'PlantedS3Secret/9d8c7b6a5f4e3d2c1b0a',
  encryptionKey: randomBytes(32).toString('base64'),
  auditKey: 'planted-audit-key-6f2a9c4e8b1d7f3a5c9e2b4d',
  oidcClientSecret: 'planted-oidc-client-secret-8e1f4a',
  fhirToken: 'planted-fhir-bearer-2c7d9e',
  bogusBearer: 'eyJhbGciOiJIUzI1NiJ9.planted-bogus-bearer.c2ln',
  queryToken: 'planted-query-token-1a2b3c',
};
const SPECIMEN = 'PATIENT-YAMADA-19610203';
const FORGED = 'forged-by-crlf';

describe('captured logs of a real server run', () => {
  let db: TestDatabase;
  let dir: string;
  let s3: TestS3;
  let provider: TestProvider;
  let server: ServeProcess;
  let env: Record<string, string>;
  const totpSecret = createTotpSecret();
  const recovery = createRecoveryCodes();
  /** Secrets only known once the run has made them (session ids, tokens, codes). */
  const runtime: Record<string, string> = {};

  beforeAll(async () => {
    db = SKIP_PG ? await createSqliteTestDatabase() : await createPostgresTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'gramscope-logs-'));
    s3 = await startTestS3();
    (
      S3Account as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }
    ).DUMMY_ACCOUNT.createKeyPair(planted.s3AccessKeyId, planted.s3SecretKey);
    provider = await startTestProvider({ clientSecret: planted.oidcClientSecret });
    provider.accounts.set('oidc-1', {
      sub: 'oidc-1',
      preferred_username: `nurse\r\n{"level":30,"msg":"${FORGED}"}`,
      name: `Nurse\r\n{"msg":"${FORGED}"}`,
      email: 'nurse@hospital.test',
      groups: ['lab-staff'],
    });
    let databaseUrl = '';
    if (db.databaseUrl) {
      const url = new URL(db.databaseUrl);
      url.username ||= 'postgres';
      // The test server trusts loopback, so the password is carried but never needed.
      url.password = planted.dbPassword;
      databaseUrl = url.toString();
    }
    env = {
      GRAMSCOPE_DATA: dir,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      GRAMSCOPE_LOG_LEVEL: 'debug',
      GRAMSCOPE_CONCURRENCY: '1',
      GRAMSCOPE_LOCAL_ACCOUNTS: 'true',
      GRAMSCOPE_AUDIT_KEY: planted.auditKey,
      GRAMSCOPE_RETAIN_IMAGES: 'true',
      GRAMSCOPE_ENCRYPTION_KEYS: `k1:${planted.encryptionKey}`,
      GRAMSCOPE_S3_BUCKET: s3.bucket,
      GRAMSCOPE_S3_ENDPOINT: s3.endpoint,
      GRAMSCOPE_S3_FORCE_PATH_STYLE: 'true',
      GRAMSCOPE_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: planted.s3AccessKeyId,
      AWS_SECRET_ACCESS_KEY: planted.s3SecretKey,
      GRAMSCOPE_OIDC_ISSUER: provider.issuer,
      GRAMSCOPE_OIDC_CLIENT_ID: provider.clientId,
      GRAMSCOPE_OIDC_CLIENT_SECRET: planted.oidcClientSecret,
      GRAMSCOPE_OIDC_REDIRECT_URI: provider.redirectUri,
      GRAMSCOPE_OIDC_ROLE_MAP: 'lab-staff=analyst',
      GRAMSCOPE_FHIR_TOKEN: planted.fhirToken,
    };
    // An administrator with an authenticator, made directly in the database as an operator would.
    const ctx = await createAppContext(loadConfig({ ...env, GRAMSCOPE_DATA: db.dataDir }), { engines: [] });
    try {
      const now = new Date().toISOString();
      const admin = await ctx.security.users.create(
        {
          username: 'admin1',
          displayName: 'Admin One',
          role: 'admin',
          source: 'local',
          passwordHash: await hashPassword(planted.adminPassword),
        },
        now,
      );
      await ctx.security.users.update(
        admin.id,
        { totpSecret, totpEnabled: true, recoveryCodes: recovery.hashes },
        now,
      );
    } finally {
      await ctx.close();
    }
    server = await startServeProcess(env);
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await provider?.close();
    await s3?.close();
    await db?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const json = (body: unknown) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  it('serves a whole working day with planted secrets', async () => {
    const url = server.url;
    // A wrong password, then a right one that asks for the code, then the code.
    const wrong = await fetch(
      `${url}/api/v1/auth/login`,
      json({ username: 'admin1', password: planted.wrongPassword }),
    );
    expect(wrong.status).toBe(401);
    const needsCode = await fetch(
      `${url}/api/v1/auth/login`,
      json({ username: 'admin1', password: planted.adminPassword }),
    );
    expect((await needsCode.json()) as object).toMatchObject({ code: 'ERR_AUTH_CODE_REQUIRED' });
    runtime.totpCode = generateTotp(totpSecret, Date.now());
    const login = await fetch(
      `${url}/api/v1/auth/login`,
      json({ username: 'admin1', password: planted.adminPassword, code: runtime.totpCode }),
    );
    expect(login.status).toBe(200);
    runtime.session = sessionCookieFrom(login.headers.getSetCookie())!;
    runtime.csrf = csrfTokenFor(runtime.session);
    const auth = { cookie: `${SESSION_COOKIE}=${runtime.session}`, 'x-csrf-token': runtime.csrf };

    // A second sign-in with a recovery code.
    runtime.recoveryCode = recovery.codes[0]!;
    const byRecovery = await fetch(
      `${url}/api/v1/auth/login`,
      json({ username: 'admin1', password: planted.adminPassword, code: runtime.recoveryCode }),
    );
    expect(byRecovery.status).toBe(200);

    // An API token, used for an upload carrying a specimen id, and a lookup by specimen.
    const created = await fetch(`${url}/api/v1/tokens`, {
      ...json({ name: 'lis bridge', scopes: ['read', 'submit'], expiresInDays: 30 }),
      headers: { 'content-type': 'application/json', ...auth },
    });
    expect(created.status).toBe(201);
    runtime.apiToken = ((await created.json()) as { token: string }).token;
    const form = new FormData();
    form.set('specimen', SPECIMEN);
    form.set(
      'image',
      new Blob([await solidImage('png', 160, 120, { r: 210, g: 200, b: 215 })]),
      `${SPECIMEN}.png`,
    );
    const upload = await fetch(`${url}/api/v1/analyses`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${runtime.apiToken}` },
    });
    expect(upload.status).toBe(201);
    const listed = await fetch(`${url}/api/v1/analyses?specimen=${SPECIMEN}`, {
      headers: { authorization: `Bearer ${runtime.apiToken}` },
    });
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain(SPECIMEN);
    // A secret a careless client puts in a query string.
    await fetch(`${url}/api/v1/analyses?access_token=${planted.queryToken}`);
    const bogus = await fetch(`${url}/api/v1/analyses`, {
      headers: { authorization: `Bearer ${planted.bogusBearer}` },
    });
    expect(bogus.status).toBe(401);
    const denied = await fetch(`${url}/api/v1/users`, {
      headers: { authorization: `Bearer ${runtime.apiToken}` },
    });
    expect(denied.status).toBe(403);

    // OIDC: the code and state travel in the callback's query string.
    provider.nextLogin = { accountId: 'oidc-1', amr: ['pwd', 'mfa'] };
    const start = await fetch(`${url}/api/v1/auth/oidc/start`, { redirect: 'manual' });
    const flow = /^[^=]+=([^;]*)/.exec(
      start.headers.getSetCookie().find((c) => c.startsWith(OIDC_FLOW_COOKIE))!,
    )![1];
    const back = await runProviderLogin(start.headers.get('location')!, provider.redirectUri);
    runtime.oidcCode = back.searchParams.get('code')!;
    runtime.oidcState = back.searchParams.get('state')!;
    runtime.oidcFlow = flow;
    const callback = await fetch(`${url}${back.pathname}${back.search}`, {
      redirect: 'manual',
      headers: { cookie: `${OIDC_FLOW_COOKIE}=${flow}` },
    });
    expect(callback.status).toBe(302);
    runtime.oidcSession = sessionCookieFrom(callback.headers.getSetCookie())!;
    expect(runtime.oidcSession).toBeTruthy();

    // Log injection: CR/LF in a user name and a forged JSON line after it.
    const injected = await fetch(
      `${url}/api/v1/auth/login`,
      json({
        username: `ghost\r\n{"level":30,"msg":"${FORGED}","event":"auth.login","outcome":"success"}`,
        password: 'x',
      }),
    );
    expect(injected.status).toBe(401);

    // A password change, then sign-out.
    const changed = await fetch(`${url}/api/v1/auth/password`, {
      ...json({ currentPassword: planted.adminPassword, newPassword: planted.newPassword }),
      headers: { 'content-type': 'application/json', ...auth },
    });
    expect(changed.status).toBe(200);
    const renewed = sessionCookieFrom(changed.headers.getSetCookie())!;
    const out = await fetch(`${url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: `${SESSION_COOKIE}=${renewed}`, 'x-csrf-token': csrfTokenFor(renewed) },
    });
    expect(out.status).toBe(204);
    runtime.renewedSession = renewed;
  });

  it('logs none of the planted secrets, session ids, tokens, codes or the specimen id', async () => {
    await server.stop();
    const output = server.output();
    // The capture is real: the run's security events are in it.
    expect(output).toContain('"event":"auth.login"');
    expect(output).toContain('"event":"access.denied"');
    expect(output).toContain('"event":"audit.append"');
    const events = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const failures = events.filter((e) => e.event === 'auth.login' && e.outcome === 'failure');
    expect(failures.map((e) => [e.method, e.code])).toEqual(
      expect.arrayContaining([
        ['local', 'ERR_AUTH_INVALID'],
        ['local', 'ERR_AUTH_INVALID'],
      ]),
    );
    expect(failures.length).toBeGreaterThanOrEqual(2);
    const secrets = { ...planted, ...runtime, specimen: SPECIMEN, totpSecret };
    const leaked = Object.entries(secrets)
      .filter(([, value]) => value && output.includes(value))
      .map(([name]) => name);
    expect(leaked).toEqual([]);
    // Not even URL-encoded or as the S3 key pair's parts.
    expect(output).not.toContain(encodeURIComponent(planted.s3SecretKey));
    expect(output).not.toContain(encodeURIComponent(planted.encryptionKey));
  });

  it('keeps one event per line: CR/LF in a user name forges nothing', () => {
    const lines = server
      .output()
      .split('\n')
      .filter((l) => l.trim());
    const json = lines.filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThan(20);
    for (const line of json) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    // Every other line is the start-up banner or a library notice, none of them ours to forge.
    for (const line of lines.filter((l) => !l.startsWith('{'))) expect(line, line).not.toContain(FORGED);
    const parsed = json.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.filter((l) => l.msg === FORGED)).toEqual([]);
  });

  it('keeps the audit chain free of secrets, and CR/LF out of its entries', async () => {
    const ctx = await createAppContext(loadConfig({ ...env, GRAMSCOPE_DATA: db.dataDir }), { engines: [] });
    try {
      const audit = new AuditService({
        db: ctx.store.db,
        key: loadAuditKey(planted.auditKey, dir),
        clock: SYSTEM_CLOCK,
      });
      expect((await audit.verify()).ok).toBe(true);
      const entries = [];
      for await (const entry of audit.entries()) entries.push(entry);
      const text = JSON.stringify(entries);
      const leaked = Object.entries({ ...planted, ...runtime, totpSecret })
        .filter(([, value]) => value && text.includes(value))
        .map(([name]) => name);
      expect(leaked).toEqual([]);
      const ghost = entries.find((e) => String(e.details.attemptedUser ?? '').startsWith('ghost'));
      expect(ghost, 'the injected sign-in is recorded').toBeDefined();
      expect(String(ghost!.details.attemptedUser)).not.toMatch(/[\r\n]/);
      // The OIDC user name made from the claim carries no line breaks either.
      const nurse = entries.find((e) => e.action === 'auth.login' && e.actor?.method === 'oidc');
      expect(nurse?.actor?.name).toMatch(/^nurse-/);
      for (const e of entries)
        expect(JSON.stringify([e.actor, e.details, e.target]), e.action).not.toMatch(/\\r|\\n/);
      const users = await ctx.security.users.list();
      const oidcUser = users.find((u) => u.source === 'oidc');
      expect(oidcUser?.displayName).not.toMatch(/[\r\n]/);
    } finally {
      await ctx.close();
    }
  });
});
