/**
 * The audit log: an append-only chain in which every entry carries an HMAC-SHA256 over its own
 * fields and the previous entry's MAC. Editing, deleting or inserting a row directly in the
 * database breaks the chain at that row, and `verify()` names it. The chain head is simply the last
 * row, so several replicas writing to one database form one chain (a unique sequence number makes
 * a racing writer retry).
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../errors.js';
import type { AuditLogTable, Database } from '../store/schema.js';
import { isoUtc, type Clock } from './clock.js';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export interface AuditActor {
  readonly id: string;
  readonly name: string;
  readonly method: string;
}

export type AuditDetailValue = string | number | boolean | null;

export interface AuditEvent {
  /** Dotted verb, e.g. `auth.login`, `analysis.create`, `analysis.view`, `user.update`. */
  action: string;
  outcome?: AuditOutcome;
  actor?: AuditActor | null;
  /** The record acted on. */
  target?: { type: string; id: string } | null;
  /** Where the request came from. */
  ip?: string | null;
  requestId?: string | null;
  /**
   * Small facts about the action. Keys that look like secrets are dropped and values are cut to
   * 200 characters; never put image data, tokens, passwords or patient data here.
   */
  details?: Record<string, AuditDetailValue>;
}

export interface AuditEntry {
  seq: number;
  id: string;
  /** ISO-8601 in UTC with an explicit offset (+00:00). */
  at: string;
  actor: AuditActor | null;
  action: string;
  outcome: AuditOutcome;
  target: { type: string; id: string } | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, AuditDetailValue>;
  keyId: string;
  prevHash: string;
  hash: string;
}

export type AuditProblemKind = 'altered' | 'removed' | 'inserted';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** Sequence number of the entry named (for `removed`: the first missing position). */
  seq: number;
  id: string | null;
  message: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  /** The first problem in chain order, or null. */
  problem: AuditProblem | null;
}

export interface AuditListQuery {
  limit: number;
  /** Entries with seq below this (newest-first paging). */
  before?: number | undefined;
  action?: string | undefined;
  actorId?: string | undefined;
  targetId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export const AUDIT_GENESIS = '0'.repeat(64);
const SECRET_KEY = /pass(word)?|secret|token|authori[sz]ation|cookie|totp|recovery|otp|credential|session/i;

type Row = Selectable<AuditLogTable>;

/** Loads the chain key: GRAMSCOPE_AUDIT_KEY, or a key file in the data directory made on first use. */
export function loadAuditKey(configuredKey: string, dataDir: string): Buffer {
  if (configuredKey) {
    if (configuredKey.length < 32)
      throw new AppError('ERR_CONFIG_INVALID', 'GRAMSCOPE_AUDIT_KEY must be at least 32 characters');
    return Buffer.from(configuredKey, 'utf8');
  }
  const file = path.join(dataDir, 'audit.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  try {
    chmodSync(file, 0o600);
  } catch {
    // A read-only mount keeps the mode it was given.
  }
  const key = readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new AppError('ERR_CONFIG_INVALID', 'The audit key file is too short');
  return Buffer.from(key, 'utf8');
}

function sanitiseText(value: string, max: number): string {
  // Control characters (CR/LF included) never reach the log or the SIEM export.
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, max);
}

function sanitiseDetails(
  details: Record<string, AuditDetailValue> | undefined,
): Record<string, AuditDetailValue> {
  const out: Record<string, AuditDetailValue> = {};
  if (!details) return out;
  for (const [key, value] of Object.entries(details).slice(0, 30)) {
    if (SECRET_KEY.test(key)) continue;
    const k = sanitiseText(key, 60);
    if (typeof value === 'string') out[k] = sanitiseText(value, 200);
    else if (typeof value === 'number') out[k] = Number.isFinite(value) ? value : null;
    else if (typeof value === 'boolean' || value === null) out[k] = value;
  }
  return out;
}

/** The fields a MAC covers, in a fixed order (seq is a position, protected by the links). */
function macInput(row: Omit<Row, 'seq' | 'hash'>): string {
  return JSON.stringify([
    row.id,
    row.at,
    row.actor_id,
    row.actor_name,
    row.actor_method,
    row.action,
    row.outcome,
    row.target_type,
    row.target_id,
    row.ip,
    row.request_id,
    row.details_json,
    row.key_id,
    row.prev_hash,
  ]);
}

function toEntry(row: Row): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actor:
      row.actor_id === null
        ? null
        : { id: row.actor_id, name: row.actor_name ?? '', method: row.actor_method ?? '' },
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    target: row.target_type && row.target_id ? { type: row.target_type, id: row.target_id } : null,
    ip: row.ip,
    requestId: row.request_id,
    details: safeParse(row.details_json),
    keyId: row.key_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function safeParse(json: string): Record<string, AuditDetailValue> {
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, AuditDetailValue>) : {};
  } catch {
    return {};
  }
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface AuditServiceOptions {
  db: Kysely<Database>;
  key: Buffer;
  clock: Clock;
  /** Called after each append, e.g. to log the new head as an anchor outside the database. */
  onRecord?: (entry: AuditEntry) => void;
}

export class AuditService {
  readonly keyId: string;
  readonly #db: Kysely<Database>;
  readonly #key: Buffer;
  readonly #clock: Clock;
  readonly #onRecord: ((entry: AuditEntry) => void) | undefined;
  /** Serialises appends from this process; other processes are handled by the unique seq. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(options: AuditServiceOptions) {
    this.#db = options.db;
    this.#key = options.key;
    this.#clock = options.clock;
    this.#onRecord = options.onRecord;
    this.keyId = createHash('sha256').update(options.key).digest('hex').slice(0, 16);
  }

  #mac(row: Omit<Row, 'seq' | 'hash'>): string {
    return createHmac('sha256', this.#key).update(macInput(row)).digest('hex');
  }

  /**
   * Appends one entry to the chain.
   *
   * @example
   * await audit.record({ action: 'analysis.view', actor, target: { type: 'analysis', id }, ip });
   */
  record(event: AuditEvent): Promise<AuditEntry> {
    const run = this.#tail.then(() => this.#append(event));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #append(event: AuditEvent): Promise<AuditEntry> {
    const base = {
      id: randomUUID(),
      at: isoUtc(this.#clock.now()),
      actor_id: event.actor ? sanitiseText(event.actor.id, 200) : null,
      actor_name: event.actor ? sanitiseText(event.actor.name, 200) : null,
      actor_method: event.actor ? sanitiseText(event.actor.method, 20) : null,
      action: sanitiseText(event.action, 80),
      outcome: event.outcome ?? 'success',
      target_type: event.target ? sanitiseText(event.target.type, 40) : null,
      target_id: event.target ? sanitiseText(event.target.id, 200) : null,
      ip: event.ip ? sanitiseText(event.ip, 64) : null,
      request_id: event.requestId ? sanitiseText(event.requestId, 64) : null,
      details_json: JSON.stringify(sanitiseDetails(event.details)),
      key_id: this.keyId,
    };
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      const last = await this.#db
        .selectFrom('audit_log')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      const prev_hash = last?.hash ?? AUDIT_GENESIS;
      const row: Row = { ...base, seq: Number(last?.seq ?? 0) + 1, prev_hash, hash: '' };
      row.hash = this.#mac(row);
      try {
        await this.#db.insertInto('audit_log').values(row).execute();
        const entry = toEntry(row);
        this.#onRecord?.(entry);
        return entry;
      } catch (err) {
        // Another replica took this position first: read the new head and chain after it.
        lastError = err;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
      }
    }
    throw new AppError('ERR_STORE_UNAVAILABLE', 'Could not append to the audit log', { cause: lastError });
  }

  /** Newest first. */
  async list(query: AuditListQuery): Promise<{ items: AuditEntry[]; nextBefore: number | null }> {
    let q = this.#db.selectFrom('audit_log').selectAll();
    if (query.before !== undefined) q = q.where('seq', '<', query.before);
    if (query.action) q = q.where('action', '=', query.action);
    if (query.actorId) q = q.where('actor_id', '=', query.actorId);
    if (query.targetId) q = q.where('target_id', '=', query.targetId);
    if (query.from) q = q.where('at', '>=', query.from);
    if (query.to) q = q.where('at', '<=', query.to);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(query.limit + 1)
      .execute();
    const page = rows.slice(0, query.limit).map(toEntry);
    return {
      items: page,
      nextBefore: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null,
    };
  }

  /** Every entry in chain order, in pages, for export and verification. */
  async *entries(batch = 1000): AsyncGenerator<AuditEntry> {
    for await (const row of this.#rows(batch)) yield toEntry(row);
  }

  async *#rows(batch: number): AsyncGenerator<Row> {
    let after = -Infinity;
    for (;;) {
      let q = this.#db.selectFrom('audit_log').selectAll();
      if (after !== -Infinity) q = q.where('seq', '>', after);
      const rows = await q.orderBy('seq', 'asc').limit(batch).execute();
      for (const row of rows) yield row;
      if (rows.length < batch) return;
      after = Number(rows.at(-1)!.seq);
    }
  }

  /**
   * Walks the chain and names the first entry that was altered, removed or inserted. An optional
   * anchor (a head recorded elsewhere, e.g. in the SIEM) also detects removal of the newest entries.
   */
  async verify(anchor?: { seq: number; hash: string }): Promise<AuditVerifyReport> {
    let prev: Row | null = null;
    let prevHash = AUDIT_GENESIS;
    let count = 0;
    let problem: AuditProblem | null = null;
    let anchorSeen = false;
    const pending: Row[] = [];
    const iterator = this.#rows(1000);
    const next = async (): Promise<Row | null> => {
      if (pending.length) return pending.shift()!;
      const r = await iterator.next();
      return r.done ? null : r.value;
    };
    const peek = async (): Promise<Row | null> => {
      if (!pending.length) {
        const r = await iterator.next();
        if (r.done) return null;
        pending.push(r.value);
      }
      return pending[0];
    };
    for (let row = await next(); row; row = await next()) {
      count++;
      const seq = Number(row.seq);
      if (anchor && seq === anchor.seq) anchorSeen = true;
      if (problem) continue;
      const macOk = row.key_id === this.keyId && equalHex(this.#mac(row), row.hash);
      const linkOk = row.prev_hash === prevHash;
      if (macOk && linkOk) {
        if (anchor && seq === anchor.seq && row.hash !== anchor.hash) {
          problem = {
            kind: 'altered',
            seq,
            id: row.id,
            message: `entry #${seq} does not match the recorded head`,
          };
        }
        prev = row;
        prevHash = row.hash;
        continue;
      }
      if (macOk && !linkOk) {
        const missingFrom = prev ? Number(prev.seq) + 1 : 1;
        problem = {
          kind: 'removed',
          seq: missingFrom,
          id: null,
          message:
            prev === null
              ? `the first entries of the chain were removed (chain starts at #${seq})`
              : `an entry between #${Number(prev.seq)} and #${seq} was removed`,
        };
        continue;
      }
      const following = await peek();
      const keyNote = row.key_id === this.keyId ? '' : ` (sealed with another key, id ${row.key_id})`;
      if (following && following.prev_hash === row.hash) {
        problem = {
          kind: 'altered',
          seq,
          id: row.id,
          message: `entry #${seq} was altered: its content no longer matches its seal${keyNote}`,
        };
      } else if (following ? following.prev_hash === prevHash : row.prev_hash !== prevHash) {
        problem = {
          kind: 'inserted',
          seq,
          id: row.id,
          message: `entry #${seq} was inserted: the chain does not lead through it`,
        };
      } else if (!following && row.prev_hash === prevHash) {
        problem = {
          kind: 'altered',
          seq,
          id: row.id,
          message: `entry #${seq} (the newest) was altered or added outside the application${keyNote}`,
        };
      } else {
        problem = {
          kind: 'altered',
          seq,
          id: row.id,
          message: `entry #${seq} does not verify${keyNote}`,
        };
      }
    }
    if (!problem && anchor && !anchorSeen) {
      const lastSeq = prev ? Number(prev.seq) : 0;
      if (anchor.seq > lastSeq)
        problem = {
          kind: 'removed',
          seq: lastSeq + 1,
          id: null,
          message: `entries #${lastSeq + 1} to #${anchor.seq} were removed (the recorded head is #${anchor.seq})`,
        };
    }
    return {
      ok: problem === null,
      entries: count,
      head: prev ? { seq: Number(prev.seq), hash: prev.hash } : null,
      problem,
    };
  }
}
