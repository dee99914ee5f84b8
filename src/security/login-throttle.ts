/**
 * Counts failed sign-ins per user name and per address in the database (so every replica shares
 * the count) in one-minute windows. When a key has used up its allowance, further attempts are
 * refused with 429 before the password is even checked.
 */
import type { Kysely } from 'kysely';
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

  /** Throws ERR_RATE_LIMITED (with Retry-After) when any key is over its allowance. */
  async assertAllowed(keys: readonly string[]): Promise<void> {
    const now = this.clock.now();
    const rows = await this.db
      .selectFrom('login_throttle')
      .selectAll()
      .where('key', 'in', [...keys])
      .execute();
    for (const row of rows) {
      const start = Date.parse(row.window_start);
      if (now - start < WINDOW_MS && Number(row.failures) >= this.maxFailures) {
        const retry = Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
        throw new AppError('ERR_RATE_LIMITED', 'Too many failed sign-ins; wait a minute and try again', {
          headers: { 'retry-after': String(retry) },
        });
      }
    }
  }

  async recordFailure(keys: readonly string[]): Promise<void> {
    const now = this.clock.now();
    for (const key of keys) {
      const row = await this.db
        .selectFrom('login_throttle')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) {
        try {
          await this.db
            .insertInto('login_throttle')
            .values({ key, window_start: isoUtc(now), failures: 1 })
            .execute();
          continue;
        } catch {
          // Another replica inserted it; fall through to the update.
        }
      }
      const current =
        row ??
        (await this.db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst());
      if (!current) continue;
      if (now - Date.parse(current.window_start) >= WINDOW_MS) {
        await this.db
          .updateTable('login_throttle')
          .set({ window_start: isoUtc(now), failures: 1 })
          .where('key', '=', key)
          .execute();
      } else {
        await this.db
          .updateTable('login_throttle')
          .set((eb) => ({ failures: eb('failures', '+', 1) }))
          .where('key', '=', key)
          .execute();
      }
    }
  }

  /** A successful sign-in clears the user's count (not the address's). */
  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttle').where('key', '=', key).execute();
  }
}
