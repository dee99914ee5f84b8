/**
 * Applying for access and an administrator's decision over HTTP: approval creates the account with
 * the granted role, rejection keeps the note; both are recorded on the request and in the audit
 * chain, and a decided request cannot be decided again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson, createTestApp, PASSWORD, type TestApp, type TestPerson } from '../support/security.js';

describe('access requests and their decisions', () => {
  let t: TestApp;
  let admin: TestPerson;
  beforeAll(async () => {
    t = await createTestApp({ 'auth.localAccounts': true });
    admin = await createPerson(t, 'ada', 'admin');
  });
  afterAll(() => t.close());

  const apply = async (username: string): Promise<string> => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/access-requests',
      payload: { username, password: PASSWORD, reason: 'Night shift microbiology', role: 'reviewer' },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  };
  const decide = (id: string, verdict: 'approve' | 'reject', payload: object) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/access-requests/${id}/${verdict}`,
      headers: admin.headers,
      payload,
    });
  const lastAudit = async (action: string) =>
    (await t.ctx.security.audit.list({ limit: 1, action })).items[0];

  it('approves with another role: the account exists with it, and the decision is audited', async () => {
    const id = await apply('nina');
    const res = await decide(id, 'approve', { role: 'viewer', note: 'viewer first' });
    expect(res.statusCode).toBe(200);
    const decided = res.json();
    expect(decided).toMatchObject({
      id,
      status: 'approved',
      decidedBy: 'ada',
      decisionNote: 'viewer first',
      username: 'nina',
    });
    const user = await t.ctx.security.users.findByUsername('nina');
    expect(user?.role).toBe('viewer');
    expect(decided.userId).toBe(user?.id);
    const entry = await lastAudit('access-request.approve');
    expect(entry).toMatchObject({
      target: { type: 'access-request', id },
      details: { role: 'viewer', userId: user?.id },
    });
    expect(entry.actor?.id).toBe(admin.id);
    expect((await decide(id, 'reject', {})).json().code).toBe('ERR_CONFLICT');
  });

  it('rejects with a note: no account, and the decision is audited without details', async () => {
    const id = await apply('otto');
    const res = await decide(id, 'reject', { note: 'not on the rota' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'rejected',
      decidedBy: 'ada',
      decisionNote: 'not on the rota',
      userId: null,
    });
    expect(await t.ctx.security.users.findByUsername('otto')).toBeNull();
    const entry = await lastAudit('access-request.reject');
    expect(entry).toMatchObject({ target: { type: 'access-request', id } });
    expect(entry.actor?.id).toBe(admin.id);
    expect(entry.details).toEqual({});
    expect((await decide(id, 'approve', {})).json().code).toBe('ERR_CONFLICT');
  });
});
