/**
 * `gramscope users` and `gramscope tokens`, run as an operator would (a child process on the
 * server's configuration): each change lands in the database, takes effect for live sessions and
 * tokens, and is recorded in the audit chain as done by `cli:<OS user>`; no password or token
 * value is taken from or printed to the command line except a generated password, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppContext, type AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createTotpSecret } from '../../src/security/totp.js';
import { runCli } from '../support/cli.js';
import { createSqliteTestDatabase, type TestDatabase } from '../support/databases.js';
import { AUDIT_KEY, PASSWORD } from '../support/security.js';

describe('gramscope users / tokens', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let ctx: AppContext;
  const cli = (args: string[], input?: string) =>
    runCli(args, { env, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    db = await createSqliteTestDatabase();
    env = { GRAMSCOPE_DATA: db.dataDir, GRAMSCOPE_AUDIT_KEY: AUDIT_KEY, GRAMSCOPE_LOCAL_ACCOUNTS: 'true' };
    const first = await cli(
      ['users', 'create', 'alice', '--role', 'admin', '--password-stdin'],
      `${PASSWORD}\n`,
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^created alice \(admin\), id [0-9a-f-]{36}\n$/);
    ctx = await createAppContext(loadConfig(env), { engines: [] });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
    await db?.cleanup();
  });

  const ip = { ip: '127.0.0.1' };

  it('creates accounts from standard input or with a generated password shown once, and refuses weak ones', async () => {
    await expect(
      ctx.security.loginLocal({ username: 'alice', password: PASSWORD }, ip),
    ).resolves.toBeDefined();
    const bob = await cli(['users', 'create', 'bob', '--role', 'analyst', '--display-name', 'Bob B']);
    expect(bob.code).toBe(0);
    const generated = /initial password \(shown once[^)]*\): (\S+)/.exec(bob.stdout)?.[1];
    expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const signedIn = await ctx.security.loginLocal({ username: 'bob', password: generated! }, ip);
    expect(signedIn.principal).toMatchObject({ name: 'bob', role: 'analyst' });
    const weak = await cli(
      ['users', 'create', 'carol', '--role', 'viewer', '--password-stdin'],
      'password\n',
    );
    expect(weak.code).not.toBe(0);
    expect(weak.stderr).toMatch(/^gramscope: ERR_PASSWORD_WEAK: .+\n$/);
    expect(weak.stderr).not.toContain('password\n'.trim() + ' ');
    expect(await ctx.security.users.findByUsername('carol')).toBeNull();
    const badRole = await cli(['users', 'create', 'dora', '--role', 'superuser']);
    expect(badRole.code).toBe(2);
  });

  it('lists accounts as a table and as JSON Lines, without secrets', async () => {
    const alice = (await ctx.security.users.findByUsername('alice'))!;
    await ctx.security.users.update(
      alice.id,
      { totpSecret: createTotpSecret(), totpEnabled: true },
      new Date().toISOString(),
    );
    const table = await cli(['users', 'list']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^USER\s+ROLE\s+SOURCE\s+2FA\s+STATE\s+LAST SIGN-IN\s+ID$/);
    expect(lines.find((l) => l.startsWith('alice'))).toMatch(/^alice\s+admin\s+local\s+totp\s+enabled\s/);
    const json = await cli(['users', 'list', '--json']);
    const users = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(users.map((u) => u.username)).toEqual(['alice', 'bob']);
    expect(json.stdout).not.toMatch(/argon2|password|totpSecret|recovery/i);
  });

  it('changes roles, disables (ending sessions and stopping tokens), and will not remove the last admin', async () => {
    const bob = (await ctx.security.users.findByUsername('bob'))!;
    const session = await ctx.security.sessions.create({
      userId: bob.id,
      method: 'local',
      amr: ['pwd'],
      ip: '127.0.0.1',
      userAgent: 'test',
    });
    const { token } = await ctx.security.tokens.create({
      userId: bob.id,
      name: 'lis',
      scopes: ['read'],
      expiresInDays: 30,
    });
    const role = await cli(['users', 'set-role', 'bob', 'reviewer']);
    expect(role.stdout).toBe('bob: role reviewer\n');
    expect((await ctx.security.users.get(bob.id))?.role).toBe('reviewer');
    const disabled = await cli(['users', 'disable', 'bob']);
    expect(disabled.code).toBe(0);
    // Two: the one made here and bob's sign-in in the first test.
    expect(disabled.stdout).toBe('bob disabled; 2 session(s) ended\n');
    expect(await ctx.security.sessions.resolve(session.token)).toBeNull();
    await expect(ctx.security.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({
      code: 'ERR_AUTH_INVALID',
    });
    const lastAdmin = await cli(['users', 'disable', 'alice']);
    expect(lastAdmin.code).not.toBe(0);
    expect(lastAdmin.stderr).toMatch(/^gramscope: ERR_CONFLICT: alice is the last enabled administrator/);
    const demote = await cli(['users', 'set-role', 'alice', 'viewer']);
    expect(demote.code).not.toBe(0);
    expect(await ctx.security.users.findByUsername('alice')).toMatchObject({
      role: 'admin',
      disabled: false,
    });
    expect((await cli(['users', 'enable', 'bob'])).stdout).toBe('bob enabled\n');
    expect((await ctx.security.users.get(bob.id))?.disabled).toBe(false);
  });

  it('resets a lost authenticator', async () => {
    const res = await cli(['users', 'reset-second-factor', 'alice']);
    expect(res.code).toBe(0);
    const alice = (await ctx.security.users.findByUsername('alice'))!;
    expect(alice).toMatchObject({ totpEnabled: false, totpSecret: null, recoveryCodes: [] });
    const missing = await cli(['users', 'reset-second-factor', 'nobody']);
    expect(missing.stderr).toMatch(/^gramscope: ERR_NOT_FOUND: No user "nobody"/);
  });

  it('lists tokens without their values and revokes one, or all of a user’s', async () => {
    const bob = (await ctx.security.users.findByUsername('bob'))!;
    const second = await ctx.security.tokens.create({
      userId: bob.id,
      name: 'bench',
      scopes: ['metrics'],
      expiresInDays: 1,
    });
    const list = await cli(['tokens', 'list', '--json']);
    expect(list.code).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.name).sort()).toEqual(['bench', 'lis']);
    expect(rows.every((r) => r.owner === 'bob' && r.state === 'active')).toBe(true);
    expect(list.stdout).not.toContain(second.token);
    const revoked = await cli(['tokens', 'revoke', second.record.id]);
    expect(revoked.stdout).toBe(`token ${second.record.id} (bench) revoked\n`);
    await expect(
      ctx.security.authenticate({ authorization: `Bearer ${second.token}` }),
    ).rejects.toMatchObject({
      code: 'ERR_AUTH_INVALID',
    });
    const again = await cli(['tokens', 'revoke', second.record.id]);
    expect(again.stderr).toMatch(/^gramscope: ERR_CONFLICT:/);
    const all = await cli(['tokens', 'revoke', '--user', 'bob']);
    expect(all.stdout).toBe('bob: 1 token(s) revoked\n');
    const table = await cli(['tokens', 'list', '--user', 'bob']);
    expect(
      table.stdout
        .trim()
        .split('\n')
        .slice(1)
        .every((l) => l.trimEnd().endsWith('revoked')),
    ).toBe(true);
  });

  it('records every change in the audit chain as the operating-system user', async () => {
    const { items } = await ctx.security.audit.list({ limit: 100, actorId: 'cli' });
    const actions = items.map((e) => e.action).reverse();
    expect(actions).toEqual([
      'user.create',
      'user.create',
      'user.update',
      'user.disable',
      'user.update',
      'user.second-factor.reset',
      'token.revoke',
      'token.revoke',
    ]);
    for (const e of items) {
      expect(e.actor).toMatchObject({ id: 'cli', method: 'cli' });
      expect(e.actor!.name).toMatch(/^cli:\S+$/);
      expect(e.details.via).toBe('cli');
    }
    expect(JSON.stringify(items)).not.toContain(PASSWORD);
    expect((await ctx.security.audit.verify()).ok).toBe(true);
  });
});
