import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisResult } from '../../src/domain/analysis-result.js';
import { AnalysesRepository } from '../../src/store/analyses.repository.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { ProfilesRepository } from '../../src/store/profiles.repository.js';
import { DIALECTS, type TestDatabase } from '../support/databases.js';

function result(
  id: string,
  createdAt: string,
  finding: string,
  specimen: string | null = null,
): AnalysisResult {
  return {
    id,
    createdAt,
    specimen,
    profile: null,
    image: {
      width: 100,
      height: 80,
      sha256: 'a'.repeat(64),
      format: 'png',
      micronsPerPixel: 0.1,
      scaleSource: 'option',
    },
    engine: { name: 'morphology', version: '1', model: null },
    detections: [
      { box: [1, 2, 3, 4], label: 's_aureus', score: 0.8, morphotype: 'gpc_clusters', gram: 'positive' },
    ],
    summary: {
      finding: { en: finding, ja: '…' },
      assessable: true,
      gram: { positive: 1, negative: 0 },
      morphotypes: [{ morphotype: 'gpc_clusters', count: 1, share: 1 }],
      differential: [{ label: 's_aureus', score: 1 }],
      counts: { s_aureus: 1 },
    },
    timings: { decodeMs: 1, inferMs: 2, totalMs: 3 },
  };
}

describe.each(DIALECTS)('storage on $name', ({ create }) => {
  let tdb: TestDatabase;
  let store: StoreDatabase;
  let analyses: AnalysesRepository;

  beforeAll(async () => {
    tdb = await create();
    store = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
    analyses = new AnalysesRepository(store.db);
    for (let i = 0; i < 7; i++) {
      await analyses.insert(
        result(
          `id-${i}`,
          new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          i % 2 ? 'Gram-negative rods' : 'Gram-positive cocci in clusters',
          i < 3 ? 'SPEC-1' : null,
        ),
      );
    }
  });

  afterAll(async () => {
    await store.close();
    await tdb.cleanup();
  });

  it('migrates idempotently: reopening the same database keeps the data', async () => {
    const again = await openDatabase({ dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl });
    expect(await new AnalysesRepository(again.db).count()).toBe(7);
    await again.close();
  });

  it('round-trips the full result', async () => {
    const stored = await analyses.get('id-3');
    expect(stored).toEqual(
      result('id-3', new Date(Date.UTC(2026, 0, 1, 0, 3)).toISOString(), 'Gram-negative rods'),
    );
    expect(await analyses.get('missing')).toBeNull();
    await expect(analyses.require('missing')).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('lists newest first with a stable cursor across pages', async () => {
    const page1 = await analyses.list({ limit: 3 });
    expect(page1.items.map((i) => i.id)).toEqual(['id-6', 'id-5', 'id-4']);
    const page2 = await analyses.list({ limit: 3, cursor: page1.nextCursor! });
    expect(page2.items.map((i) => i.id)).toEqual(['id-3', 'id-2', 'id-1']);
    const page3 = await analyses.list({ limit: 3, cursor: page2.nextCursor! });
    expect(page3.items.map((i) => i.id)).toEqual(['id-0']);
    expect(page3.nextCursor).toBeNull();
  });

  it('filters by specimen, finding text and time', async () => {
    expect((await analyses.list({ limit: 50, specimen: 'SPEC-1' })).items.map((i) => i.id)).toEqual([
      'id-2',
      'id-1',
      'id-0',
    ]);
    expect((await analyses.list({ limit: 50, q: 'NEGATIVE' })).items.map((i) => i.id)).toEqual([
      'id-5',
      'id-3',
      'id-1',
    ]);
    expect((await analyses.list({ limit: 50, q: '100%_' })).items).toEqual([]);
    const from = new Date(Date.UTC(2026, 0, 1, 0, 5)).toISOString();
    expect((await analyses.list({ limit: 50, from })).items.map((i) => i.id)).toEqual(['id-6', 'id-5']);
  });

  it('refuses a forged cursor', async () => {
    await expect(analyses.list({ limit: 3, cursor: 'bm9wZQ' })).rejects.toMatchObject({
      code: 'ERR_VALIDATION',
    });
  });

  it('stores calibration profiles with unique names', async () => {
    const profiles = new ProfilesRepository(store.db);
    const p = await profiles.create({
      name: 'scope-1',
      microscope: 'M',
      camera: 'C',
      objective: '100x',
      micronsPerPixel: 0.0712,
    });
    expect(await profiles.find('scope-1')).toEqual(p);
    expect((await profiles.find(p.id))?.micronsPerPixel).toBeCloseTo(0.0712, 10);
    await expect(
      profiles.create({
        name: 'scope-1',
        microscope: 'M',
        camera: 'C',
        objective: '100x',
        micronsPerPixel: 1,
      }),
    ).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
    const updated = await profiles.update(p.id, {
      name: 'scope-1b',
      microscope: 'M2',
      camera: 'C',
      objective: '100x',
      micronsPerPixel: 0.05,
    });
    expect(updated).toMatchObject({ name: 'scope-1b', microscope: 'M2', micronsPerPixel: 0.05 });
    expect(await profiles.remove(p.id)).toBe(true);
    expect(await profiles.remove(p.id)).toBe(false);
  });
});
