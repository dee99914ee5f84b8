/**
 * OpenID Connect sign-in with openid-client: authorization code flow with PKCE (S256), `state` and
 * `nonce`, exact issuer from discovery, ID-token audience exactly our client id. Implicit and
 * password grants are never used. Each flow's secrets live server-side in the database under a
 * random id held in a short-lived cookie, and are deleted when the callback arrives, so a replayed
 * callback finds nothing.
 */
import type { Kysely } from 'kysely';
import type * as openid from 'openid-client';
import { AppError } from '../errors.js';
import { isLoopbackHost } from '../server/network.js';
import type { Database } from '../store/schema.js';
import { isoUtc, type Clock } from './clock.js';
import { randomToken, sha256Hex } from './secrets.js';

export const OIDC_FLOW_COOKIE = '__Host-gramscope-oidc';
const FLOW_TTL_MS = 10 * 60_000;

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: readonly string[];
}

export interface OidcIdentity {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
}

// openid-client loads on the first sign-in: most installations have no identity provider, and
// none needs it before answering its first request (cold start, SPEC §3).
let openidModule: Promise<typeof openid> | undefined;
const loadClient = (): Promise<typeof openid> => (openidModule ??= import('openid-client'));

export class OidcService {
  #configuration: Promise<openid.Configuration> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly settings: OidcSettings,
  ) {}

  /** Discovery, once; the issuer in the document must equal the configured one exactly. */
  configuration(): Promise<openid.Configuration> {
    this.#configuration ??= (async () => {
      const issuer = new URL(this.settings.issuer);
      const insecureOk = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
      const client = await loadClient();
      return client.discovery(
        issuer,
        this.settings.clientId,
        this.settings.clientSecret ? { client_secret: this.settings.clientSecret } : undefined,
        this.settings.clientSecret ? client.ClientSecretBasic(this.settings.clientSecret) : client.None(),
        // Plain http only for a provider on this machine (tests, local development).
        insecureOk ? { execute: [client.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      );
    })().catch((err: unknown) => {
      this.#configuration = undefined;
      throw new AppError('ERR_AUTH_PROVIDER', 'The identity provider cannot be reached', { cause: err });
    });
    return this.#configuration;
  }

  /** Starts a flow: returns where to send the browser and the flow cookie value. */
  async start(returnTo: string): Promise<{ url: string; flowToken: string }> {
    const config = await this.configuration();
    const client = await loadClient();
    const flowToken = randomToken();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
    const now = this.clock.now();
    await this.db.deleteFrom('oidc_flows').where('expires_at', '<=', isoUtc(now)).execute();
    await this.db
      .insertInto('oidc_flows')
      .values({
        id_hash: sha256Hex(flowToken),
        state,
        nonce,
        code_verifier: codeVerifier,
        return_to: returnTo,
        expires_at: isoUtc(now + FLOW_TTL_MS),
      })
      .execute();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' '),
      response_type: 'code',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, flowToken };
  }

  /**
   * Completes a flow from the callback URL. The flow is consumed first, whatever happens next, so
   * the same state, nonce and code can never be used twice.
   */
  async finish(
    flowToken: string | undefined,
    callbackUrl: URL,
  ): Promise<OidcIdentity & { returnTo: string }> {
    if (!flowToken || !/^[A-Za-z0-9_-]{43}$/.test(flowToken))
      throw new AppError('ERR_AUTH_INVALID', 'The sign-in flow was not started here or has expired');
    const idHash = sha256Hex(flowToken);
    const flow = await this.db
      .selectFrom('oidc_flows')
      .selectAll()
      .where('id_hash', '=', idHash)
      .executeTakeFirst();
    const deleted = await this.db.deleteFrom('oidc_flows').where('id_hash', '=', idHash).executeTakeFirst();
    if (!flow || Number(deleted.numDeletedRows) !== 1 || this.clock.now() >= Date.parse(flow.expires_at))
      throw new AppError('ERR_AUTH_INVALID', 'The sign-in flow was already used or has expired');
    const config = await this.configuration();
    // The provider answers on our registered redirect URI; rebuild the URL on it so a proxy's
    // internal host name cannot make the comparison fail.
    const current = new URL(this.settings.redirectUri);
    current.search = callbackUrl.search;
    const client = await loadClient();
    let tokens: Awaited<ReturnType<typeof openid.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.code_verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      const detail =
        (err as { code?: string; error?: string }).error ?? (err as { code?: string }).code ?? 'invalid';
      throw new AppError('ERR_AUTH_INVALID', `The identity provider's answer was refused (${detail})`, {
        cause: err,
      });
    }
    const claims = tokens.claims() as Record<string, unknown> | undefined;
    if (!claims) throw new AppError('ERR_AUTH_INVALID', 'The identity provider returned no ID token');
    const aud = claims.aud;
    const audOk =
      aud === this.settings.clientId ||
      (Array.isArray(aud) && aud.length === 1 && aud[0] === this.settings.clientId);
    if (!audOk) throw new AppError('ERR_AUTH_INVALID', 'The ID token was issued for another client');
    if (claims.iss !== this.settings.issuer && claims.iss !== config.serverMetadata().issuer)
      throw new AppError('ERR_AUTH_INVALID', 'The ID token comes from another issuer');
    if (typeof claims.sub !== 'string' || !claims.sub)
      throw new AppError('ERR_AUTH_INVALID', 'The ID token has no subject');
    return { issuer: String(claims.iss), subject: claims.sub, claims, returnTo: flow.return_to };
  }
}
