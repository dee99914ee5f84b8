/**
 * Server-side sessions in the database, so every replica sees the same ones. The cookie holds a
 * 256-bit random id; only its SHA-256 is stored. A new id is issued at every sign-in and every
 * privilege change; idle and absolute timeouts are checked on every request; sign-out and
 * disabling a user delete all of that user's sessions at once.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { isoUtc, type Clock } from './clock.js';
import { randomToken, sha256Hex } from './secrets.js';

export const SESSION_COOKIE = '__Host-gramscope-session';

export interface SessionRecord {
  idHash: string;
  userId: string;
  method: 'local' | 'oidc';
  amr: string[];
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** Touching the session on every request would write on every request; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;

export class SessionsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly timeouts: SessionTimeouts,
  ) {}

  /** Starts a session; returns the cookie value (shown to the browser only). */
  async create(input: {
    userId: string;
    method: 'local' | 'oidc';
    amr: readonly string[];
    ip: string;
    userAgent: string;
  }): Promise<{ token: string; record: SessionRecord }> {
    const token = randomToken();
    const now = this.clock.now();
    const record: SessionRecord = {
      idHash: sha256Hex(token),
      userId: input.userId,
      method: input.method,
      amr: [...input.amr],
      createdAt: isoUtc(now),
      lastSeenAt: isoUtc(now),
      expiresAt: isoUtc(now + this.timeouts.absoluteMs),
      ip: input.ip.slice(0, 64),
      userAgent: input.userAgent.slice(0, 200),
    };
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: record.idHash,
        user_id: record.userId,
        method: record.method,
        amr_json: JSON.stringify(record.amr),
        created_at: record.createdAt,
        last_seen_at: record.lastSeenAt,
        expires_at: record.expiresAt,
        ip: record.ip,
        user_agent: record.userAgent,
      })
      .execute();
    return { token, record };
  }

  /** The live session for a cookie value, or null (unknown, idle too long, or past its end). */
  async resolve(token: string): Promise<SessionRecord | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const idHash = sha256Hex(token);
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row) return null;
    const now = this.clock.now();
    const lastSeen = Date.parse(row.last_seen_at);
    if (now >= Date.parse(row.expires_at) || now - lastSeen >= this.timeouts.idleMs) {
      await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
      return null;
    }
    if (now - lastSeen >= TOUCH_INTERVAL_MS) {
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: isoUtc(now) })
        .where('id_hash', '=', idHash)
        .execute();
    }
    return {
      idHash,
      userId: row.user_id,
      method: row.method === 'oidc' ? 'oidc' : 'local',
      amr: JSON.parse(row.amr_json) as string[],
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
      expiresAt: row.expires_at,
      ip: row.ip,
      userAgent: row.user_agent,
    };
  }

  /** When the session ends if unused, for the client's countdown. */
  idleDeadline(record: SessionRecord): string {
    const idleEnd = Math.max(Date.parse(record.lastSeenAt), this.clock.now()) + this.timeouts.idleMs;
    return isoUtc(Math.min(idleEnd, Date.parse(record.expiresAt)));
  }

  async endOne(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of a user; returns how many there were. */
  async endAllForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deletes expired sessions (housekeeping; expired ones are refused anyway). */
  async purgeExpired(): Promise<void> {
    const now = this.clock.now();
    await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([
          eb('expires_at', '<=', isoUtc(now)),
          eb('last_seen_at', '<=', isoUtc(now - this.timeouts.idleMs)),
        ]),
      )
      .execute();
  }
}

/** The CSRF token of a session: derived from the cookie value, so nothing more is stored. */
export function csrfTokenFor(sessionToken: string): string {
  return sha256Hex(`csrf:${sessionToken}`).slice(0, 43);
}
