/**
 * Structured JSON logs (pino) without personal health information: requests are logged by method,
 * route path without its query string, status, timing and request id; headers that carry
 * credentials, and bodies, are never logged. Request ids come from a sane `X-Request-Id` (set by an
 * ingress or the client) or are generated, and are echoed on every response.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import type { FastifyBaseLogger, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config/config.schema.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/** The request id: the caller's X-Request-Id when it is a plain token, else a new UUID. */
export function generateRequestId(raw: IncomingMessage): string {
  const header = raw.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** The path alone: query strings can carry specimen ids and search text. */
function pathOf(url: string | undefined): string {
  return (url ?? '').split('?')[0].slice(0, 200);
}

export interface LoggerOptionsInput {
  level: Config['log']['level'];
  /** Where lines go (tests capture them); stdout by default. */
  stream?: Writable;
}

/** Options for Fastify's logger with the serializers that keep PHI and secrets out. */
export function createLoggerOptions(
  input: LoggerOptionsInput,
): Exclude<FastifyServerOptions['logger'], boolean | FastifyBaseLogger | undefined> {
  return {
    level: input.level,
    ...(input.stream ? { stream: input.stream } : {}),
    base: { service: 'gramscope' },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
        '*.password',
        '*.token',
        'req.headers["x-csrf-token"]',
        'headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          path: pathOf(request.url),
          remoteAddress: request.ip,
        };
      },
      res(reply: { statusCode: number }) {
        return { statusCode: reply.statusCode };
      },
    },
  };
}
