/**
 * The live WebSocket (`/api/v1/live`, protocol in docs/live.md): binary image frames up, JSON
 * results down. Each socket has at most one frame in analysis and at most one waiting; a newer
 * frame replaces the waiting one, which is answered `dropped`. Memory per socket is therefore
 * bounded by two frames, whatever the client sends. Freeze stores the latest frame as a full
 * analysis. The Origin is checked and the security layer's hooks run before the upgrade.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fastifyWebsocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { WebSocket, RawData } from 'ws';
import type { AppContext } from '../../app/context.js';
import { AppError, isAppError } from '../../errors.js';
import type { LiveMetrics } from '../plugins/metrics.js';
import { requestActor } from '../request-actor.js';
import { authorize } from '../../security/policy.js';

export const LIVE_PROTOCOL = 1;
const PING_INTERVAL_MS = 30_000;
/**
 * How often an open socket re-checks its credentials (on the security clock): a session that
 * ended by timeout, on another replica or through `gramscope users disable`, or a role taken
 * away, closes the socket (1008) instead of streaming on.
 */
export const LIVE_RECHECK_MS = 15_000;

const LiveQuery = Type.Object(
  {
    engine: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' })),
    model: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })),
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    specimen: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' })),
  },
  { additionalProperties: false },
);

interface Frame {
  seq: number;
  bytes: Buffer;
}

/** Open live sockets, so shutdown and the security layer (logout, disable) can close them. */
export class LiveHub {
  readonly #sockets = new Map<WebSocket, string | null>();

  add(socket: WebSocket, actor: string | null): void {
    this.#sockets.set(socket, actor);
  }

  remove(socket: WebSocket): void {
    this.#sockets.delete(socket);
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Closes every socket (1001 on shutdown: clients reconnect, reaching another replica). */
  closeAll(code = 1001, reason = 'server shutting down'): void {
    for (const socket of this.#sockets.keys()) socket.close(code, reason);
  }

  /** Closes the sockets of one user (after logout or when the account is disabled). */
  closeForActor(actor: string, code = 1008, reason = 'session ended'): number {
    let closed = 0;
    for (const [socket, owner] of this.#sockets) {
      if (owner === actor) {
        socket.close(code, reason);
        closed += 1;
      }
    }
    return closed;
  }
}

/**
 * Browsers always send Origin on a WebSocket upgrade, and cookies ride along: a page on another
 * site must not open a socket with the user's session (cross-site WebSocket hijacking). Clients
 * without Origin (scripts, tools) are not browsers and must authenticate on their own.
 */
export function isAllowedOrigin(request: FastifyRequest, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.includes(url.origin)) return true;
  return url.host === request.host;
}

export const liveRoutes =
  (ctx: AppContext, metrics: LiveMetrics, hub: LiveHub): FastifyPluginAsync =>
  async (fastify) => {
    await fastify.register(fastifyWebsocket, {
      options: { maxPayload: ctx.config.live.maxFrameBytes, perMessageDeflate: false },
    });
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/v1/live',
      {
        websocket: true,
        // Frames are analysed and Freeze stores an analysis: the analyst's right.
        config: { access: 'analyst' },
        schema: {
          summary: 'Live analysis over a WebSocket (see docs/live.md)',
          description:
            'Upgrade to a WebSocket; send binary JPEG/PNG/WebP frames, receive JSON `ready`, `result`, `dropped`, `frozen` and `error` messages. At most one frame is analysed per socket at a time.',
          tags: ['analyses'],
          querystring: LiveQuery,
        },
        preValidation: async (request) => {
          if (!isAllowedOrigin(request, ctx.config.server.corsOrigins))
            throw new AppError('ERR_ORIGIN_REFUSED', 'This origin may not open a live connection');
        },
      },
      (socket, request) => {
        const query = request.query;
        const actor = requestActor(request);
        const engineName = query.engine ?? ctx.config.analysis.defaultEngine;
        const closed = new AbortController();
        let seq = 0;
        let inFlight = false;
        let pending: Frame | null = null;
        let latest: Frame | null = null;
        let freezing = false;
        let alive = true;
        hub.add(socket, actor);
        metrics.sockets.inc();

        let checkedAt = ctx.security.clock.now();
        let gate: Promise<boolean> | null = null;
        const recheckDue = (): boolean =>
          ctx.security.mode === 'multi-user' && ctx.security.clock.now() - checkedAt >= LIVE_RECHECK_MS;
        /** Authenticates the upgrade request's credentials again; closes the socket when refused. */
        const recheck = (): Promise<boolean> => {
          if (ctx.security.mode === 'single-user') return Promise.resolve(true);
          checkedAt = ctx.security.clock.now();
          gate = (async () => {
            let ok: boolean;
            try {
              const who = await ctx.security.authenticate({
                authorization: request.headers.authorization,
                sessionToken: request.sessionToken ?? undefined,
              });
              ok = who !== null && authorize(who.principal, request.routeOptions.config.access).allow;
            } catch {
              ok = false;
            }
            if (!ok && socket.readyState === socket.OPEN) socket.close(1008, 'session ended');
            return ok;
          })();
          return gate;
        };

        const send = (message: object): void => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
        };
        const sendError = (frameSeq: number | null, err: unknown): void => {
          const appError = isAppError(err) ? err : new AppError('ERR_INTERNAL');
          if (!isAppError(err)) request.log.error({ err }, 'live frame failed');
          send({ type: 'error', seq: frameSeq, code: appError.code, message: appError.message });
        };

        const analyse = async (frame: Frame): Promise<void> => {
          inFlight = true;
          try {
            const { result } = await ctx.analysis.analyzeTransient(
              {
                bytes: frame.bytes,
                engine: query.engine,
                model: query.model,
                profile: query.profile,
                specimen: query.specimen,
                signal: closed.signal,
              },
              { maxSide: ctx.config.live.maxSide },
            );
            metrics.frames.inc({ outcome: 'analysed' });
            send({
              type: 'result',
              seq: frame.seq,
              image: { width: result.image.width, height: result.image.height },
              detections: result.detections,
              summary: result.summary,
              timings: result.timings,
            });
          } catch (err) {
            if (closed.signal.aborted) return;
            const code = isAppError(err) ? err.code : null;
            metrics.frames.inc({
              outcome:
                code === 'ERR_BUSY' ? 'rejected' : isAppError(err) && err.status < 500 ? 'invalid' : 'error',
            });
            sendError(frame.seq, err);
          } finally {
            inFlight = false;
            const next = pending;
            pending = null;
            if (next && !closed.signal.aborted) void analyse(next);
          }
        };

        const freeze = async (specimen: string | undefined): Promise<void> => {
          const frame = latest;
          if (!frame) return sendError(null, new AppError('ERR_LIVE_NO_FRAME'));
          if (freezing)
            return sendError(frame.seq, new AppError('ERR_CONFLICT', 'A freeze is already running'));
          freezing = true;
          try {
            const analysis = await ctx.analysis.analyze({
              bytes: frame.bytes,
              engine: query.engine,
              model: query.model,
              profile: query.profile,
              specimen: specimen ?? query.specimen,
              actor,
              signal: closed.signal,
            });
            send({ type: 'frozen', seq: frame.seq, analysis });
          } catch (err) {
            if (!closed.signal.aborted) sendError(frame.seq, err);
          } finally {
            freezing = false;
          }
        };

        const onControl = (text: string): void => {
          let message: unknown;
          try {
            message = JSON.parse(text);
          } catch {
            return sendError(null, new AppError('ERR_VALIDATION', 'Control messages are JSON objects'));
          }
          const m = message as { type?: unknown; specimen?: unknown };
          if (m.type === 'freeze') {
            if (
              m.specimen !== undefined &&
              (typeof m.specimen !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(m.specimen))
            )
              return sendError(null, new AppError('ERR_VALIDATION', 'The specimen id is invalid'));
            // Freezing stores an analysis: the credentials are checked again first, every time.
            void recheck().then((ok) => (ok ? freeze(m.specimen as string | undefined) : undefined));
            return;
          }
          sendError(
            null,
            new AppError('ERR_VALIDATION', 'Unknown control message; expected {"type":"freeze"}'),
          );
        };

        const onMessage = (data: RawData, isBinary: boolean): void => {
          const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
          if (!isBinary) return onControl(bytes.toString('utf8').slice(0, 4096));
          seq += 1;
          const frame: Frame = { seq, bytes };
          latest = frame;
          if (!inFlight) {
            void analyse(frame);
            return;
          }
          if (pending) {
            metrics.frames.inc({ outcome: 'dropped' });
            send({ type: 'dropped', seq: pending.seq });
          }
          pending = frame;
        };
        socket.on('message', (data: RawData, isBinary: boolean) => {
          // Messages wait behind a running re-check, in order, and are dropped if it fails.
          if (recheckDue()) void recheck();
          if (gate) void gate.then((ok) => (ok ? onMessage(data, isBinary) : undefined));
          else onMessage(data, isBinary);
        });
        socket.on('pong', () => (alive = true));
        const ping = setInterval(() => {
          if (!alive) return socket.terminate();
          alive = false;
          socket.ping();
          // An idle socket re-checks too, so an ended session cannot keep it open.
          if (recheckDue()) void recheck();
        }, PING_INTERVAL_MS);
        ping.unref();
        socket.on('close', () => {
          clearInterval(ping);
          closed.abort(new AppError('ERR_DEADLINE', 'The live connection closed'));
          pending = null;
          latest = null;
          hub.remove(socket);
          metrics.sockets.dec();
        });

        void (async () => {
          try {
            const [engine] = await Promise.all([
              ctx.engines.get(engineName, { model: query.model }),
              ctx.analysis.resolveScale({ profile: query.profile }),
            ]);
            send({
              type: 'ready',
              protocol: LIVE_PROTOCOL,
              engine: { name: engine.name, version: engine.version, model: engine.model },
              maxFrameBytes: ctx.config.live.maxFrameBytes,
              maxSide: ctx.config.live.maxSide,
            });
          } catch (err) {
            sendError(null, err);
            socket.close(1008, isAppError(err) ? err.code : 'ERR_INTERNAL');
          }
        })();
      },
    );
  };
