/**
 * The error catalogue. Every error the product reports is declared here once, with its HTTP status
 * and the CLI exit code it maps to; docs/errors.md lists the same codes (a test keeps them in step).
 * Callers narrow on `err.code`, a string-literal union, never on message text.
 */

/** CLI exit codes, grouped by who must act: the user's input, the environment, or us. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  notFound: 4,
  auth: 5,
  unavailable: 6,
  config: 78,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface CatalogueEntry {
  readonly status: number;
  readonly exit: ExitCode;
  readonly message: string;
}

const entry = (status: number, exit: ExitCode, message: string): CatalogueEntry => ({
  status,
  exit,
  message,
});

export const ERROR_CATALOGUE = {
  // Configuration and usage
  ERR_CONFIG_INVALID: entry(500, EXIT.config, 'The configuration is invalid'),
  ERR_CONFIG_UNSAFE_BIND: entry(
    500,
    EXIT.config,
    'Refusing to listen beyond loopback without an identity provider',
  ),
  ERR_USAGE: entry(400, EXIT.usage, 'Invalid command-line usage'),
  // Image intake
  ERR_IMAGE_MISSING: entry(400, EXIT.input, 'No image was supplied'),
  ERR_IMAGE_TOO_LARGE: entry(413, EXIT.input, 'The image file is larger than allowed'),
  ERR_IMAGE_TYPE: entry(415, EXIT.input, 'The file is not a supported image type (JPEG, PNG, TIFF or WebP)'),
  ERR_IMAGE_DIMENSIONS: entry(422, EXIT.input, 'The image has more pixels than allowed, or none'),
  ERR_IMAGE_CORRUPT: entry(422, EXIT.input, 'The image is truncated or corrupt'),
  ERR_IMAGE_NOT_RETAINED: entry(
    404,
    EXIT.notFound,
    'The original image of this analysis was not retained (GRAMSCOPE_RETAIN_IMAGES was off)',
  ),
  ERR_IMAGE_PURGED: entry(
    404,
    EXIT.notFound,
    'The original image of this analysis was deleted at the end of its retention period',
  ),
  ERR_IMAGE_TIMEOUT: entry(422, EXIT.input, 'Decoding the image took too long'),
  // Requests
  ERR_VALIDATION: entry(400, EXIT.input, 'The request is invalid'),
  ERR_NOT_FOUND: entry(404, EXIT.notFound, 'Not found'),
  ERR_ROUTE_NOT_FOUND: entry(404, EXIT.notFound, 'No such route'),
  ERR_PAYLOAD_TOO_LARGE: entry(413, EXIT.input, 'The request body is larger than allowed'),
  ERR_UNSUPPORTED_MEDIA_TYPE: entry(415, EXIT.input, 'The request content type is not supported'),
  ERR_RATE_LIMITED: entry(429, EXIT.unavailable, 'Too many requests'),
  ERR_BUSY: entry(503, EXIT.unavailable, 'The server is busy; retry later'),
  ERR_DEADLINE: entry(503, EXIT.unavailable, 'The analysis did not finish within its deadline'),
  ERR_NOT_READY: entry(503, EXIT.unavailable, 'The service is not ready'),
  // Engines and models
  ERR_ENGINE_UNKNOWN: entry(400, EXIT.input, 'No such engine'),
  ERR_ENGINE_FAILED: entry(500, EXIT.internal, 'The engine failed to analyse the image'),
  ERR_PROFILE_UNKNOWN: entry(400, EXIT.input, 'No such calibration profile'),
  ERR_MODEL_INVALID: entry(422, EXIT.input, 'The model file is not a valid ONNX model'),
  ERR_MODEL_LAYOUT: entry(422, EXIT.input, 'The model input or output layout is not supported'),
  ERR_MODEL_HASH_MISMATCH: entry(422, EXIT.input, 'The model file does not match its recorded sha256'),
  ERR_MODEL_NOT_FOUND: entry(404, EXIT.notFound, 'No such model'),
  ERR_MODEL_LABELS: entry(422, EXIT.input, "The model's class names or labels file are invalid"),
  ERR_MODEL_TOO_LARGE: entry(413, EXIT.input, 'The model file is larger than allowed'),
  ERR_SCALE_REQUIRED: entry(
    422,
    EXIT.input,
    'This engine needs the image scale (micrometres per pixel): choose a calibration profile',
  ),
  // Datasets
  ERR_DATASET_INVALID: entry(422, EXIT.input, 'The dataset is malformed'),
  ERR_DATASET_PATH: entry(422, EXIT.input, 'A dataset path escapes its folder'),
  ERR_DATASET_TOO_LARGE: entry(413, EXIT.input, 'The dataset is larger than allowed'),
  ERR_DATASET_IMAGE_MISSING: entry(422, EXIT.input, 'An image named by the dataset is missing'),
  ERR_OUTPUT_EXISTS: entry(409, EXIT.input, 'The output folder already exists and is not empty'),
  // Storage
  ERR_STORE_UNAVAILABLE: entry(503, EXIT.unavailable, 'Storage is unreachable'),
  ERR_CONFLICT: entry(409, EXIT.input, 'The record changed or is in a state that does not allow this'),
  // Identity and access
  ERR_AUTH_REQUIRED: entry(401, EXIT.auth, 'Authentication is required'),
  ERR_AUTH_INVALID: entry(401, EXIT.auth, 'The credentials are invalid'),
  ERR_FORBIDDEN: entry(403, EXIT.auth, 'You do not have permission to do this'),
  ERR_SECOND_FACTOR_REQUIRED: entry(403, EXIT.auth, 'This action requires a second authentication factor'),
  ERR_CSRF: entry(403, EXIT.auth, 'The request failed CSRF validation'),
  ERR_AUTH_CODE_REQUIRED: entry(401, EXIT.auth, 'Enter the code from your authenticator app'),
  ERR_AUTH_PROVIDER: entry(502, EXIT.unavailable, 'The identity provider cannot be reached'),
  ERR_PASSWORD_WEAK: entry(422, EXIT.input, 'The password is too weak'),
  // Audit
  ERR_AUDIT_TAMPERED: entry(500, EXIT.internal, 'The audit chain does not verify'),
  // Reports and delivery
  ERR_REPORT_FONT_MISSING: entry(
    500,
    EXIT.config,
    'No font with Japanese glyphs was found for PDF reports; install fonts-ipaexfont-gothic or set GRAMSCOPE_REPORT_FONT',
  ),
  ERR_FHIR_DELIVERY_OFF: entry(409, EXIT.config, 'FHIR delivery is not configured (GRAMSCOPE_FHIR_ENDPOINT)'),
  // Operations: live WebSocket, blob encryption, backup and restore
  ERR_ORIGIN_REFUSED: entry(403, EXIT.auth, 'The request origin is not allowed'),
  ERR_LIVE_NO_FRAME: entry(409, EXIT.input, 'No live frame has been received yet'),
  ERR_BLOB_UNREADABLE: entry(500, EXIT.internal, 'A stored object could not be decrypted or verified'),
  ERR_BACKUP_INVALID: entry(422, EXIT.input, 'The backup is malformed or incomplete'),
  ERR_RESTORE_TARGET: entry(409, EXIT.input, 'The restore target already holds data'),
  // Anything else
  ERR_INTERNAL: entry(500, EXIT.internal, 'Internal error'),
} as const satisfies Record<`ERR_${string}`, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface AppErrorOptions {
  cause?: unknown;
  /** Safe, structured details for the client (never paths, stacks or secrets). */
  details?: Record<string, unknown>;
  /** Extra response headers, e.g. Retry-After for ERR_BUSY. */
  headers?: Record<string, string>;
}

/**
 * The one error class of the product. Its message is meant for the user and must never contain
 * internal paths or secrets; the cause is for logs only.
 *
 * @example
 * throw new AppError('ERR_IMAGE_TYPE', 'SVG images are not accepted');
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: ExitCode;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    const def = ERROR_CATALOGUE[code];
    super(message ?? def.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = def.status;
    this.exitCode = def.exit;
    this.details = options.details;
    this.headers = options.headers;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
