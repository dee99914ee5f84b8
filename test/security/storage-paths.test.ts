/**
 * Storage paths are made by the server: a hostile upload file name (traversal, absolute path,
 * encoded traversal, Windows separators) never reaches the filesystem, the database or the answer.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../support/app.js';
import { solidImage } from '../support/images.js';
import { createPerson, createTestApp, type TestApp, type TestPerson } from '../support/security.js';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    out.push(full);
    if (entry.isDirectory()) out.push(...(await walk(full)));
  }
  return out;
}

describe('server-generated storage paths', () => {
  let t: TestApp;
  let lab: TestPerson;

  beforeAll(async () => {
    t = await createTestApp({
      'auth.localAccounts': true,
      'storage.retainImages': true,
      'storage.encryptionKeys': [`k1:${randomBytes(32).toString('base64')}`],
    });
    lab = await createPerson(t, 'lab', 'analyst');
  });
  afterAll(() => t.close());

  it('stores an upload under a path of its own, whatever the file is called', async () => {
    const parent = path.dirname(t.db.dataDir);
    const before = new Set(await readdir(parent));
    const image = await solidImage('png', 64, 48, { r: 200, g: 190, b: 205 });
    const hostile = [
      '../../../../escape-gramscope.png',
      `${parent}/absolute-gramscope.png`,
      '%2e%2e%2f%2e%2e%2fencoded-gramscope.png',
      '..\\..\\windows-gramscope.png',
    ];
    const ids: string[] = [];
    for (const filename of hostile) {
      const body = multipart([{ name: 'image', filename, contentType: 'image/png', data: image }]);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/analyses',
        payload: body.payload,
        headers: { ...body.headers, ...lab.headers },
      });
      expect(res.statusCode, filename).toBe(201);
      expect(res.body).not.toMatch(/gramscope\.png/);
      ids.push(res.json<{ id: string }>().id);
    }
    const rows = await t.ctx.store.db.selectFrom('analyses').selectAll().where('id', 'in', ids).execute();
    expect(rows).toHaveLength(hostile.length);
    for (const row of rows) {
      expect(row.image_key).toMatch(/^images\/\d{4}-\d\d-\d\d\/[0-9a-f-]{36}\.png$/);
      expect(row.image_key).toContain(row.id);
      expect(JSON.stringify(row)).not.toMatch(/gramscope\.png|\.\.[\\/]/);
    }
    // Nothing was written next to the data directory, and inside it no name came from the client.
    expect((await readdir(parent)).filter((n) => !before.has(n) && n.includes('gramscope.png'))).toEqual([]);
    const files = await walk(t.db.dataDir);
    expect(files.filter((f) => /escape|absolute|windows|encoded/.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(hostile.length);
  });
});
