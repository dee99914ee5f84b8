/**
 * The audit chain on SQLite and PostgreSQL: appends from several writers form one chain; editing,
 * deleting or inserting a row directly in the database is named by `verify` and by
 * `gramscope audit verify`; on PostgreSQL an application role granted only SELECT and INSERT
 * cannot UPDATE or DELETE audit rows.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { sql } from 'kysely';
import { AuditService } from '../../src/security/audit.service.js';
import { ManualClock } from '../../src/security/clock.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { runCli } from '../support/cli.js';
import { DIALECTS, PG_BASE_URL, type TestDatabase } from '../support/databases.js';

const KEY = 'k'.repeat(40);

describe.each(DIALECTS)('audit chain on $name', ({ name, create }) => {
  let tdb: TestDatabase;
  let store: StoreDatabase;
  let audit: AuditService;

  beforeEach(async () => {
    tdb = await create();
    store = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
    audit = new AuditService({ db: store.db, key: Buffer.from(KEY), clock: new ManualClock() });
    for (let i = 1; i <= 6; i++) {
      await audit.record({
        action: 'analysis.view',
        actor: { id: `u${i}`, name: `user${i}`, method: 'local' },
        target: { type: 'analysis', id: `a${i}` },
        ip: '10.0.0.1',
      });
    }
  });
  afterEach(async () => {
    await store.close();
    await tdb.cleanup();
  });

  const dropTriggers = async () => {
    // An attacker with full database rights can remove the append-only triggers first.
    if (name === 'postgres') {
      await sql`drop trigger audit_log_no_update on audit_log`.execute(store.db);
    } else {
      await sql`drop trigger audit_log_no_update`.execute(store.db);
      await sql`drop trigger audit_log_no_delete`.execute(store.db);
    }
  };

  it('chains entries with UTC times and verifies intact', async () => {
    const report = await audit.verify();
    expect(report).toMatchObject({ ok: true, entries: 6, problem: null, head: { seq: 6 } });
    const { items } = await audit.list({ limit: 10 });
    expect(items.map((e) => e.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(items[0].at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(items[5].prevHash).toBe('0'.repeat(64));
    expect(items[0].prevHash).toBe(items[1].hash);
  });

  it('keeps one chain when writers race (several replicas on one database)', async () => {
    const other = new AuditService({ db: store.db, key: Buffer.from(KEY), clock: new ManualClock() });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? audit : other).record({ action: `race.${i}` })),
    );
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 16 });
  });

  it('refuses UPDATE and DELETE through its triggers', async () => {
    await expect(sql`update audit_log set action = 'x' where seq = 1`.execute(store.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log where seq = 1`.execute(store.db)).rejects.toThrow(/append-only/);
  });

  it('names an edited entry', async () => {
    await dropTriggers();
    await sql`update audit_log set actor_name = 'someone-else' where seq = 3`.execute(store.db);
    const report = await audit.verify();
    expect(report.problem).toMatchObject({ kind: 'altered', seq: 3 });
    const cli = await runCli(['audit', 'verify'], {
      env: { GRAMSCOPE_DATA: tdb.dataDir, DATABASE_URL: tdb.databaseUrl, GRAMSCOPE_AUDIT_KEY: KEY },
    });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^gramscope: ERR_AUDIT_TAMPERED: altered: entry #3 was altered/);
  });

  it('names a deleted entry', async () => {
    await dropTriggers();
    await sql`delete from audit_log where seq = 4`.execute(store.db);
    expect((await audit.verify()).problem).toMatchObject({ kind: 'removed', seq: 4 });
  });

  it('names an inserted entry, in the middle or at the end', async () => {
    await dropTriggers();
    const rows = await store.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    // Slip a forged row in after #2, renumbering the rest, with a plausible-looking hash.
    await sql`update audit_log set seq = seq + 100 where seq > 2`.execute(store.db);
    await sql`update audit_log set seq = seq - 99 where seq > 100`.execute(store.db);
    await store.db
      .insertInto('audit_log')
      .values({
        ...rows[2],
        seq: 3,
        id: 'forged',
        action: 'analysis.view',
        actor_name: 'ghost',
        prev_hash: rows[1].hash,
        hash: randomBytes(32).toString('hex'),
      })
      .execute();
    expect((await audit.verify()).problem).toMatchObject({ kind: 'inserted', seq: 3, id: 'forged' });
  });

  it('exports JSON Lines and detects removal of the newest entries against a recorded head', async () => {
    const cli = await runCli(['audit', 'export'], {
      env: { GRAMSCOPE_DATA: tdb.dataDir, DATABASE_URL: tdb.databaseUrl, GRAMSCOPE_AUDIT_KEY: KEY },
    });
    expect(cli.code).toBe(0);
    const lines = cli.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; hash: string });
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const head = lines[5];
    await dropTriggers();
    await sql`delete from audit_log where seq >= 5`.execute(store.db);
    expect((await audit.verify()).ok).toBe(true);
    expect((await audit.verify({ seq: head.seq, hash: head.hash })).problem).toMatchObject({
      kind: 'removed',
      seq: 5,
    });
  });

  it.runIf(name === 'postgres')(
    'lets an app role granted SELECT and INSERT append but not edit',
    async () => {
      const role = `gs_app_${randomBytes(4).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      const schema = new URL(tdb.databaseUrl).searchParams.get('options')!.replace('-c search_path=', '');
      const admin = new pg.Client({ connectionString: PG_BASE_URL });
      await admin.connect();
      try {
        await admin.query(`create role ${role} login password '${password}'`);
        await admin.query(`grant usage on schema ${schema} to ${role}`);
        // The documented grant (docs/security.md): the application may read and append, nothing else.
        await admin.query(`grant select, insert on ${schema}.audit_log to ${role}`);
        const url = new URL(PG_BASE_URL);
        url.username = role;
        url.password = password;
        const app = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
        await app.connect();
        try {
          const appDb = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: '', migrate: false });
          await appDb.close();
          await app.query(
            `insert into audit_log (seq, id, at, action, outcome, details_json, key_id, prev_hash, hash)
           values (100, 'x', 'now', 'probe', 'success', '{}', 'k', 'p', 'h')`,
          );
          await expect(app.query(`update audit_log set action = 'y' where seq = 1`)).rejects.toThrow(
            /permission denied/,
          );
          await expect(app.query(`delete from audit_log where seq = 1`)).rejects.toThrow(/permission denied/);
          await expect(app.query(`truncate audit_log`)).rejects.toThrow(/permission denied|must be owner/);
        } finally {
          await app.end();
        }
      } finally {
        await admin.query(`drop owned by ${role}`);
        await admin.query(`drop role ${role}`);
        await admin.end();
      }
    },
  );
});
