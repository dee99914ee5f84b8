/**
 * Bearer JWTs from the identity provider, for machine clients and gateways. jose verifies them
 * against the issuer's published keys only: the algorithm must be on an asymmetric allowlist (so
 * `alg: none` and HS256-signed-with-the-public-key confusion fail), `iss` must match exactly, `aud`
 * must contain the configured audience, `exp` is required and `nbf` honoured. Keys named in the
 * token's own header (`jku`, `x5u`, `jwk`) are never fetched or trusted.
 */
import type * as jose from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.js';

export interface JwtVerifierOptions {
  issuer: string;
  audience: string;
  jwksUri: string;
  algorithms: readonly string[];
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSeconds?: number;
  /** Current time (seconds-precision comes from this), for tests. */
  now?: () => number;
}

// jose (dozens of modules) loads with the first bearer token, not at start (cold start, SPEC §3).
let joseModule: Promise<typeof jose> | undefined;
const loadJose = (): Promise<typeof jose> => (joseModule ??= import('jose'));

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$/;

export class JwtVerifier {
  readonly #options: JwtVerifierOptions;
  readonly #algorithms: string[];
  #keys: Promise<JWTVerifyGetKey> | undefined;

  constructor(options: JwtVerifierOptions) {
    this.#options = options;
    this.#algorithms = options.algorithms.filter((a) => ASYMMETRIC.test(a));
  }

  #keySet(): Promise<JWTVerifyGetKey> {
    this.#keys ??= (async () => {
      let uri = this.#options.jwksUri;
      if (!uri) {
        const discovery = new URL(
          '.well-known/openid-configuration',
          this.#options.issuer.replace(/\/?$/, '/'),
        );
        const response = await fetch(discovery, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`discovery answered ${response.status}`);
        const body = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
        if (body.issuer !== this.#options.issuer || typeof body.jwks_uri !== 'string')
          throw new Error('discovery document does not match the configured issuer');
        uri = body.jwks_uri;
      }
      const { createRemoteJWKSet } = await loadJose();
      return createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    })().catch((err: unknown) => {
      this.#keys = undefined;
      throw err;
    });
    return this.#keys;
  }

  /**
   * @example
   * const claims = await verifier.verify(bearer); // throws ERR_AUTH_INVALID when anything is off
   */
  async verify(token: string): Promise<JWTPayload> {
    const { decodeProtectedHeader, jwtVerify } = await loadJose();
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (err) {
      throw new AppError('ERR_AUTH_INVALID', 'The bearer token is not a valid JWT', { cause: err });
    }
    if (typeof alg !== 'string' || !this.#algorithms.includes(alg))
      throw new AppError('ERR_AUTH_INVALID', 'The bearer token uses an algorithm that is not accepted');
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.#keySet();
    } catch (err) {
      throw new AppError('ERR_AUTH_INVALID', 'The token issuer cannot be reached to check the token', {
        cause: err,
      });
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        algorithms: this.#algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: this.#options.clockToleranceSeconds ?? 30,
        ...(this.#options.now ? { currentDate: new Date(this.#options.now()) } : {}),
      });
      return payload;
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'invalid';
      throw new AppError('ERR_AUTH_INVALID', `The bearer token was refused (${code})`, { cause: err });
    }
  }
}
