/**
 * The configuration schema: every setting declared once with its environment variable, default and
 * bounds. `loadConfig` validates all of them at start-up and names every bad one in a single error.
 */
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 0, maximum: 65535 });

export const ConfigSchema = Type.Object({
  server: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Port,
    /** Origins allowed by CORS and for the live WebSocket, besides the server's own. */
    corsOrigins: Type.Array(Type.String()),
    /** Trust X-Forwarded-* from a reverse proxy (ingress, SASE gateway). */
    trustProxy: Type.Boolean(),
    /** Seconds to let in-flight requests finish after SIGTERM. */
    shutdownGraceSeconds: Type.Number({ minimum: 0, maximum: 600 }),
    /** Seconds to keep serving after readiness fails on SIGTERM, while load balancers catch up. */
    shutdownDelaySeconds: Type.Number({ minimum: 0, maximum: 120 }),
    /** The external URL users reach (https://gramscope.example.org); origin checks and OIDC use it. */
    publicUrl: Type.String(),
  }),
  storage: Type.Object({
    /** Folder for the SQLite file, retained images and models. */
    dataDir: Type.String({ minLength: 1 }),
    /** postgres://… selects PostgreSQL; empty means SQLite in dataDir. */
    databaseUrl: Type.String(),
    /** Keep uploaded images (re-encoded without metadata). Off by default: only results are stored. */
    retainImages: Type.Boolean(),
    /**
     * Days a retained original image is kept before the retention run deletes it (the analysis and
     * its detections stay); 0 keeps images forever. An admin may override it at run time.
     */
    imageRetentionDays: Type.Integer({ minimum: 0, maximum: 36_500 }),
    /** S3 bucket for retained images and models; empty keeps them in dataDir/blobs. */
    s3Bucket: Type.String(),
    /** S3-compatible endpoint URL (MinIO, Ceph, Azure gateway); empty means AWS. */
    s3Endpoint: Type.String(),
    s3Region: Type.String({ minLength: 1 }),
    /** Key prefix inside the bucket, so several installations can share one. */
    s3Prefix: Type.String({ pattern: '^([a-z0-9][a-z0-9/_.-]*/)?$' }),
    /** Path-style addressing (bucket in the path), which most S3-compatible servers need. */
    s3ForcePathStyle: Type.Boolean(),
    /** Keys for data at rest as `id:base64` (32 bytes each); the first encrypts, all decrypt. */
    encryptionKeys: Type.Array(Type.String()),
  }),
  intake: Type.Object({
    maxBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024 * 1024 }),
    maxPixels: Type.Integer({ minimum: 1024, maximum: 1_000_000_000 }),
    decodeTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
  }),
  analysis: Type.Object({
    defaultEngine: Type.String({ minLength: 1 }),
    /** Calibration profile used when a request names none; empty means estimate the scale. */
    defaultProfile: Type.String(),
    /** Analyses run at once; 0 means one per CPU core. */
    concurrency: Type.Integer({ minimum: 0, maximum: 256 }),
    /** Analyses allowed to wait; beyond this the server answers 503 with Retry-After. */
    queueLimit: Type.Integer({ minimum: 0, maximum: 100_000 }),
    deadlineMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
    /** Run engines on worker threads (the event loop stays free); false runs them inline. */
    threads: Type.Boolean(),
    /** Heap limit of each worker thread, in MiB. */
    workerMemoryMb: Type.Integer({ minimum: 64, maximum: 65_536 }),
    /** Seconds a worker beyond the first may stay idle before it exits; 0 keeps them all. */
    workerIdleSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
  }),
  live: Type.Object({
    /** Largest accepted live frame, in bytes. */
    maxFrameBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024 }),
    /** Live frames larger than this on either side are downscaled before analysis. */
    maxSide: Type.Integer({ minimum: 64, maximum: 8192 }),
  }),
  reports: Type.Object({
    /** IANA time zone for times printed on reports; empty uses the machine's zone. */
    timeZone: Type.String({ maxLength: 64 }),
    /** A TrueType/OpenType font with Japanese glyphs; empty searches the Debian font packages. */
    fontPath: Type.String(),
    /** Laboratory name printed in the report header. */
    siteName: Type.String({ maxLength: 120 }),
  }),
  fhir: Type.Object({
    /** FHIR R4 base URL that receives signed-off reports; empty turns delivery off. */
    endpoint: Type.String({ pattern: '^(|https?://\\S+)$' }),
    /** 'r4' for plain FHIR R4, 'jp-core' to add the JP Core microbiology profiles. */
    profile: Type.Union([Type.Literal('r4'), Type.Literal('jp-core')]),
    /** Bearer token sent to the endpoint (empty: none). */
    bearerToken: Type.String(),
    /** System URI for the identifiers gramscope assigns to reports, observations, specimens. */
    identifierSystem: Type.String({ minLength: 1, pattern: '^\\S+:\\S+$' }),
    /** JLAC10 17-digit code for the Gram-stain smear at this site (JP Core); empty leaves it out. */
    jlac10Code: Type.String({ pattern: '^(|[0-9A-Z]{17})$' }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
    retryBaseMs: Type.Integer({ minimum: 1, maximum: 3_600_000 }),
    retryMaxMs: Type.Integer({ minimum: 1, maximum: 86_400_000 }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
  }),
  onnx: Type.Object({
    /** Intra-op threads per ONNX session; 0 lets the runtime use one per physical core. */
    threads: Type.Integer({ minimum: 0, maximum: 256 }),
    /** Sessions (worker threads) per loaded model. */
    workers: Type.Integer({ minimum: 1, maximum: 64 }),
    maxQueue: Type.Integer({ minimum: 1, maximum: 100_000 }),
    provider: Type.Union([Type.Literal('auto'), Type.Literal('cpu'), Type.Literal('cuda')]),
    /** Detector tiling for every model: `card` follows each model card. */
    tiling: Type.Union([
      Type.Literal('card'),
      Type.Literal('auto'),
      Type.Literal('whole'),
      Type.Literal('tiled'),
    ]),
    maxModelBytes: Type.Integer({ minimum: 1024, maximum: 8 * 1024 * 1024 * 1024 }),
  }),
  auth: Type.Object({
    /** Local accounts (argon2id passwords + TOTP) for sites without an identity provider. */
    localAccounts: Type.Boolean(),
    oidc: Type.Object({
      issuer: Type.String(),
      clientId: Type.String(),
      clientSecret: Type.String(),
      redirectUri: Type.String(),
      scopes: Type.Array(Type.String({ minLength: 1 })),
      usernameClaim: Type.String({ minLength: 1 }),
      rolesClaim: Type.String({ minLength: 1 }),
      /** `claim-value=role` pairs. */
      roleMap: Type.Array(Type.String({ pattern: '^[^=]+=(viewer|analyst|reviewer|admin)$' })),
      /** `amr` values (RFC 8176) that count as a second factor. */
      secondFactorAmr: Type.Array(Type.String({ minLength: 1 })),
      /**
       * The provider itself refuses sign-in to this application without MFA (e.g. an Entra ID
       * Conditional Access policy), for providers whose ID tokens carry no `amr`.
       */
      mfaEnforcedByProvider: Type.Boolean(),
    }),
    jwt: Type.Object({
      issuer: Type.String(),
      audience: Type.String(),
      jwksUri: Type.String(),
      algorithms: Type.Array(
        Type.Union(
          ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'].map(
            (a) => Type.Literal(a),
          ),
        ),
        { minItems: 1 },
      ),
    }),
    sessionIdleMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60 }),
    sessionAbsoluteHours: Type.Integer({ minimum: 1, maximum: 24 * 30 }),
    tokenMaxDays: Type.Integer({ minimum: 1, maximum: 3650 }),
  }),
  rateLimit: Type.Object({
    /** Failed sign-ins allowed per user name and per address per minute; the next is refused (429). */
    loginFailuresPerMinute: Type.Integer({ minimum: 1, maximum: 1000 }),
    perUserPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    perAddressPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    analysesPerMinute: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** Redis that replicas share the request counts in; empty: each replica counts alone. */
    redisUrl: Type.String({ pattern: '^(|rediss?://.+)$' }),
  }),
  audit: Type.Object({
    /** HMAC key of the audit chain; empty: a key file in the data directory. */
    key: Type.String(),
  }),
  log: Type.Object({
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    ),
  }),
});

export type Config = Static<typeof ConfigSchema>;

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list';

export interface Setting {
  /** Dotted path into Config. */
  readonly path: string;
  readonly env: string;
  readonly kind: Kind;
  readonly default: string | number | boolean | readonly string[];
  readonly description: string;
}

/** Every setting, its environment variable and default. docs/configuration.md is generated from this. */
export const SETTINGS: readonly Setting[] = [
  {
    path: 'server.host',
    env: 'GRAMSCOPE_HOST',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address to listen on. Without an identity provider only loopback is allowed.',
  },
  {
    path: 'server.port',
    env: 'GRAMSCOPE_PORT',
    kind: 'integer',
    default: 8080,
    description: 'TCP port to listen on (0 picks a free port).',
  },
  {
    path: 'server.corsOrigins',
    env: 'GRAMSCOPE_CORS_ORIGINS',
    kind: 'list',
    default: [],
    description: 'Comma-separated origins allowed for CORS and the live WebSocket.',
  },
  {
    path: 'server.trustProxy',
    env: 'GRAMSCOPE_TRUST_PROXY',
    kind: 'boolean',
    default: false,
    description: 'Trust X-Forwarded-For/Proto from a reverse proxy.',
  },
  {
    path: 'server.shutdownGraceSeconds',
    env: 'GRAMSCOPE_SHUTDOWN_GRACE_SECONDS',
    kind: 'number',
    default: 20,
    description:
      "Seconds from SIGTERM to a forced exit: in-flight requests finish within it. Keep it below the orchestrator's own grace period (Kubernetes: terminationGracePeriodSeconds).",
  },
  {
    path: 'server.shutdownDelaySeconds',
    env: 'GRAMSCOPE_SHUTDOWN_DELAY_SECONDS',
    kind: 'number',
    default: 0,
    description:
      'Seconds to keep accepting requests after SIGTERM while readiness already fails, so load balancers stop routing here first (5 on Kubernetes).',
  },
  {
    path: 'server.publicUrl',
    env: 'GRAMSCOPE_PUBLIC_URL',
    kind: 'string',
    default: '',
    description:
      'External URL of the service (https://…), used for origin checks and the OIDC redirect. Empty: taken from each request.',
  },
  {
    path: 'storage.dataDir',
    env: 'GRAMSCOPE_DATA',
    kind: 'string',
    default: './data',
    description: 'Data directory: SQLite file, retained images, models.',
  },
  {
    path: 'storage.databaseUrl',
    env: 'DATABASE_URL',
    kind: 'string',
    default: '',
    description: 'postgres://… to use PostgreSQL; empty for SQLite in the data directory.',
  },
  {
    path: 'storage.retainImages',
    env: 'GRAMSCOPE_RETAIN_IMAGES',
    kind: 'boolean',
    default: false,
    description: 'Keep uploaded images (metadata stripped). Off: only results are stored.',
  },
  {
    path: 'storage.imageRetentionDays',
    env: 'GRAMSCOPE_IMAGE_RETENTION_DAYS',
    kind: 'integer',
    default: 90,
    description:
      'Days a retained original image is kept; an hourly run (and `gramscope retention purge`) deletes older ones, keeping the analysis, its detections and reviews. 0 keeps images forever. An admin can override it in the web app (stored in the database).',
  },
  {
    path: 'storage.s3Bucket',
    env: 'GRAMSCOPE_S3_BUCKET',
    kind: 'string',
    default: '',
    description:
      'S3 bucket for retained images and models; empty keeps them in the data directory. Credentials come from the AWS SDK default chain (environment, web identity, ECS task role, instance profile).',
  },
  {
    path: 'storage.s3Endpoint',
    env: 'GRAMSCOPE_S3_ENDPOINT',
    kind: 'string',
    default: '',
    description: 'Endpoint URL of an S3-compatible server (MinIO, Ceph); empty for AWS.',
  },
  {
    path: 'storage.s3Region',
    env: 'GRAMSCOPE_S3_REGION',
    kind: 'string',
    default: 'us-east-1',
    description: 'Region of the S3 bucket.',
  },
  {
    path: 'storage.s3Prefix',
    env: 'GRAMSCOPE_S3_PREFIX',
    kind: 'string',
    default: '',
    description: 'Key prefix inside the bucket, ending in `/` (e.g. `gramscope/`).',
  },
  {
    path: 'storage.s3ForcePathStyle',
    env: 'GRAMSCOPE_S3_FORCE_PATH_STYLE',
    kind: 'boolean',
    default: false,
    description: 'Address the bucket in the path (most S3-compatible servers need this).',
  },
  {
    path: 'storage.encryptionKeys',
    env: 'GRAMSCOPE_ENCRYPTION_KEYS',
    kind: 'list',
    default: [],
    description:
      'Keys for data at rest (retained images and authenticator secrets), comma-separated `id:base64` (32 random bytes each, e.g. `k1:$(openssl rand -base64 32)`). The first encrypts new objects; all decrypt, so keys rotate by prepending. Required when images are retained; without it authenticator secrets are sealed with a key derived from the audit key.',
  },
  {
    path: 'intake.maxBytes',
    env: 'GRAMSCOPE_MAX_UPLOAD_BYTES',
    kind: 'integer',
    default: 40 * 1024 * 1024,
    description: 'Largest accepted image file, in bytes.',
  },
  {
    path: 'intake.maxPixels',
    env: 'GRAMSCOPE_MAX_PIXELS',
    kind: 'integer',
    default: 50_000_000,
    description: 'Largest accepted image, in pixels (checked before decoding).',
  },
  {
    path: 'intake.decodeTimeoutMs',
    env: 'GRAMSCOPE_DECODE_TIMEOUT_MS',
    kind: 'integer',
    default: 15_000,
    description: 'Longest time decoding one image may take.',
  },
  {
    path: 'analysis.defaultEngine',
    env: 'GRAMSCOPE_ENGINE',
    kind: 'string',
    default: 'morphology',
    description: 'Engine used when a request names none.',
  },
  {
    path: 'analysis.defaultProfile',
    env: 'GRAMSCOPE_PROFILE',
    kind: 'string',
    default: '',
    description: 'Calibration profile used when a request names none; empty estimates the scale.',
  },
  {
    path: 'analysis.concurrency',
    env: 'GRAMSCOPE_CONCURRENCY',
    kind: 'integer',
    default: 0,
    description: 'Analyses run at once (0: one per CPU core).',
  },
  {
    path: 'analysis.queueLimit',
    env: 'GRAMSCOPE_QUEUE_LIMIT',
    kind: 'integer',
    default: 16,
    description: 'Analyses allowed to wait before the server answers 503.',
  },
  {
    path: 'analysis.deadlineMs',
    env: 'GRAMSCOPE_DEADLINE_MS',
    kind: 'integer',
    default: 30_000,
    description: 'Longest time one analysis may take, queueing included.',
  },
  {
    path: 'reports.timeZone',
    env: 'GRAMSCOPE_REPORT_TIMEZONE',
    kind: 'string',
    default: '',
    description:
      'IANA time zone for times printed on PDF reports (e.g. Asia/Tokyo); empty uses the machine zone.',
  },
  {
    path: 'reports.fontPath',
    env: 'GRAMSCOPE_REPORT_FONT',
    kind: 'string',
    default: '',
    description:
      'Font file with Japanese glyphs for PDF reports; empty searches fonts-ipaexfont-gothic, then fonts-noto-cjk.',
  },
  {
    path: 'reports.siteName',
    env: 'GRAMSCOPE_REPORT_SITE',
    kind: 'string',
    default: '',
    description: 'Laboratory name printed in the PDF report header.',
  },
  {
    path: 'fhir.endpoint',
    env: 'GRAMSCOPE_FHIR_ENDPOINT',
    kind: 'string',
    default: '',
    description:
      'FHIR R4 base URL that receives each report when it is signed off; empty turns delivery off.',
  },
  {
    path: 'fhir.profile',
    env: 'GRAMSCOPE_FHIR_PROFILE',
    kind: 'string',
    default: 'r4',
    description:
      "'r4' for plain FHIR R4 resources, 'jp-core' to add the JP Core microbiology profiles and codes.",
  },
  {
    path: 'fhir.bearerToken',
    env: 'GRAMSCOPE_FHIR_TOKEN',
    kind: 'string',
    default: '',
    description: 'Bearer token sent with FHIR deliveries (empty: none). Never logged.',
  },
  {
    path: 'fhir.identifierSystem',
    env: 'GRAMSCOPE_FHIR_IDENTIFIER_SYSTEM',
    kind: 'string',
    default: 'urn:gramscope:id',
    description:
      'System URI of the identifiers gramscope gives reports, observations, specimens and devices.',
  },
  {
    path: 'fhir.jlac10Code',
    env: 'GRAMSCOPE_FHIR_JLAC10_CODE',
    kind: 'string',
    default: '',
    description: "The site's 17-digit JLAC10 code for a Gram-stain smear (JP Core); empty leaves JLAC10 out.",
  },
  {
    path: 'fhir.maxAttempts',
    env: 'GRAMSCOPE_FHIR_MAX_ATTEMPTS',
    kind: 'integer',
    default: 8,
    description: 'Delivery attempts per report before it is marked failed (an admin can requeue it).',
  },
  {
    path: 'fhir.retryBaseMs',
    env: 'GRAMSCOPE_FHIR_RETRY_BASE_MS',
    kind: 'integer',
    default: 2000,
    description: 'Wait before the first retry; doubles after each failed attempt (Retry-After is honoured).',
  },
  {
    path: 'fhir.retryMaxMs',
    env: 'GRAMSCOPE_FHIR_RETRY_MAX_MS',
    kind: 'integer',
    default: 300_000,
    description: 'Longest wait between two delivery attempts.',
  },
  {
    path: 'fhir.timeoutMs',
    env: 'GRAMSCOPE_FHIR_TIMEOUT_MS',
    kind: 'integer',
    default: 15_000,
    description: 'Longest time one delivery attempt may take.',
  },
  {
    path: 'analysis.threads',
    env: 'GRAMSCOPE_ANALYSIS_THREADS',
    kind: 'boolean',
    default: true,
    description: 'Run engines on worker threads so the event loop stays responsive; false runs them inline.',
  },
  {
    path: 'analysis.workerMemoryMb',
    env: 'GRAMSCOPE_WORKER_MEMORY_MB',
    kind: 'integer',
    default: 1024,
    description: 'Heap limit of each analysis worker thread, in MiB.',
  },
  {
    path: 'analysis.workerIdleSeconds',
    env: 'GRAMSCOPE_WORKER_IDLE_SECONDS',
    kind: 'integer',
    default: 300,
    description:
      'Seconds an analysis worker thread beyond the first may stay idle before it exits and returns its memory (it restarts when two analyses overlap again); 0 keeps every worker for the life of the process.',
  },
  {
    path: 'live.maxFrameBytes',
    env: 'GRAMSCOPE_LIVE_MAX_FRAME_BYTES',
    kind: 'integer',
    default: 4 * 1024 * 1024,
    description: 'Largest accepted live WebSocket frame, in bytes; a larger one closes the socket (1009).',
  },
  {
    path: 'live.maxSide',
    env: 'GRAMSCOPE_LIVE_MAX_SIDE',
    kind: 'integer',
    default: 1280,
    description: 'Live frames larger than this on either side are downscaled before analysis.',
  },
  {
    path: 'onnx.threads',
    env: 'GRAMSCOPE_ONNX_THREADS',
    kind: 'integer',
    default: 0,
    description: 'Threads per ONNX session (0: one per physical core).',
  },
  {
    path: 'onnx.workers',
    env: 'GRAMSCOPE_ONNX_WORKERS',
    kind: 'integer',
    default: 1,
    description: 'Inferences of one ONNX model that run at once, each in its own worker thread.',
  },
  {
    path: 'onnx.maxQueue',
    env: 'GRAMSCOPE_ONNX_MAX_QUEUE',
    kind: 'integer',
    default: 256,
    description: 'Inference tasks (images, tiles, crop batches) allowed to wait per model.',
  },
  {
    path: 'onnx.provider',
    env: 'GRAMSCOPE_ONNX_PROVIDER',
    kind: 'string',
    default: 'auto',
    description: 'ONNX execution provider: auto (CUDA when installed, else CPU), cpu or cuda.',
  },
  {
    path: 'onnx.tiling',
    env: 'GRAMSCOPE_ONNX_TILING',
    kind: 'string',
    default: 'card',
    description: 'Detector tiling: card (each model card decides), auto, whole or tiled.',
  },
  {
    path: 'onnx.maxModelBytes',
    env: 'GRAMSCOPE_MAX_MODEL_BYTES',
    kind: 'integer',
    default: 1024 * 1024 * 1024,
    description: 'Largest accepted ONNX model file, in bytes.',
  },
  {
    path: 'auth.localAccounts',
    env: 'GRAMSCOPE_LOCAL_ACCOUNTS',
    kind: 'boolean',
    default: false,
    description:
      'Enable local accounts (argon2id passwords, TOTP second factor). Any identity turns single-user mode off.',
  },
  {
    path: 'auth.oidc.issuer',
    env: 'GRAMSCOPE_OIDC_ISSUER',
    kind: 'string',
    default: '',
    description:
      'OpenID Connect issuer URL (exact). Setting it enables OIDC sign-in and turns single-user mode off.',
  },
  {
    path: 'auth.oidc.clientId',
    env: 'GRAMSCOPE_OIDC_CLIENT_ID',
    kind: 'string',
    default: '',
    description: 'OIDC client id; ID tokens must have exactly this audience.',
  },
  {
    path: 'auth.oidc.clientSecret',
    env: 'GRAMSCOPE_OIDC_CLIENT_SECRET',
    kind: 'string',
    default: '',
    description: 'OIDC client secret (empty for a public client using PKCE only).',
  },
  {
    path: 'auth.oidc.redirectUri',
    env: 'GRAMSCOPE_OIDC_REDIRECT_URI',
    kind: 'string',
    default: '',
    description:
      'Redirect URI registered at the provider. Empty: GRAMSCOPE_PUBLIC_URL + /api/v1/auth/oidc/callback.',
  },
  {
    path: 'auth.oidc.scopes',
    env: 'GRAMSCOPE_OIDC_SCOPES',
    kind: 'list',
    default: ['openid', 'profile', 'email'],
    description: 'Scopes requested at sign-in.',
  },
  {
    path: 'auth.oidc.usernameClaim',
    env: 'GRAMSCOPE_OIDC_USERNAME_CLAIM',
    kind: 'string',
    default: 'preferred_username',
    description: 'ID-token claim used as the user name shown in the audit log.',
  },
  {
    path: 'auth.oidc.rolesClaim',
    env: 'GRAMSCOPE_OIDC_ROLES_CLAIM',
    kind: 'string',
    default: 'groups',
    description:
      'ID-token / JWT claim holding group or role names (Entra ID: roles or groups; Keycloak: groups).',
  },
  {
    path: 'auth.oidc.roleMap',
    env: 'GRAMSCOPE_OIDC_ROLE_MAP',
    kind: 'list',
    default: [],
    description:
      'Comma-separated value=role pairs mapping claim values to roles, e.g. lab-staff=analyst,lab-leads=reviewer.',
  },
  {
    path: 'auth.oidc.secondFactorAmr',
    env: 'GRAMSCOPE_OIDC_MFA_AMR',
    kind: 'list',
    default: ['mfa', 'otp', 'hwk', 'swk', 'sc', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pop', 'sms', 'tel'],
    description:
      'amr values (RFC 8176) that show a second factor; without one, reviewer and admin actions are refused.',
  },
  {
    path: 'auth.oidc.mfaEnforcedByProvider',
    env: 'GRAMSCOPE_OIDC_MFA_ENFORCED',
    kind: 'boolean',
    default: false,
    description:
      'Count every OIDC sign-in as two factors because the provider refuses this application without MFA (Entra ID Conditional Access; its v2.0 ID tokens carry no amr). Set only when such a policy covers every user of the application.',
  },
  {
    path: 'auth.jwt.issuer',
    env: 'GRAMSCOPE_JWT_ISSUER',
    kind: 'string',
    default: '',
    description:
      'Issuer of bearer JWTs accepted from machine clients (exact). Empty: bearer JWTs are refused.',
  },
  {
    path: 'auth.jwt.audience',
    env: 'GRAMSCOPE_JWT_AUDIENCE',
    kind: 'string',
    default: '',
    description: 'Audience bearer JWTs must carry.',
  },
  {
    path: 'auth.jwt.jwksUri',
    env: 'GRAMSCOPE_JWT_JWKS_URI',
    kind: 'string',
    default: '',
    description: "JWKS URL of the JWT issuer. Empty: taken from the issuer's discovery document.",
  },
  {
    path: 'auth.jwt.algorithms',
    env: 'GRAMSCOPE_JWT_ALGORITHMS',
    kind: 'list',
    default: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    description:
      'Signature algorithms accepted for bearer JWTs (asymmetric only; none and HS* are never accepted).',
  },
  {
    path: 'auth.sessionIdleMinutes',
    env: 'GRAMSCOPE_SESSION_IDLE_MINUTES',
    kind: 'integer',
    default: 30,
    description: 'A session unused this long ends.',
  },
  {
    path: 'auth.sessionAbsoluteHours',
    env: 'GRAMSCOPE_SESSION_ABSOLUTE_HOURS',
    kind: 'integer',
    default: 12,
    description: 'A session ends this long after sign-in, used or not.',
  },
  {
    path: 'auth.tokenMaxDays',
    env: 'GRAMSCOPE_TOKEN_MAX_DAYS',
    kind: 'integer',
    default: 365,
    description: 'Longest lifetime of an API token.',
  },
  {
    path: 'rateLimit.loginFailuresPerMinute',
    env: 'GRAMSCOPE_RATE_LIMIT_LOGIN_FAILURES',
    kind: 'integer',
    default: 5,
    description:
      'Failed sign-ins allowed per user name and per address in a minute; the next attempt gets 429.',
  },
  {
    path: 'rateLimit.perUserPerMinute',
    env: 'GRAMSCOPE_RATE_LIMIT_USER',
    kind: 'integer',
    default: 1200,
    description: 'Requests per minute per signed-in user or token (not in single-user mode).',
  },
  {
    path: 'rateLimit.perAddressPerMinute',
    env: 'GRAMSCOPE_RATE_LIMIT_ADDRESS',
    kind: 'integer',
    default: 300,
    description: 'Requests per minute per client address before authentication (not in single-user mode).',
  },
  {
    path: 'rateLimit.analysesPerMinute',
    env: 'GRAMSCOPE_RATE_LIMIT_ANALYSES',
    kind: 'integer',
    default: 120,
    description: 'Analyses per minute per user or token (not in single-user mode).',
  },
  {
    path: 'rateLimit.redisUrl',
    env: 'GRAMSCOPE_REDIS_URL',
    kind: 'string',
    default: '',
    description:
      'Redis (redis:// or rediss://) in which all replicas count requests, so the per-user, per-address and analysis limits hold across replicas. Empty: each replica counts alone (sign-in failures are always shared through the database). If Redis is unreachable, the limits are skipped rather than refusing every request.',
  },
  {
    path: 'audit.key',
    env: 'GRAMSCOPE_AUDIT_KEY',
    kind: 'string',
    default: '',
    description:
      'Secret key (32+ characters) of the audit hash chain. Empty: a key file audit.key in the data directory. Replicas must share one.',
  },
  {
    path: 'log.level',
    env: 'GRAMSCOPE_LOG_LEVEL',
    kind: 'string',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent.',
  },
];
