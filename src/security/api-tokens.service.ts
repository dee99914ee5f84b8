/**
 * API tokens for machine clients: `gst_` + 256 random bits, shown once at creation; only the
 * SHA-256 is stored. Each is scoped (read, submit, metrics), expires, and can be revoked. A token
 * acts for its owner and never with more than the owner's current role.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../errors.js';
import type { ApiTokensTable, Database } from '../store/schema.js';
import { isoUtc, type Clock } from './clock.js';
import { isTokenScope, type TokenScope } from './roles.js';
import { randomToken, sha256Hex } from './secrets.js';

export const TOKEN_PREFIX = 'gst_';
const TOKEN_PATTERN = /^gst_[A-Za-z0-9_-]{43}$/;

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  /** The first characters, so a person can tell tokens apart. */
  prefix: string;
  scopes: TokenScope[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

type Row = Selectable<ApiTokensTable>;

function toToken(row: Row): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    prefix: row.token_prefix,
    scopes: (JSON.parse(row.scopes_json) as unknown[]).filter(isTokenScope),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function looksLikeApiToken(value: string): boolean {
  return value.startsWith(TOKEN_PREFIX);
}

export class ApiTokensService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly maxDays: number,
  ) {}

  async create(input: {
    userId: string;
    name: string;
    scopes: readonly TokenScope[];
    expiresInDays: number;
  }): Promise<{ token: string; record: ApiToken }> {
    if (!(input.expiresInDays >= 1 && input.expiresInDays <= this.maxDays))
      throw new AppError('ERR_VALIDATION', `Tokens expire within 1 to ${this.maxDays} days`);
    const scopes = [...new Set(input.scopes)];
    if (scopes.length === 0) throw new AppError('ERR_VALIDATION', 'Give the token at least one scope');
    const token = `${TOKEN_PREFIX}${randomToken()}`;
    const now = this.clock.now();
    const row: Row = {
      id: randomUUID(),
      user_id: input.userId,
      name: input.name.slice(0, 100),
      token_hash: sha256Hex(token),
      token_prefix: token.slice(0, 10),
      scopes_json: JSON.stringify(scopes),
      created_at: isoUtc(now),
      expires_at: isoUtc(now + input.expiresInDays * 86_400_000),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    return { token, record: toToken(row) };
  }

  /** The live token for a presented value, or null (unknown, expired or revoked). */
  async resolve(token: string): Promise<ApiToken | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', sha256Hex(token))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return null;
    const now = this.clock.now();
    if (now >= Date.parse(row.expires_at)) return null;
    if (!row.last_used_at || now - Date.parse(row.last_used_at) > 60_000) {
      await this.db
        .updateTable('api_tokens')
        .set({ last_used_at: isoUtc(now) })
        .where('id', '=', row.id)
        .execute();
    }
    return toToken(row);
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    const rows = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map(toToken);
  }

  async listAll(): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map(toToken);
  }

  async get(id: string): Promise<ApiToken | null> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toToken(row) : null;
  }

  /** Revokes one token; false when there was no live token with that id. */
  async revoke(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: isoUtc(this.clock.now()) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeAllForUser(userId: string): Promise<number> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: isoUtc(this.clock.now()) })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}
