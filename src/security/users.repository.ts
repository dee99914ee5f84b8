import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../errors.js';
import type { Database, UsersTable } from '../store/schema.js';
import { isRole, maxRole, type Role } from './roles.js';
import { SecretBox } from './secret-box.js';

const TOTP_PURPOSE = 'authenticator secret';

export interface User {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  /** Role granted in gramscope (admin, approved access request). */
  role: Role;
  /** Role from the identity provider's group claims at the last sign-in. */
  claimsRole: Role;
  /** What the user may do: the higher of the two. */
  effectiveRole: Role;
  source: 'local' | 'oidc';
  disabled: boolean;
  totpEnabled: boolean;
  createdAt: string;
  updatedAt: string;
  lastLoginAt: string | null;
}

/** A user with the secrets needed to authenticate them; never leaves the security module. */
export interface UserSecrets extends User {
  passwordHash: string | null;
  totpSecret: string | null;
  totpPendingSecret: string | null;
  totpLastStep: number | null;
  recoveryCodes: string[];
}

type Row = Selectable<UsersTable>;

function toUser(row: Row): UserSecrets {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    role: isRole(row.role) ? row.role : 'none',
    claimsRole: isRole(row.claims_role) ? row.claims_role : 'none',
    effectiveRole: maxRole(
      isRole(row.role) ? row.role : 'none',
      isRole(row.claims_role) ? row.claims_role : 'none',
    ),
    source: row.source === 'oidc' ? 'oidc' : 'local',
    disabled: Number(row.disabled) === 1,
    totpEnabled: Number(row.totp_enabled) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastLoginAt: row.last_login_at,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpPendingSecret: row.totp_pending_secret,
    totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    recoveryCodes: row.recovery_codes_json ? (JSON.parse(row.recovery_codes_json) as string[]) : [],
  };
}

/** Strips the secrets. */
export function publicUser(user: UserSecrets | User): User {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    role: user.role,
    claimsRole: user.claimsRole,
    effectiveRole: user.effectiveRole,
    source: user.source,
    disabled: user.disabled,
    totpEnabled: user.totpEnabled,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    lastLoginAt: user.lastLoginAt,
  };
}

export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$';
const USERNAME = new RegExp(USERNAME_PATTERN);

/**
 * Display names and e-mail addresses also come from identity-provider claims, which no schema of
 * ours has checked: control characters (CR/LF included) are replaced so that no screen, export or
 * log line built from them can be forged.
 */
function plainText(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return cleaned.trim().slice(0, max);
}

export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

export interface NewUser {
  username: string;
  displayName: string;
  email?: string | null;
  role: Role;
  claimsRole?: Role;
  source: 'local' | 'oidc';
  passwordHash?: string | null;
  oidcIssuer?: string | null;
  oidcSubject?: string | null;
}

export class UsersRepository {
  /** `box` seals authenticator secrets at rest; without one (tools, old tests) they stay plain. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox | null = null,
  ) {}

  /** The user with their authenticator secrets opened (fails closed when a key is missing). */
  #reveal(row: Row): UserSecrets {
    const user = toUser(row);
    if (!this.box) return user;
    const open = (v: string | null) => (v === null ? null : this.box!.open(v, TOTP_PURPOSE, user.id));
    return { ...user, totpSecret: open(user.totpSecret), totpPendingSecret: open(user.totpPendingSecret) };
  }

  #seal(value: string | null, id: string): string | null {
    return value === null || !this.box ? value : this.box.seal(value, TOTP_PURPOSE, id);
  }

  /**
   * Seals authenticator secrets stored before sealing existed. Runs at start-up; cheap when there
   * is nothing to do. Returns how many users were changed.
   */
  async sealLegacySecrets(now: string): Promise<number> {
    if (!this.box) return 0;
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'totp_secret', 'totp_pending_secret'])
      .where((eb) =>
        eb.or([
          eb.and([eb('totp_secret', 'is not', null), eb('totp_secret', 'not like', 'gs1:%')]),
          eb.and([eb('totp_pending_secret', 'is not', null), eb('totp_pending_secret', 'not like', 'gs1:%')]),
        ]),
      )
      .execute();
    for (const row of rows) {
      const seal = (v: string | null) => (v === null || SecretBox.isSealed(v) ? v : this.#seal(v, row.id));
      await this.db
        .updateTable('users')
        .set({
          totp_secret: seal(row.totp_secret),
          totp_pending_secret: seal(row.totp_pending_secret),
          updated_at: now,
        })
        .where('id', '=', row.id)
        // Only if no one changed it meanwhile (another replica starting, an enrolment).
        .where((eb) =>
          eb.and([
            row.totp_secret === null
              ? eb('totp_secret', 'is', null)
              : eb('totp_secret', '=', row.totp_secret),
            row.totp_pending_secret === null
              ? eb('totp_pending_secret', 'is', null)
              : eb('totp_pending_secret', '=', row.totp_pending_secret),
          ]),
        )
        .execute();
    }
    return rows.length;
  }

  async create(input: NewUser, now: string): Promise<UserSecrets> {
    const username = normaliseUsername(input.username);
    if (!USERNAME.test(username))
      throw new AppError('ERR_VALIDATION', 'User names are 1–64 letters, digits, dots, dashes, @ or _');
    if (await this.findByUsername(username)) throw new AppError('ERR_CONFLICT', 'That user name is taken');
    const row: Row = {
      id: randomUUID(),
      username,
      display_name: plainText(input.displayName, 200) || username,
      email: input.email ? plainText(input.email, 200) : null,
      role: input.role,
      claims_role: input.claimsRole ?? 'none',
      source: input.source,
      oidc_issuer: input.oidcIssuer ?? null,
      oidc_subject: input.oidcSubject ?? null,
      password_hash: input.passwordHash ?? null,
      totp_secret: null,
      totp_pending_secret: null,
      totp_enabled: 0,
      totp_last_step: null,
      recovery_codes_json: null,
      disabled: 0,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (err) {
      throw new AppError('ERR_CONFLICT', 'That user name is taken', { cause: err });
    }
    return toUser(row);
  }

  async get(id: string): Promise<UserSecrets | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.#reveal(row) : null;
  }

  async require(id: string): Promise<UserSecrets> {
    const user = await this.get(id);
    if (!user) throw new AppError('ERR_NOT_FOUND', 'No such user');
    return user;
  }

  async findByUsername(username: string): Promise<UserSecrets | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', normaliseUsername(username))
      .executeTakeFirst();
    return row ? this.#reveal(row) : null;
  }

  async findByOidc(issuer: string, subject: string): Promise<UserSecrets | null> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('oidc_issuer', '=', issuer)
      .where('oidc_subject', '=', subject)
      .executeTakeFirst();
    return row ? this.#reveal(row) : null;
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map((r) => publicUser(toUser(r)));
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(
    id: string,
    changes: Partial<{
      displayName: string;
      email: string | null;
      role: Role;
      claimsRole: Role;
      disabled: boolean;
      passwordHash: string | null;
      totpSecret: string | null;
      totpPendingSecret: string | null;
      totpEnabled: boolean;
      totpLastStep: number | null;
      recoveryCodes: string[] | null;
      lastLoginAt: string;
    }>,
    now: string,
  ): Promise<void> {
    const set: Partial<Row> = { updated_at: now };
    if (changes.displayName !== undefined) set.display_name = plainText(changes.displayName, 200);
    if (changes.email !== undefined)
      set.email = changes.email === null ? null : plainText(changes.email, 200);
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.claimsRole !== undefined) set.claims_role = changes.claimsRole;
    if (changes.disabled !== undefined) set.disabled = changes.disabled ? 1 : 0;
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (changes.totpSecret !== undefined) set.totp_secret = this.#seal(changes.totpSecret, id);
    if (changes.totpPendingSecret !== undefined)
      set.totp_pending_secret = this.#seal(changes.totpPendingSecret, id);
    if (changes.totpEnabled !== undefined) set.totp_enabled = changes.totpEnabled ? 1 : 0;
    if (changes.totpLastStep !== undefined) set.totp_last_step = changes.totpLastStep;
    if (changes.recoveryCodes !== undefined)
      set.recovery_codes_json = changes.recoveryCodes === null ? null : JSON.stringify(changes.recoveryCodes);
    if (changes.lastLoginAt !== undefined) set.last_login_at = changes.lastLoginAt;
    await this.db.updateTable('users').set(set).where('id', '=', id).execute();
  }

  /** Records a TOTP step only if it is newer than the stored one (no replay across replicas). */
  async claimTotpStep(id: string, step: number): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ totp_last_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
