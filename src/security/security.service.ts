/**
 * The security module's front door: decides the mode (single-user or multi-user), authenticates
 * requests (session cookie, API token, bearer JWT), runs sign-in and sign-out, and owns the
 * users, sessions, tokens, access requests and audit services. HTTP code calls this; it knows
 * nothing about HTTP.
 */
import type { Config } from '../config/config.schema.js';
import { AppError } from '../errors.js';
import type { StoreDatabase } from '../store/database.js';
import { AccessRequestsService } from './access-requests.service.js';
import { ApiTokensService, looksLikeApiToken } from './api-tokens.service.js';
import { AuditService, loadAuditKey, type AuditActor, type AuditEntry } from './audit.service.js';
import { amrFromClaims, hasSecondFactor, parseRoleMap, readClaim, roleFromClaims } from './claims.js';
import { isoUtc, SYSTEM_CLOCK, type Clock } from './clock.js';
import { JwtVerifier } from './jwt-verifier.js';
import { LoginThrottle } from './login-throttle.js';
import { OidcService } from './oidc.service.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { SINGLE_USER, type Principal } from './principal.js';
import { maxRole, type GrantableRole } from './roles.js';
import { parseKeyring } from '../store/encrypted-blob-store.js';
import { SecretBox } from './secret-box.js';
import { SessionsService, type SessionRecord } from './sessions.service.js';
import { consumeRecoveryCode, verifyTotp } from './totp.js';
import { normaliseUsername, UsersRepository, type UserSecrets } from './users.repository.js';

export type SecurityMode = 'single-user' | 'multi-user';

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  ip: string;
  requestId?: string | null;
  userAgent?: string;
}

export interface SecurityOptions {
  clock?: Clock;
  /** Called after each audit append (the server logs the new head as an external anchor). */
  onAudit?: (entry: AuditEntry) => void;
}

/** Amr values gramscope's own sign-in records: password, TOTP, recovery code. */
const LOCAL_SECOND_FACTORS = ['otp', 'rc'];

export function actorOf(principal: Principal | null | undefined): AuditActor | null {
  return principal ? { id: principal.id, name: principal.name, method: principal.method } : null;
}

/** True when any identity is configured, which turns single-user mode off. */
export function identityConfigured(config: Readonly<Config>): boolean {
  return config.auth.localAccounts || config.auth.oidc.issuer !== '' || config.auth.jwt.issuer !== '';
}

function validateSecurityConfig(config: Readonly<Config>): void {
  const problems: string[] = [];
  const { oidc, jwt } = config.auth;
  const checkUrl = (name: string, value: string) => {
    try {
      const u = new URL(value);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') problems.push(`${name} must be an http(s) URL`);
    } catch {
      problems.push(`${name} must be a URL`);
    }
  };
  if (config.server.publicUrl) checkUrl('GRAMSCOPE_PUBLIC_URL', config.server.publicUrl);
  if (oidc.issuer) {
    checkUrl('GRAMSCOPE_OIDC_ISSUER', oidc.issuer);
    if (!oidc.clientId) problems.push('GRAMSCOPE_OIDC_CLIENT_ID is required with GRAMSCOPE_OIDC_ISSUER');
    if (!oidc.redirectUri && !config.server.publicUrl)
      problems.push('set GRAMSCOPE_OIDC_REDIRECT_URI or GRAMSCOPE_PUBLIC_URL for OIDC sign-in');
    if (oidc.redirectUri) checkUrl('GRAMSCOPE_OIDC_REDIRECT_URI', oidc.redirectUri);
  }
  if (jwt.issuer) {
    checkUrl('GRAMSCOPE_JWT_ISSUER', jwt.issuer);
    if (!jwt.audience) problems.push('GRAMSCOPE_JWT_AUDIENCE is required with GRAMSCOPE_JWT_ISSUER');
    if (jwt.jwksUri) checkUrl('GRAMSCOPE_JWT_JWKS_URI', jwt.jwksUri);
  }
  if (problems.length)
    throw new AppError('ERR_CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
}

export class SecurityService {
  readonly mode: SecurityMode;
  readonly clock: Clock;
  readonly users: UsersRepository;
  readonly sessions: SessionsService;
  readonly tokens: ApiTokensService;
  readonly throttle: LoginThrottle;
  readonly audit: AuditService;
  readonly accessRequests: AccessRequestsService;
  readonly oidc: OidcService | null;
  readonly jwt: JwtVerifier | null;
  readonly #config: Readonly<Config>;
  readonly #roleMap: Map<string, GrantableRole>;

  constructor(config: Readonly<Config>, store: StoreDatabase, options: SecurityOptions = {}) {
    validateSecurityConfig(config);
    this.#config = config;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.mode = identityConfigured(config) ? 'multi-user' : 'single-user';
    const db = store.db;
    const auditKey = loadAuditKey(config.audit.key, config.storage.dataDir);
    this.users = new UsersRepository(
      db,
      new SecretBox(parseKeyring(config.storage.encryptionKeys), auditKey),
    );
    this.sessions = new SessionsService(db, this.clock, {
      idleMs: config.auth.sessionIdleMinutes * 60_000,
      absoluteMs: config.auth.sessionAbsoluteHours * 3_600_000,
    });
    this.tokens = new ApiTokensService(db, this.clock, config.auth.tokenMaxDays);
    this.throttle = new LoginThrottle(db, this.clock, config.rateLimit.loginFailuresPerMinute);
    this.audit = new AuditService({
      db,
      key: auditKey,
      clock: this.clock,
      ...(options.onAudit ? { onRecord: options.onAudit } : {}),
    });
    this.accessRequests = new AccessRequestsService(db, this.clock, this.users, this.audit, {
      anonymousAllowed: config.auth.localAccounts,
    });
    this.#roleMap = parseRoleMap(config.auth.oidc.roleMap);
    const { oidc, jwt } = config.auth;
    this.oidc = oidc.issuer
      ? new OidcService(db, this.clock, {
          issuer: oidc.issuer,
          clientId: oidc.clientId,
          clientSecret: oidc.clientSecret,
          redirectUri:
            oidc.redirectUri || new URL('/api/v1/auth/oidc/callback', config.server.publicUrl).href,
          scopes: oidc.scopes.includes('openid') ? oidc.scopes : ['openid', ...oidc.scopes],
        })
      : null;
    this.jwt = jwt.issuer
      ? new JwtVerifier({
          issuer: jwt.issuer,
          audience: jwt.audience,
          jwksUri: jwt.jwksUri,
          algorithms: jwt.algorithms,
          now: () => this.clock.now(),
        })
      : null;
  }

  get localAccounts(): boolean {
    return this.#config.auth.localAccounts;
  }

  /** The principal a signed-in user acts as, from their current record and how they signed in. */
  principalFor(
    user: UserSecrets,
    method: 'local' | 'oidc',
    amr: readonly string[],
    sessionId?: string,
  ): Principal {
    const factors = method === 'local' ? LOCAL_SECOND_FACTORS : this.#config.auth.oidc.secondFactorAmr;
    // An operator's statement that the provider enforces MFA for this application stands in for
    // an amr the provider does not send; it never applies to local accounts.
    const enforced = method === 'oidc' && this.#config.auth.oidc.mfaEnforcedByProvider;
    return {
      id: user.id,
      name: user.username,
      method,
      role: user.effectiveRole,
      secondFactor: enforced || hasSecondFactor(amr, factors),
      amr: [...amr],
      ...(sessionId ? { sessionId } : {}),
    };
  }

  /**
   * Who is calling. Returns null when no credentials were presented; throws ERR_AUTH_INVALID when
   * credentials were presented but are wrong, expired or revoked.
   */
  async authenticate(input: {
    authorization?: string | undefined;
    sessionToken?: string | undefined;
  }): Promise<{ principal: Principal; session?: SessionRecord } | null> {
    if (input.authorization !== undefined) {
      const match = /^Bearer\s+(\S{1,8192})$/i.exec(input.authorization.trim());
      if (!match) throw new AppError('ERR_AUTH_INVALID', 'Use "Authorization: Bearer <token>"');
      return { principal: await this.#authenticateBearer(match[1]) };
    }
    if (input.sessionToken) {
      const session = await this.sessions.resolve(input.sessionToken);
      if (!session) throw new AppError('ERR_AUTH_INVALID', 'The session has ended; sign in again');
      const user = await this.users.get(session.userId);
      if (!user || user.disabled) {
        await this.sessions.endAllForUser(session.userId);
        throw new AppError('ERR_AUTH_INVALID', 'The session has ended; sign in again');
      }
      return { principal: this.principalFor(user, session.method, session.amr, session.idHash), session };
    }
    return null;
  }

  async #authenticateBearer(value: string): Promise<Principal> {
    if (looksLikeApiToken(value)) {
      const token = await this.tokens.resolve(value);
      if (!token) throw new AppError('ERR_AUTH_INVALID', 'The API token is unknown, expired or revoked');
      const owner = await this.users.get(token.userId);
      if (!owner || owner.disabled) throw new AppError('ERR_AUTH_INVALID', 'The API token owner is disabled');
      return {
        id: owner.id,
        name: owner.username,
        method: 'token',
        role: owner.effectiveRole,
        secondFactor: false,
        amr: [],
        scopes: token.scopes,
        tokenId: token.id,
      };
    }
    if (!this.jwt) throw new AppError('ERR_AUTH_INVALID', 'The bearer token is not a gramscope API token');
    const claims = (await this.jwt.verify(value)) as Record<string, unknown>;
    const issuer = String(claims.iss);
    const subject = String(claims.sub);
    const user = await this.users.findByOidc(issuer, subject);
    if (user?.disabled) throw new AppError('ERR_AUTH_INVALID', 'The user is disabled');
    const claimsRole = roleFromClaims(claims, this.#config.auth.oidc.rolesClaim, this.#roleMap);
    const amr = amrFromClaims(claims);
    const name = readClaim(claims, this.#config.auth.oidc.usernameClaim);
    return {
      id: user?.id ?? `jwt:${subject}`.slice(0, 200),
      name: user?.username ?? (typeof name === 'string' ? name : subject).slice(0, 100),
      method: 'jwt',
      role: user ? maxRole(user.effectiveRole, claimsRole) : claimsRole,
      secondFactor: hasSecondFactor(amr, this.#config.auth.oidc.secondFactorAmr),
      amr,
    };
  }

  /**
   * Local sign-in: password, then (when enrolled) a TOTP or recovery code. Failures count towards
   * the per-user and per-address throttle, which answers 429 once used up.
   */
  async loginLocal(
    input: { username: string; password: string; code?: string | undefined },
    origin: RequestOrigin,
  ): Promise<{ token: string; principal: Principal; session: SessionRecord }> {
    if (!this.localAccounts) throw new AppError('ERR_FORBIDDEN', 'Local accounts are not enabled');
    const keys = LoginThrottle.keys(input.username, origin.ip);
    // Counted before anything is checked; handed back below when the attempt was not a failure.
    await this.throttle.reserve(keys);
    const user = await this.users.findByUsername(input.username);
    const fail = async (reason: string): Promise<never> => {
      await this.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        actor: user ? { id: user.id, name: user.username, method: 'local' } : null,
        ip: origin.ip,
        requestId: origin.requestId ?? null,
        details: {
          reason,
          ...(user ? {} : { attemptedUser: normaliseUsername(input.username).slice(0, 64) }),
        },
      });
      throw new AppError('ERR_AUTH_INVALID', 'The user name or password is wrong');
    };
    if (!user || user.source !== 'local' || !user.passwordHash) {
      await verifyPassword(await decoyHash(), input.password);
      return fail('unknown user');
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) return fail('wrong password');
    if (user.disabled) return fail('disabled');
    const amr = ['pwd'];
    if (user.totpEnabled) {
      // Fails closed: an enrolled user whose secret is missing cannot sign in on the password.
      if (!user.totpSecret) return fail('second factor unavailable');
      const code = input.code?.trim();
      if (!code) {
        // The right password alone is not a failure: the same request comes back with the code.
        await this.throttle.release(keys);
        throw new AppError('ERR_AUTH_CODE_REQUIRED');
      }
      const step = verifyTotp(user.totpSecret, code, this.clock.now(), user.totpLastStep);
      if (step !== null && (await this.users.claimTotpStep(user.id, step))) {
        amr.push('otp');
      } else {
        const remaining = consumeRecoveryCode(user.recoveryCodes, code);
        if (!remaining) return fail('wrong second factor');
        await this.users.update(user.id, { recoveryCodes: remaining }, isoUtc(this.clock.now()));
        amr.push('rc');
      }
    }
    await this.throttle.clear(keys[0]);
    await this.throttle.release(keys.slice(1));
    return this.#startSession(user, 'local', amr, origin);
  }

  /** Completes an OIDC sign-in, creating the user record on first sign-in. */
  async loginOidc(
    flowToken: string | undefined,
    callbackUrl: URL,
    origin: RequestOrigin,
  ): Promise<{ token: string; principal: Principal; session: SessionRecord; returnTo: string }> {
    if (!this.oidc) throw new AppError('ERR_FORBIDDEN', 'OpenID Connect sign-in is not configured');
    let identity;
    try {
      identity = await this.oidc.finish(flowToken, callbackUrl);
    } catch (err) {
      await this.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        ip: origin.ip,
        requestId: origin.requestId ?? null,
        details: { method: 'oidc', reason: err instanceof AppError ? err.message : 'error' },
      });
      throw err;
    }
    const { claims } = identity;
    const claimsRole = roleFromClaims(claims, this.#config.auth.oidc.rolesClaim, this.#roleMap);
    const now = isoUtc(this.clock.now());
    let user = await this.users.findByOidc(identity.issuer, identity.subject);
    if (!user) {
      const claimed = readClaim(claims, this.#config.auth.oidc.usernameClaim);
      const base =
        (typeof claimed === 'string' ? claimed : identity.subject)
          .toLowerCase()
          .replace(/[^a-z0-9._@-]+/g, '-')
          .replace(/^[^a-z0-9]+/, '')
          .slice(0, 56) || 'user';
      let username = base;
      for (let i = 2; await this.users.findByUsername(username); i++) username = `${base}-${i}`;
      user = await this.users.create(
        {
          username,
          displayName: typeof claims.name === 'string' ? claims.name : username,
          email: typeof claims.email === 'string' ? claims.email : null,
          role: 'none',
          claimsRole,
          source: 'oidc',
          oidcIssuer: identity.issuer,
          oidcSubject: identity.subject,
        },
        now,
      );
    } else if (user.claimsRole !== claimsRole) {
      await this.users.update(user.id, { claimsRole }, now);
      user = (await this.users.get(user.id))!;
    }
    if (user.disabled) {
      await this.audit.record({
        action: 'auth.login',
        outcome: 'failure',
        actor: { id: user.id, name: user.username, method: 'oidc' },
        ip: origin.ip,
        requestId: origin.requestId ?? null,
        details: { method: 'oidc', reason: 'disabled' },
      });
      throw new AppError('ERR_AUTH_INVALID', 'This account is disabled');
    }
    const amr = amrFromClaims(claims);
    const started = await this.#startSession(user, 'oidc', amr.length ? amr : ['unknown'], origin);
    return { ...started, returnTo: identity.returnTo };
  }

  async #startSession(
    user: UserSecrets,
    method: 'local' | 'oidc',
    amr: readonly string[],
    origin: RequestOrigin,
  ): Promise<{ token: string; principal: Principal; session: SessionRecord }> {
    const { token, record } = await this.sessions.create({
      userId: user.id,
      method,
      amr,
      ip: origin.ip,
      userAgent: origin.userAgent ?? '',
    });
    await this.users.update(user.id, { lastLoginAt: record.createdAt }, record.createdAt);
    const principal = this.principalFor(user, method, amr, record.idHash);
    await this.audit.record({
      action: 'auth.login',
      outcome: 'success',
      actor: actorOf(principal),
      ip: origin.ip,
      requestId: origin.requestId ?? null,
      details: {
        method,
        amr: amr.join(' '),
        secondFactor: principal.secondFactor,
        // Says on the record when the second factor rests on the provider's policy, not on amr.
        ...(method === 'oidc' && this.#config.auth.oidc.mfaEnforcedByProvider
          ? { mfaEnforcedByProvider: true }
          : {}),
      },
    });
    return { token, principal, session: record };
  }

  /** Replaces the current session by a new one with more factors (after TOTP enrolment). */
  async elevateSession(
    principal: Principal,
    amr: readonly string[],
    origin: RequestOrigin,
  ): Promise<{ token: string; principal: Principal; session: SessionRecord }> {
    if (principal.sessionId) await this.sessions.endOne(principal.sessionId);
    const user = await this.users.require(principal.id);
    return this.#startSession(user, principal.method === 'oidc' ? 'oidc' : 'local', amr, origin);
  }

  /** Signs the user out everywhere: every session of theirs ends. */
  async logout(principal: Principal, origin: RequestOrigin): Promise<number> {
    const ended = await this.sessions.endAllForUser(principal.id);
    await this.audit.record({
      action: 'auth.logout',
      actor: actorOf(principal),
      ip: origin.ip,
      requestId: origin.requestId ?? null,
      details: { sessionsEnded: ended },
    });
    return ended;
  }

  /** The single-user principal, used when no identity is configured. */
  singleUser(): Principal {
    return SINGLE_USER;
  }
}
