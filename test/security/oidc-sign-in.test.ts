/**
 * OpenID Connect sign-in against a real provider (oidc-provider on 127.0.0.1): authorization code
 * with PKCE, state and nonce, exact issuer, audience == client id; groups mapped to roles; amr
 * deciding the second factor. The negative cases use the provider's own signing key to forge ID
 * tokens a misbehaving or compromised provider could send, so only gramscope's checks stand
 * between them and a session.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OIDC_FLOW_COOKIE } from '../../src/security/oidc.service.js';
import { SESSION_COOKIE } from '../../src/security/sessions.service.js';
import { runProviderLogin, startTestProvider, type TestProvider } from '../support/oidc-provider.js';
import {
  createPerson,
  createTestApp,
  sessionCookieFrom,
  sessionHeaders,
  type TestApp,
} from '../support/security.js';

describe('OpenID Connect sign-in against a real provider', () => {
  let p: TestProvider;
  let t: TestApp;

  beforeAll(async () => {
    p = await startTestProvider();
    p.accounts.set('u-lead', {
      sub: 'u-lead',
      preferred_username: 'Sato.Lead',
      name: 'Sato Lead',
      email: 'sato@hospital.test',
      groups: ['lab-leads', 'unrelated-group'],
    });
    p.accounts.set('u-tech', {
      sub: 'u-tech',
      preferred_username: 'ito',
      name: 'Ito Tech',
      email: 'ito@hospital.test',
      groups: ['lab-staff'],
    });
    t = await createTestApp({
      'auth.oidc.issuer': p.issuer,
      'auth.oidc.clientId': p.clientId,
      'auth.oidc.clientSecret': p.clientSecret,
      'auth.oidc.redirectUri': p.redirectUri,
      'auth.oidc.rolesClaim': 'groups',
      'auth.oidc.roleMap': ['lab-staff=analyst', 'lab-leads=reviewer', 'it-admins=admin'],
    });
  });
  afterAll(async () => {
    await t?.close();
    await p?.close();
  });

  function flowCookieFrom(setCookie: string | string[] | undefined): { value: string; raw: string } {
    const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
    const raw = all.find((c) => c.startsWith(`${OIDC_FLOW_COOKIE}=`));
    if (!raw) throw new Error('no flow cookie');
    return { value: /^[^=]+=([^;]*)/.exec(raw)![1], raw };
  }

  async function start(returnTo = '/analyses') {
    const res = await t.app.inject({
      url: `/api/v1/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}`,
    });
    expect(res.statusCode).toBe(302);
    return {
      authUrl: new URL(String(res.headers.location)),
      flow: flowCookieFrom(res.headers['set-cookie']),
    };
  }

  const callback = (url: URL, flow: string | null) =>
    t.app.inject({
      url: url.pathname + url.search,
      headers: flow === null ? {} : { cookie: `${OIDC_FLOW_COOKIE}=${flow}` },
    });

  /** A whole sign-in as `accountId` with `amr`; returns the callback answer. */
  async function signIn(accountId: string, amr: string[]) {
    p.nextLogin = { accountId, amr };
    const { authUrl, flow } = await start();
    const back = await runProviderLogin(authUrl.href, p.redirectUri);
    return { res: await callback(back, flow.value), back, flow: flow.value, authUrl };
  }

  async function sessionOf(res: { headers: Record<string, unknown> }) {
    const token = sessionCookieFrom(res.headers['set-cookie'] as string[] | string | undefined);
    expect(token, 'a session cookie').toBeTruthy();
    const headers = sessionHeaders(token!);
    const info = await t.app.inject({ url: '/api/v1/auth/session', headers });
    expect(info.statusCode).toBe(200);
    return { headers, info: info.json<{ user: Record<string, unknown> }>() };
  }

  const signOffRoute = () => {
    const route = t.app.routeAccess.find(
      (r) => typeof r.access === 'object' && r.access.audit === 'review.sign-off',
    );
    expect(route, 'the sign-off route exists').toBeDefined();
    return route!;
  };

  it('sends the browser to the provider with code + PKCE (S256), state and nonce, in a __Host- cookie flow', async () => {
    const { authUrl, flow } = await start();
    expect(authUrl.origin + authUrl.pathname).toBe(`${p.issuer}/auth`);
    const q = authUrl.searchParams;
    expect(q.get('response_type')).toBe('code');
    expect(q.get('client_id')).toBe(p.clientId);
    expect(q.get('redirect_uri')).toBe(p.redirectUri);
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(q.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    expect(q.get('scope')!.split(' ')).toContain('openid');
    // Nothing secret travels in the URL: the verifier, state and nonce stay on the server.
    expect(authUrl.href).not.toContain(flow.value);
    expect(flow.raw).toMatch(/; Path=\//);
    expect(flow.raw).toMatch(/; Secure/);
    expect(flow.raw).toMatch(/; HttpOnly/);
    expect(flow.raw).toMatch(/; SameSite=Lax/);
  });

  it('signs a lead in with two factors: groups map to reviewer, the return path is kept, the sign-in is audited', async () => {
    const { res } = await signIn('u-lead', ['pwd', 'mfa']);
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toBe('/analyses');
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(setCookie.find((c) => c.startsWith(`${SESSION_COOKIE}=`))).toMatch(
      /HttpOnly.*Secure|Secure.*HttpOnly/,
    );
    // The flow cookie is cleared on the way back.
    expect(setCookie.find((c) => c.startsWith(`${OIDC_FLOW_COOKIE}=;`))).toBeDefined();
    const { info } = await sessionOf(res);
    expect(info.user).toMatchObject({
      username: 'sato.lead',
      role: 'reviewer',
      method: 'oidc',
      secondFactor: true,
      amr: ['pwd', 'mfa'],
    });
    const user = await t.ctx.security.users.findByUsername('sato.lead');
    expect(user).toMatchObject({
      source: 'oidc',
      role: 'none',
      claimsRole: 'reviewer',
      email: 'sato@hospital.test',
    });
    const { items } = await t.ctx.security.audit.list({ limit: 50, action: 'auth.login' });
    expect(items[0]).toMatchObject({
      outcome: 'success',
      actor: { name: 'sato.lead', method: 'oidc' },
      details: { method: 'oidc', amr: 'pwd mfa', secondFactor: true },
    });
  });

  it('lets a password-only OIDC reviewer read but refuses sign-off (amr shows no second factor)', async () => {
    const { res } = await signIn('u-lead', ['pwd']);
    expect(res.statusCode, res.body).toBe(302);
    const { headers, info } = await sessionOf(res);
    expect(info.user).toMatchObject({ role: 'reviewer', secondFactor: false, amr: ['pwd'] });
    expect((await t.app.inject({ url: '/api/v1/analyses', headers })).statusCode).toBe(200);
    const route = signOffRoute();
    const signOff = await t.app.inject({
      method: route.method as 'POST',
      url: route.url.replace(/:[a-z]+/gi, 'SPEC-1'),
      headers: { ...headers, 'content-type': 'application/json' },
      payload: {},
    });
    expect(signOff.statusCode).toBe(403);
    expect(signOff.json().code).toBe('ERR_SECOND_FACTOR_REQUIRED');
  });

  it('follows group changes at the provider at the next sign-in, down to no access at all', async () => {
    const tech = p.accounts.get('u-tech')!;
    const first = await sessionOf((await signIn('u-tech', ['pwd', 'otp'])).res);
    expect(first.info.user.role).toBe('analyst');
    tech.groups = ['it-admins', 'lab-staff'];
    const promoted = await sessionOf((await signIn('u-tech', ['pwd', 'otp'])).res);
    expect(promoted.info.user.role).toBe('admin');
    tech.groups = ['someone-elses-group'];
    const removed = await sessionOf((await signIn('u-tech', ['pwd', 'otp'])).res);
    expect(removed.info.user.role).toBe('none');
    expect((await t.app.inject({ url: '/api/v1/analyses', headers: removed.headers })).statusCode).toBe(403);
    tech.groups = ['lab-staff'];
  });

  it('refuses a replayed callback: state, nonce and code are used once', async () => {
    const { res, back, flow } = await signIn('u-tech', ['pwd', 'otp']);
    expect(res.statusCode).toBe(302);
    const tokenRequests = p.tokenRequests;
    const again = await callback(back, flow);
    expect(again.statusCode).toBe(401);
    expect(again.json().code).toBe('ERR_AUTH_INVALID');
    expect(sessionCookieFrom(again.headers['set-cookie'])).toBeNull();
    // Replayed into a fresh flow of the victim's browser: the state does not match that flow.
    const fresh = await start();
    const intoFresh = await callback(back, fresh.flow.value);
    expect(intoFresh.statusCode).toBe(401);
    expect(intoFresh.json().code).toBe('ERR_AUTH_INVALID');
    expect(sessionCookieFrom(intoFresh.headers['set-cookie'])).toBeNull();
    // The state check comes before the code is spent, so the provider never saw the replayed code.
    expect(p.tokenRequests).toBe(tokenRequests);
    // That fresh flow was consumed by the failed attempt, so it cannot be finished either.
    p.nextLogin = { accountId: 'u-tech', amr: ['pwd', 'otp'] };
    const late = await runProviderLogin(fresh.authUrl.href, p.redirectUri);
    expect((await callback(late, fresh.flow.value)).statusCode).toBe(401);
  });

  it('refuses a callback without the flow cookie (login CSRF) and an implicit-style answer', async () => {
    p.nextLogin = { accountId: 'u-tech', amr: ['pwd'] };
    const { authUrl } = await start();
    const back = await runProviderLogin(authUrl.href, p.redirectUri);
    const noCookie = await callback(back, null);
    expect(noCookie.statusCode).toBe(401);
    const implicit = await start();
    const forged = new URL(p.redirectUri);
    forged.searchParams.set('state', implicit.authUrl.searchParams.get('state')!);
    forged.searchParams.set('id_token', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
    forged.searchParams.set('access_token', 'x');
    const res = await callback(forged, implicit.flow.value);
    expect(res.statusCode).toBe(401);
    expect(sessionCookieFrom(res.headers['set-cookie'])).toBeNull();
  });

  describe('ID tokens signed by the provider but wrong for us', () => {
    async function withTamper(tamper: (c: Record<string, unknown>) => Record<string, unknown>) {
      p.tamperIdToken = tamper;
      try {
        return (await signIn('u-lead', ['pwd', 'mfa'])).res;
      } finally {
        p.tamperIdToken = null;
      }
    }

    it('refuses a token carrying the nonce of another flow (a replayed ID token)', async () => {
      const other = await start();
      const oldNonce = other.authUrl.searchParams.get('nonce')!;
      const res = await withTamper((c) => ({ ...c, nonce: oldNonce }));
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('ERR_AUTH_INVALID');
      expect(sessionCookieFrom(res.headers['set-cookie'])).toBeNull();
    });

    it('refuses a token for another application (wrong audience), alone or beside ours', async () => {
      const wrong = await withTamper((c) => ({ ...c, aud: 'other-app' }));
      expect(wrong.statusCode).toBe(401);
      const extra = await withTamper((c) => ({ ...c, aud: [p.clientId, 'other-app'], azp: p.clientId }));
      expect(extra.statusCode).toBe(401);
      expect(sessionCookieFrom(extra.headers['set-cookie'])).toBeNull();
    });

    it('refuses a token naming another issuer, and an answer whose iss parameter is not our provider', async () => {
      const res = await withTamper((c) => ({ ...c, iss: 'http://127.0.0.1:1' }));
      expect(res.statusCode).toBe(401);
      // RFC 9207 mix-up defence: the authorization response says which issuer sent it.
      p.nextLogin = { accountId: 'u-lead', amr: ['pwd', 'mfa'] };
      const { authUrl, flow } = await start();
      const back = await runProviderLogin(authUrl.href, p.redirectUri);
      expect(back.searchParams.get('iss')).toBe(p.issuer);
      back.searchParams.set('iss', 'https://attacker.test');
      const mixed = await callback(back, flow.value);
      expect(mixed.statusCode).toBe(401);
    });

    it('records refused sign-ins in the audit chain', async () => {
      const { items } = await t.ctx.security.audit.list({ limit: 100, action: 'auth.login' });
      const failures = items.filter((e) => e.outcome === 'failure' && e.details.method === 'oidc');
      expect(failures.length).toBeGreaterThanOrEqual(6);
      expect((await t.ctx.security.audit.verify()).ok).toBe(true);
    });
  });

  it('refuses a disabled user at sign-in, whatever the provider says', async () => {
    const user = (await t.ctx.security.users.findByUsername('ito'))!;
    await t.ctx.security.users.update(user.id, { disabled: true }, new Date(t.clock.now()).toISOString());
    const { res } = await signIn('u-tech', ['pwd', 'otp']);
    expect(res.statusCode).toBe(401);
    expect(sessionCookieFrom(res.headers['set-cookie'])).toBeNull();
    await t.ctx.security.users.update(user.id, { disabled: false }, new Date(t.clock.now()).toISOString());
  });

  it('counts a sign-in without amr as two factors only where the operator says the provider enforces MFA', async () => {
    // Entra ID's v2.0 ID tokens carry no amr; a Conditional Access policy enforces MFA instead.
    const enforced = await createTestApp({
      'auth.oidc.issuer': p.issuer,
      'auth.oidc.clientId': p.clientId,
      'auth.oidc.clientSecret': p.clientSecret,
      'auth.oidc.redirectUri': p.redirectUri,
      'auth.oidc.roleMap': ['lab-leads=reviewer'],
      'auth.oidc.mfaEnforcedByProvider': true,
      'auth.localAccounts': true,
    });
    try {
      p.nextLogin = { accountId: 'u-lead', amr: [] };
      const { authUrl, flow } = await (async () => {
        const res = await enforced.app.inject({ url: '/api/v1/auth/oidc/start' });
        return { authUrl: String(res.headers.location), flow: flowCookieFrom(res.headers['set-cookie']) };
      })();
      const back = await runProviderLogin(authUrl, p.redirectUri);
      const res = await enforced.app.inject({
        url: back.pathname + back.search,
        headers: { cookie: `${OIDC_FLOW_COOKIE}=${flow.value}` },
      });
      expect(res.statusCode, res.body).toBe(302);
      const headers = sessionHeaders(sessionCookieFrom(res.headers['set-cookie'])!);
      const info = await enforced.app.inject({ url: '/api/v1/auth/session', headers });
      expect(info.json().user).toMatchObject({ role: 'reviewer', secondFactor: true, amr: ['unknown'] });
      const { items } = await enforced.ctx.security.audit.list({ limit: 5, action: 'auth.login' });
      expect(items[0]?.details).toMatchObject({ secondFactor: true, mfaEnforcedByProvider: true });
      // Never for local accounts on the same server: their factors are gramscope's own.
      const local = await createPerson(enforced, 'local-lead', 'reviewer', { secondFactor: false });
      const mine = await enforced.app.inject({ url: '/api/v1/auth/session', headers: local.headers });
      expect(mine.json().user).toMatchObject({ method: 'local', secondFactor: false });
    } finally {
      await enforced.close();
    }
    // And without the statement, the same sign-in is one factor (the default, tested above too).
    const { res } = await signIn('u-lead', []);
    expect((await sessionOf(res)).info.user.secondFactor).toBe(false);
  });

  it('refuses a provider whose discovery document names another issuer than configured', async () => {
    // A look-alike that serves the real provider's discovery document under its own address.
    const lookalike = createServer((_req, res) => {
      void fetch(`${p.issuer}/.well-known/openid-configuration`)
        .then((r) => r.text())
        .then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    });
    await new Promise<void>((r) => lookalike.listen(0, '127.0.0.1', r));
    const misconfigured = await createTestApp({
      'auth.oidc.issuer': `http://127.0.0.1:${(lookalike.address() as { port: number }).port}`,
      'auth.oidc.clientId': p.clientId,
      'auth.oidc.clientSecret': p.clientSecret,
      'auth.oidc.redirectUri': p.redirectUri,
    });
    try {
      const res = await misconfigured.app.inject({ url: '/api/v1/auth/oidc/start' });
      expect(res.statusCode).toBe(502);
      expect(res.json().code).toBe('ERR_AUTH_PROVIDER');
    } finally {
      await misconfigured.close();
      lookalike.close();
    }
  });
});
