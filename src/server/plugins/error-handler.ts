/**
 * The one error handler: every failure leaves as `{ code, message }` with the catalogue's status.
 * Unknown errors become ERR_INTERNAL with a generic message; stacks and paths stay in the log.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOGUE, isAppError, type ErrorCode } from '../../errors.js';

/** Fastify and plugin error codes we translate into our catalogue. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'ERR_IMAGE_TOO_LARGE',
  FST_PARTS_LIMIT: 'ERR_VALIDATION',
  FST_FILES_LIMIT: 'ERR_VALIDATION',
  FST_FIELDS_LIMIT: 'ERR_VALIDATION',
  FST_PROTO_VIOLATION: 'ERR_VALIDATION',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_VALIDATION',
  FST_ERR_VALIDATION: 'ERR_VALIDATION',
};

export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (fe.validation)
    return new AppError('ERR_VALIDATION', sanitise(fe.message ?? 'The request is invalid'), { cause: err });
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new AppError(mapped, undefined, { cause: err });
  if (fe.statusCode === 429) return new AppError('ERR_RATE_LIMITED', undefined, { cause: err });
  if (fe.statusCode === 413) return new AppError('ERR_PAYLOAD_TOO_LARGE', undefined, { cause: err });
  if (fe.statusCode === 415) return new AppError('ERR_UNSUPPORTED_MEDIA_TYPE', undefined, { cause: err });
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('ERR_VALIDATION', sanitise(fe.message ?? ERROR_CATALOGUE.ERR_VALIDATION.message), {
      cause: err,
    });
  }
  return new AppError('ERR_INTERNAL', undefined, { cause: err });
}

/** Validation messages may echo input; keep them to one short line. */
function sanitise(message: string): string {
  return message.replace(/[\r\n]+/g, ' ').slice(0, 300);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(err);
    if (appError.status >= 500 && appError.code !== 'ERR_BUSY' && appError.code !== 'ERR_NOT_READY') {
      request.log.error({ err: appError.cause ?? appError, code: appError.code }, 'request failed');
    } else {
      request.log.info({ code: appError.code, status: appError.status }, 'request refused');
    }
    if (appError.headers) void reply.headers(appError.headers);
    return reply.status(appError.status).type('application/json; charset=utf-8').send(appError.toJSON());
  });
}
