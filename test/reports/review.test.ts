/**
 * PUT /api/v1/analyses/{id}/review: corrections are kept beside the engine output as revisions,
 * stale revisions and bad boxes are refused, sign-off needs two factors and makes the field final.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewService } from '../../src/reports/review.service.js';
import { createReportTestApp, type ReportTestApp } from '../support/report-fixtures.js';
import { fieldResult } from '../support/stored-analyses.js';

let t: ReportTestApp;
beforeAll(async () => {
  t = await createReportTestApp();
});
afterAll(async () => {
  await t?.close();
});

const put = (id: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url: `/api/v1/analyses/${id}/review`, payload: payload as object });

describe('field review', () => {
  it('moves, relabels, deletes and adds boxes as a new revision, leaving the engine output untouched', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const res = await put(result.id, {
      baseRevision: 0,
      comment: 'one rod is a coccus pair',
      detections: [
        { box: [10, 10, 20, 20], label: 's_aureus', from: 0 }, // kept
        { box: [24, 10, 34, 20], label: 's_aureus', from: 1 }, // moved
        { box: [10, 22, 20, 32], label: 's_aureus', from: 2 }, // relabelled cons → s_aureus
        // from 3 deleted by omission
        { box: [100, 100, 130, 110], label: 'enterococcus', morphotype: 'gpc_pairs', from: 4 }, // relabelled
        { box: [200, 150, 275, 225], label: 'rbc', from: 5 },
        { box: [300, 40, 310, 50], label: 's_aureus', from: null }, // added
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    // The answer is the engine's result with the review beside it.
    expect(body.detections).toEqual(result.detections);
    expect(body.review).toMatchObject({
      status: 'corrected',
      revision: 1,
      reviewer: 'Local user (single-user mode)',
      changes: { kept: 2, moved: 1, relabelled: 2, deleted: 1, added: 1 },
      comment: 'one rod is a coccus pair',
    });
    expect(body.review.current.detections).toHaveLength(6);
    expect(body.review.current.summary.finding.en).toBe(
      'Gram-positive cocci in clusters and Gram-positive cocci in pairs',
    );
    expect(body.review.current.summary.gram).toEqual({ positive: 5, negative: 0 });
    const added = body.review.current.detections.at(-1);
    expect(added).toMatchObject({
      label: 's_aureus',
      morphotype: 'gpc_clusters',
      gram: 'positive',
      score: 1,
      from: null,
    });

    // GET shows the same; the stored engine output is unchanged.
    const got = (await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}` })).json();
    expect(got.summary).toEqual(result.summary);
    expect(got.review.revision).toBe(1);
    const review = (
      await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}/review` })
    ).json();
    expect(review.original.detections).toEqual(result.detections);
    expect(review.history).toHaveLength(1);
    expect(review.history[0]).toMatchObject({ revision: 1, action: 'correction' });
  });

  it('refuses a stale revision with 409 and names the current one', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    expect((await put(result.id, { baseRevision: 0, detections: [] })).statusCode).toBe(200);
    const stale = await put(result.id, { baseRevision: 0, detections: [] });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'ERR_CONFLICT', details: { currentRevision: 1 } });
  });

  it('infers origins by overlap when clients send whole detections without `from`', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const shifted = result.detections.map((d) => ({
      ...d,
      box: [d.box[0] + 1, d.box[1], d.box[2] + 1, d.box[3]],
    }));
    const res = await put(result.id, { detections: shifted.slice(1), signOff: false });
    expect(res.statusCode).toBe(200);
    expect(res.json().review.changes).toEqual({ kept: 0, moved: 5, relabelled: 0, deleted: 1, added: 0 });
  });

  it('refuses bad corrections with 400 and stores nothing', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const cases: unknown[] = [
      { detections: [{ box: [10, 10, 5, 20], label: 's_aureus' }] },
      { detections: [{ box: [10, 10, 500, 20], label: 's_aureus' }] },
      { detections: [{ box: [10, 10, 20, 20], label: 'not_a_label' }] },
      { detections: [{ box: [10, 10, 20, 20], label: 's_aureus', from: 99 }] },
      {
        detections: [
          { box: [10, 10, 20, 20], label: 's_aureus', from: 0 },
          { box: [10, 10, 20, 20], label: 's_aureus', from: 0 },
        ],
      },
      { detections: [{ box: [10, 10, 20], label: 's_aureus' }] },
      { comment: 'nothing to do' },
      { detections: [], extra: true },
      { detections: [{ box: [10, 10, 20, 20], label: 's_aureus', from: '0' }] },
    ];
    for (const payload of cases) {
      const res = await put(result.id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().code).toBe('ERR_VALIDATION');
    }
    expect((await t.ctx.reviews.getFieldReview(result.id)).revision).toBe(0);
    expect((await put('no-such-analysis', { detections: [] })).statusCode).toBe(404);
  });

  it('signs a field off: final, and no further changes', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const res = await put(result.id, { baseRevision: 0, signOff: true, comment: 'as analysed' });
    expect(res.statusCode).toBe(200);
    expect(res.json().review).toMatchObject({ status: 'final', revision: 1, comment: 'as analysed' });
    expect(res.json().review.signedOffAt).toBeTruthy();
    expect((await put(result.id, { detections: [] })).statusCode).toBe(409);
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/analyses?status=final' })).json();
    expect(list.items.map((i: { id: string }) => i.id)).toContain(result.id);
    const pdf = await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}/report.pdf` });
    expect(pdf.statusCode).toBe(200);
  });

  it('refuses sign-off without a second factor, but allows corrections', async () => {
    const result = fieldResult();
    await t.ctx.analyses.insert(result);
    const service = new ReviewService({
      analyses: t.ctx.analyses,
      specimens: t.ctx.specimensRepository,
      reviews: t.ctx.reviewsRepository,
    });
    const onePassword = { id: 'u1', name: 'Password Only', assurance: null };
    await expect(service.reviewField(result.id, { signOff: true }, onePassword)).rejects.toMatchObject({
      code: 'ERR_SECOND_FACTOR_REQUIRED',
    });
    const corrected = await service.reviewField(result.id, { detections: [] }, onePassword);
    expect(corrected.revision).toBe(1);
    expect(corrected.status).toBe('preliminary');
    await t.ctx.specimensRepository.ensure({ id: 'SP-2FA' });
    await expect(service.signOffSpecimen('SP-2FA', { version: 0 }, onePassword)).rejects.toMatchObject({
      code: 'ERR_SECOND_FACTOR_REQUIRED',
    });
  });

  it('refuses to sign off an empty specimen, and reviews of fields in a signed-off specimen', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/specimens', payload: { id: 'SP-EMPTY' } });
    const empty = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/specimens/SP-EMPTY/review',
      payload: { version: 0 },
    });
    expect(empty.statusCode).toBe(409);
    const result = fieldResult({ specimen: 'SP-ONE' });
    await t.ctx.specimensRepository.admitField('SP-ONE', null);
    await t.ctx.analyses.insert(result);
    const signed = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/specimens/SP-ONE/review',
      payload: { version: 1 },
    });
    expect(signed.statusCode).toBe(200);
    expect((await put(result.id, { detections: [] })).statusCode).toBe(409);
    const review = (
      await t.app.inject({ method: 'GET', url: `/api/v1/analyses/${result.id}/review` })
    ).json();
    expect(review.status).toBe('final');
    expect(review.signOff.by.id).toBe('local');
  });
});
