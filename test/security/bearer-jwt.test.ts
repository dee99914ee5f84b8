/** Bearer JWTs: only the issuer's asymmetric keys, exact iss, our aud, exp/nbf; header keys ignored. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { createTestApp, type TestApp } from '../support/security.js';

describe('bearer JWTs', () => {
  let t: TestApp;
  let jwks: Server;
  let attacker: Server;
  let attackerHits = 0;
  let issuer: string;
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let publicPem: string;
  let evilKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let evilJwk: JWK;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    publicPem = await exportSPKI(pair.publicKey);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const evil = await generateKeyPair('RS256', { extractable: true });
    evilKey = evil.privateKey;
    evilJwk = { ...(await exportJWK(evil.publicKey)), kid: 'k1' };
    jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    attacker = createServer((_req, res) => {
      attackerHits++;
      res.end(JSON.stringify({ keys: [evilJwk] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    const port = (jwks.address() as { port: number }).port;
    issuer = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      'auth.jwt.issuer': issuer,
      'auth.jwt.audience': 'gramscope-api',
      'auth.jwt.jwksUri': `${issuer}/jwks`,
      'auth.oidc.roleMap': ['lab=analyst', 'admins=admin'],
    });
  });
  afterAll(async () => {
    await t.close();
    jwks.close();
    attacker.close();
  });

  const now = () => Math.floor(t.clock.now() / 1000);
  const sign = (claims: Record<string, unknown>, key = privateKey, header: Record<string, unknown> = {}) =>
    new SignJWT({ groups: ['lab'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header })
      .setIssuer(issuer)
      .setAudience('gramscope-api')
      .setSubject('svc-1')
      .setIssuedAt(now())
      .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : now() + 300)
      .sign(key);
  const call = (token: string) =>
    t.app.inject({ url: '/api/v1/analyses', headers: { authorization: `Bearer ${token}` } });

  it('accepts a valid token and maps its groups to a role', async () => {
    const res = await call(await sign({}));
    expect(res.statusCode).toBe(200);
  });

  it('refuses alg none and HS256 signed with the public key', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = { iss: issuer, aud: 'gramscope-api', sub: 'svc-1', exp: now() + 300, groups: ['admins'] };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    expect((await call(none)).statusCode).toBe(401);
    const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64(payload)}`;
    const mac = createHmac('sha256', publicPem).update(head).digest('base64url');
    const confused = await call(`${head}.${mac}`);
    expect(confused.statusCode).toBe(401);
    expect(confused.json().code).toBe('ERR_AUTH_INVALID');
  });

  it('refuses expired, not-yet-valid, wrong-audience and wrong-issuer tokens', async () => {
    expect((await call(await sign({ exp: now() - 120 }))).statusCode).toBe(401);
    expect((await call(await sign({ nbf: now() + 600 }))).statusCode).toBe(401);
    const wrongAud = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(issuer)
      .setAudience('another-api')
      .setSubject('svc-1')
      .setExpirationTime(now() + 300)
      .sign(privateKey);
    expect((await call(wrongAud)).statusCode).toBe(401);
    const wrongIss = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`${issuer}/other`)
      .setAudience('gramscope-api')
      .setSubject('svc-1')
      .setExpirationTime(now() + 300)
      .sign(privateKey);
    expect((await call(wrongIss)).statusCode).toBe(401);
  });

  it('ignores keys named by the token itself (jwk, jku, x5u)', async () => {
    const port = (attacker.address() as { port: number }).port;
    const embedded = await sign({ groups: ['admins'] }, evilKey, { jwk: evilJwk });
    expect((await call(embedded)).statusCode).toBe(401);
    const jku = await sign({ groups: ['admins'] }, evilKey, { jku: `http://127.0.0.1:${port}/jwks` });
    expect((await call(jku)).statusCode).toBe(401);
    const x5u = await sign({ groups: ['admins'] }, evilKey, { x5u: `http://127.0.0.1:${port}/cert` });
    expect((await call(x5u)).statusCode).toBe(401);
    expect(attackerHits).toBe(0);
  });

  it('refuses admin actions to a token whose amr shows one factor, and allows them with mfa', async () => {
    const single = await sign({ groups: ['admins'], amr: ['pwd'] });
    const refused = await t.app.inject({
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${single}` },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('ERR_SECOND_FACTOR_REQUIRED');
    const mfa = await sign({ groups: ['admins'], amr: ['pwd', 'mfa'] });
    expect(
      (await t.app.inject({ url: '/api/v1/users', headers: { authorization: `Bearer ${mfa}` } })).statusCode,
    ).toBe(200);
  });
});
