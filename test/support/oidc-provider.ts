/**
 * A real OpenID provider (the `oidc-provider` package, the certified Node implementation) on
 * 127.0.0.1 for sign-in tests, with a scripted login: the test says which account signs in next
 * and with which authentication methods (amr). A test may also rewrite the ID token the token
 * endpoint returns, re-signed with the provider's own key, to play a provider that misbehaves
 * (wrong audience, wrong issuer, an old nonce): gramscope must refuse those even though the
 * signature is valid.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface ProviderAccount {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  accounts: Map<string, ProviderAccount>;
  /** Who signs in at the next login prompt, and how. */
  nextLogin: { accountId: string; amr: string[] };
  /** When set, rewrites the claims of the next ID tokens the token endpoint issues. */
  tamperIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Requests the provider served at its token endpoint (a replayed code must not get far). */
  tokenRequests: number;
  close(): Promise<void>;
}

export async function startTestProvider(
  options: { redirectUri?: string; clientId?: string; clientSecret?: string } = {},
): Promise<TestProvider> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingJwk: JWK = {
    ...(await exportJWK(privateKey)),
    kid: 'test-provider-1',
    alg: 'RS256',
    use: 'sig',
  };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

  const state: TestProvider = {
    issuer,
    clientId: options.clientId ?? 'gramscope',
    clientSecret: options.clientSecret ?? 'provider-client-secret-4f1b2c9d7e',
    redirectUri: options.redirectUri ?? 'https://gramscope.test/api/v1/auth/oidc/callback',
    accounts: new Map(),
    nextLogin: { accountId: '', amr: ['pwd'] },
    tamperIdToken: null,
    tokenRequests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        redirect_uris: [state.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // Another application at the same provider, for audience tests.
        client_id: 'other-app',
        client_secret: 'other-app-secret-9a8b7c6d5e4f',
        redirect_uris: ['https://other.test/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingJwk] },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    // Group and profile claims go into the ID token itself, as Entra ID and Keycloak do.
    conformIdTokenClaims: false,
    claims: {
      // amr rides along with openid, as Entra ID sends it (Keycloak with its amr mapper): it is
      // how the provider tells gramscope whether a second factor was used.
      openid: ['sub', 'amr'],
      profile: ['preferred_username', 'name', 'groups'],
      email: ['email'],
    },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    async findAccount(_ctx: unknown, sub: string) {
      const account = state.accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
    // Consent is implied (the organisation's own application), so only the login prompt runs.
    async loadExistingGrant(ctx: ProviderContext) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
    ttl: {
      Interaction: 600,
      Session: 600,
      Grant: 600,
      AuthorizationCode: 60,
      AccessToken: 600,
      IdToken: 600,
    },
  });

  provider.use(async (ctx: KoaContext, next: () => Promise<void>) => {
    const interaction = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (interaction) {
      // The scripted login: no form, the test decides who the person is.
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
      const to = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: state.nextLogin.accountId, amr: state.nextLogin.amr, remember: false } },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(to);
      return;
    }
    await next();
    if (ctx.path === '/token') {
      state.tokenRequests++;
      const body = ctx.body as { id_token?: string } | undefined;
      if (state.tamperIdToken && body?.id_token) {
        const claims = state.tamperIdToken(decodeJwt(body.id_token));
        body.id_token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid!, typ: 'JWT' })
          .sign(privateKey);
      }
    }
  });

  server.on('request', provider.callback());
  return state;
}

interface ProviderContext {
  oidc: {
    provider: Provider;
    client: { clientId: string };
    session: { accountId: string };
  };
}

interface KoaContext {
  path: string;
  req: IncomingMessage;
  res: ServerResponse;
  status: number;
  body: unknown;
  redirect(url: string): void;
}

/**
 * Plays the browser between gramscope's redirect and the provider's answer: follows the provider's
 * redirects with its cookies until the provider sends the browser back to gramscope, and returns
 * that callback URL.
 */
export async function runProviderLogin(authorizationUrl: string, redirectUri: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`provider answered ${res.status} without a redirect: ${await res.text()}`);
    const next = new URL(location, url);
    if (next.href.startsWith(redirectUri)) return next;
    url = next.href;
  }
  throw new Error('too many redirects at the provider');
}
