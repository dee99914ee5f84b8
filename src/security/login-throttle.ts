/**
 * Counts sign-in attempts per user name and per address in the database (so every replica shares
 * the count) in one-minute windows. An attempt is counted *before* the password is checked, in one
 * atomic upsert per key, so a burst of parallel guesses cannot all slip past a check that ran
 * before any of them had failed. Attempts that turn out right are handed back. When a key has used
 * up its allowance, further attempts are refused with 429 without looking at the password.
 */
import { sql, type Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { Database } from '../store/schema.js';
import { isoUtc, type Clock } from './clock.js';
import { sha256Hex } from './secrets.js';

const WINDOW_MS = 60_000;

export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly maxFailures: number,
  ) {}

  // User names are hashed so the table holds no attempted names (which are sometimes passwords).
  static keys(username: string, ip: string): string[] {
    return [`user:${sha256Hex(username.trim().toLowerCase())}`, `ip:${ip}`];
  }

  /**
   * Counts one attempt against every key and throws ERR_RATE_LIMITED (with Retry-After) when any
   * key has gone over its allowance. A refused attempt stays counted; it changes nothing, since
   * the key is already over.
   */
  async reserve(keys: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const nowIso = isoUtc(now);
    // ISO strings of one fixed format order as the instants do.
    const cutoff = isoUtc(now - WINDOW_MS);
    let retryAfter = 0;
    for (const key of keys) {
      const row = await this.db
        .insertInto('login_throttle')
        .values({ key, window_start: nowIso, failures: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql<number>`case when login_throttle.window_start <= ${cutoff} then 1 else login_throttle.failures + 1 end`,
            window_start: sql<string>`case when login_throttle.window_start <= ${cutoff} then ${nowIso} else login_throttle.window_start end`,
          }),
        )
        .returning(['window_start', 'failures'])
        .executeTakeFirstOrThrow();
      if (Number(row.failures) > this.maxFailures) {
        const start = Date.parse(row.window_start);
        retryAfter = Math.max(retryAfter, 1, Math.ceil((start + WINDOW_MS - now) / 1000));
      }
    }
    if (retryAfter > 0)
      throw new AppError('ERR_RATE_LIMITED', 'Too many failed sign-ins; wait a minute and try again', {
        headers: { 'retry-after': String(retryAfter) },
      });
  }

  /** Hands back an attempt that was not a failure (e.g. the right password, code still to come). */
  async release(keys: readonly string[]): Promise<void> {
    for (const key of keys)
      await this.db
        .updateTable('login_throttle')
        .set((eb) => ({ failures: eb('failures', '-', 1) }))
        .where('key', '=', key)
        .where('failures', '>', 0)
        .execute();
  }

  /** A successful sign-in clears the user's count (not the address's). */
  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }
}
