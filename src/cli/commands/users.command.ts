/**
 * Operator commands for accounts and API tokens, run on a machine with the server's configuration
 * (the same database and audit key): `gramscope users list|create|disable|enable|set-role|
 * reset-second-factor` and `gramscope tokens list|revoke`. They exist for the first administrator
 * and for emergencies (a lost authenticator, a leaked token, an admin who left) when no one can
 * sign in to the web app. Every change is written to the audit chain as done by `cli:<OS user>`.
 * Passwords are never taken as arguments (they would sit in shell history and `ps`): read from
 * standard input, or generated and shown once.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { AppError } from '../../errors.js';
import type { AuditActor } from '../../security/audit.service.js';
import { assertPasswordRule, hashPassword } from '../../security/passwords.js';
import { isRole, roleAtLeast, type Role } from '../../security/roles.js';
import { randomToken } from '../../security/secrets.js';
import { SecurityService } from '../../security/security.service.js';
import { publicUser, type User, type UserSecrets } from '../../security/users.repository.js';
import { openDatabase, type StoreDatabase } from '../../store/database.js';
import { usageError } from '../output.js';

interface DataOption {
  data?: string;
}

async function withSecurity<T>(
  options: DataOption,
  run: (security: SecurityService, store: StoreDatabase) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env, { 'storage.dataDir': options.data });
  const store = await openDatabase({
    dataDir: config.storage.dataDir,
    databaseUrl: config.storage.databaseUrl,
  });
  try {
    return await run(new SecurityService(config, store), store);
  } finally {
    await store.close();
  }
}

/** Who did it, for the audit chain: the operating-system account running the command. */
function cliActor(): AuditActor {
  let name = 'operator';
  try {
    name = userInfo().username || name;
  } catch {
    // A container user without a passwd entry.
  }
  return { id: 'cli', name: `cli:${name}`.slice(0, 100), method: 'cli' };
}

async function findUser(security: SecurityService, ref: string): Promise<UserSecrets> {
  const user = (await security.users.findByUsername(ref)) ?? (await security.users.get(ref));
  if (!user) throw new AppError('ERR_NOT_FOUND', `No user "${ref}" (give a user name or id)`);
  return user;
}

function parseRole(value: string, allowNone: boolean): Role {
  if (!isRole(value) || (!allowNone && value === 'none'))
    throw usageError(
      `role must be one of ${allowNone ? 'none, ' : ''}viewer, analyst, reviewer, admin; got "${value}"`,
    );
  return value;
}

/** Refuses to leave the site without an enabled administrator (unless --force). */
async function assertNotLastAdmin(security: SecurityService, user: User, force?: boolean): Promise<void> {
  if (force || !roleAtLeast(user.effectiveRole, 'admin') || user.disabled) return;
  const admins = (await security.users.list()).filter(
    (u) => !u.disabled && roleAtLeast(u.effectiveRole, 'admin'),
  );
  if (admins.length <= 1)
    throw new AppError(
      'ERR_CONFLICT',
      `${user.username} is the last enabled administrator; create another first, or pass --force`,
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

const now = (security: SecurityService) => new Date(security.clock.now()).toISOString();

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function registerUsers(program: Command): void {
  const users = program
    .command('users')
    .description('List and manage accounts (every change is audited as cli:<OS user>)');

  users
    .command('list')
    .description('Every account with role, source, second factor, state and last sign-in')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .option('--json', 'print JSON Lines')
    .action(async (options: DataOption & { json?: boolean }) => {
      await withSecurity(options, async (security) => {
        const list = await security.users.list();
        if (options.json) {
          for (const u of list) process.stdout.write(`${JSON.stringify(u)}\n`);
          return;
        }
        process.stdout.write(
          table([
            ['USER', 'ROLE', 'SOURCE', '2FA', 'STATE', 'LAST SIGN-IN', 'ID'],
            ...list.map((u) => [
              u.username,
              u.effectiveRole,
              u.source,
              u.totpEnabled ? 'totp' : u.source === 'oidc' ? 'provider' : 'none',
              u.disabled ? 'disabled' : 'enabled',
              u.lastLoginAt ?? '-',
              u.id,
            ]),
          ]),
        );
      });
    });

  users
    .command('create <username>')
    .description('Create a local account; the password comes from standard input or is generated')
    .requiredOption('-r, --role <role>', 'viewer, analyst, reviewer or admin')
    .option('--display-name <name>', 'name shown in the app')
    .option('--email <address>', 'e-mail address')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .action(
      async (
        username: string,
        options: DataOption & { role: string; displayName?: string; email?: string; passwordStdin?: boolean },
      ) => {
        const role = parseRole(options.role, false);
        const generated = !options.passwordStdin;
        const password = generated ? randomToken(18) : await readStdin();
        assertPasswordRule(password, username);
        await withSecurity(options, async (security) => {
          const user = await security.users.create(
            {
              username,
              displayName: options.displayName ?? username,
              email: options.email ?? null,
              role,
              source: 'local',
              passwordHash: await hashPassword(password),
            },
            now(security),
          );
          await security.audit.record({
            action: 'user.create',
            actor: cliActor(),
            target: { type: 'user', id: user.id },
            details: { role, via: 'cli' },
          });
          process.stdout.write(`created ${user.username} (${role}), id ${user.id}\n`);
          if (generated)
            process.stdout.write(
              `initial password (shown once; the user should change it and enrol an authenticator): ${password}\n`,
            );
          if (!security.localAccounts)
            process.stderr.write(
              'note: local accounts are not enabled (GRAMSCOPE_LOCAL_ACCOUNTS=true) on this configuration\n',
            );
        });
      },
    );

  for (const disabled of [true, false])
    users
      .command(`${disabled ? 'disable' : 'enable'} <user>`)
      .description(
        disabled
          ? 'Disable an account: every session ends and its API tokens stop working'
          : 'Enable a disabled account again',
      )
      .option('--force', 'disable even the last enabled administrator')
      .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
      .action(async (ref: string, options: DataOption & { force?: boolean }) => {
        await withSecurity(options, async (security) => {
          const user = await findUser(security, ref);
          if (disabled) await assertNotLastAdmin(security, user, options.force);
          await security.users.update(user.id, { disabled }, now(security));
          const sessionsEnded = disabled ? await security.sessions.endAllForUser(user.id) : 0;
          await security.audit.record({
            action: disabled ? 'user.disable' : 'user.update',
            actor: cliActor(),
            target: { type: 'user', id: user.id },
            details: { disabled, sessionsEnded, via: 'cli' },
          });
          process.stdout.write(
            `${user.username} ${disabled ? `disabled; ${sessionsEnded} session(s) ended` : 'enabled'}\n`,
          );
        });
      });

  users
    .command('set-role <user> <role>')
    .description('Grant a role (none, viewer, analyst, reviewer, admin); provider group roles still apply')
    .option('--force', 'demote even the last enabled administrator')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .action(async (ref: string, roleText: string, options: DataOption & { force?: boolean }) => {
      const role = parseRole(roleText, true);
      await withSecurity(options, async (security) => {
        const user = await findUser(security, ref);
        if (!roleAtLeast(role, 'admin')) await assertNotLastAdmin(security, user, options.force);
        await security.users.update(user.id, { role }, now(security));
        // A lower role takes effect at once; sessions need not end (the role is read per request).
        await security.audit.record({
          action: 'user.update',
          actor: cliActor(),
          target: { type: 'user', id: user.id },
          details: { role, previousRole: user.role, via: 'cli' },
        });
        const after = publicUser((await security.users.get(user.id))!);
        process.stdout.write(
          `${after.username}: role ${after.role}${after.effectiveRole !== after.role ? ` (effective ${after.effectiveRole} from provider groups)` : ''}\n`,
        );
      });
    });

  users
    .command('reset-second-factor <user>')
    .description('Remove a lost authenticator and its recovery codes; the user enrols again after signing in')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .action(async (ref: string, options: DataOption) => {
      await withSecurity(options, async (security) => {
        const user = await findUser(security, ref);
        await security.users.update(
          user.id,
          { totpSecret: null, totpPendingSecret: null, totpEnabled: false, recoveryCodes: null },
          now(security),
        );
        const sessionsEnded = await security.sessions.endAllForUser(user.id);
        await security.audit.record({
          action: 'user.second-factor.reset',
          actor: cliActor(),
          target: { type: 'user', id: user.id },
          details: { sessionsEnded, via: 'cli' },
        });
        process.stdout.write(
          `${user.username}: authenticator removed, ${sessionsEnded} session(s) ended; reviewer and admin actions need a new enrolment\n`,
        );
      });
    });

  const tokens = program
    .command('tokens')
    .description('List and revoke API tokens (revocations are audited)');

  tokens
    .command('list')
    .description('Every API token (never its value): owner, name, scopes, expiry, last use, state')
    .option('-u, --user <user>', 'only this user’s tokens')
    .option('--json', 'print JSON Lines')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .action(async (options: DataOption & { user?: string; json?: boolean }) => {
      await withSecurity(options, async (security) => {
        const owner = options.user ? await findUser(security, options.user) : null;
        const list = owner ? await security.tokens.listForUser(owner.id) : await security.tokens.listAll();
        const names = new Map((await security.users.list()).map((u) => [u.id, u.username]));
        const nowMs = security.clock.now();
        const state = (t: (typeof list)[number]) =>
          t.revokedAt ? 'revoked' : Date.parse(t.expiresAt) <= nowMs ? 'expired' : 'active';
        if (options.json) {
          for (const t of list)
            process.stdout.write(
              `${JSON.stringify({ ...t, owner: names.get(t.userId) ?? null, state: state(t) })}\n`,
            );
          return;
        }
        process.stdout.write(
          table([
            ['ID', 'OWNER', 'NAME', 'PREFIX', 'SCOPES', 'EXPIRES', 'LAST USED', 'STATE'],
            ...list.map((t) => [
              t.id,
              names.get(t.userId) ?? t.userId,
              t.name,
              t.prefix,
              t.scopes.join(','),
              t.expiresAt,
              t.lastUsedAt ?? '-',
              state(t),
            ]),
          ]),
        );
      });
    });

  tokens
    .command('revoke <id>')
    .description('Revoke one token at once (or every token of a user with --user)')
    .option('-u, --user', 'treat <id> as a user name or id and revoke all of their tokens')
    .option('-d, --data <dir>', 'data directory (env GRAMSCOPE_DATA)')
    .action(async (ref: string, options: DataOption & { user?: boolean }) => {
      await withSecurity(options, async (security) => {
        if (options.user) {
          const user = await findUser(security, ref);
          const revoked = await security.tokens.revokeAllForUser(user.id);
          await security.audit.record({
            action: 'token.revoke',
            actor: cliActor(),
            target: { type: 'user', id: user.id },
            details: { revoked, via: 'cli' },
          });
          process.stdout.write(`${user.username}: ${revoked} token(s) revoked\n`);
          return;
        }
        const token = await security.tokens.get(ref);
        if (!token) throw new AppError('ERR_NOT_FOUND', `No token with id "${ref}"`);
        if (!(await security.tokens.revoke(token.id)))
          throw new AppError('ERR_CONFLICT', 'The token is already revoked');
        await security.audit.record({
          action: 'token.revoke',
          actor: cliActor(),
          target: { type: 'token', id: token.id },
          details: { via: 'cli' },
        });
        process.stdout.write(`token ${token.id} (${token.name}) revoked\n`);
      });
    });
}
