/**
 * Client side of the live protocol (docs/live.md, server in src/server/routes/live.routes.ts): binary
 * JPEG frames up, JSON results down, never more than one frame in flight. The sending rate adapts by itself: the next frame leaves only when
 * the previous answer is back (and not sooner than the chosen maximum rate allows).
 */
import type { AnalysisResult } from '../../api/analyses';

export interface LiveReady {
  type: 'ready';
  protocol: number;
  engine?: AnalysisResult['engine'];
  maxFrameBytes?: number;
}

export interface LiveResult {
  type: 'result';
  seq: number;
  image: { width: number; height: number };
  detections: AnalysisResult['detections'];
  summary: AnalysisResult['summary'];
  timings: AnalysisResult['timings'];
}

/** The server replaced a waiting frame with a newer one; this client never has two in flight. */
export interface LiveDropped {
  type: 'dropped';
  seq: number;
}

export interface LiveErrorMessage {
  type: 'error';
  seq: number | null;
  code: string;
  message: string;
}

type ServerMessage = LiveReady | LiveResult | LiveDropped | LiveErrorMessage | { type: 'frozen' };

export interface LiveStats {
  /** Analysed frames per second over the last two seconds. */
  fps: number;
  /** Round trip of the latest frame, milliseconds (capture → encode → send → result). */
  latencyMs: number;
  frames: number;
}

export interface LiveHandlers {
  onReady(msg: LiveReady): void;
  onResult(msg: LiveResult, stats: LiveStats): void;
  onFrameError(msg: LiveErrorMessage): void;
  /** The connection ended; `opened` false means it never got going (route absent or refused). */
  onClose(info: { code: number; reason: string; opened: boolean }): void;
}

/** A frame that has not been answered in this time is given up, so one lost answer cannot stall us. */
const ANSWER_TIMEOUT_MS = 5000;
const FPS_WINDOW_MS = 2000;

export function liveUrl(params: { engine?: string; model?: string; profile?: string }): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const qs = q.toString();
  return `${proto}//${window.location.host}/api/v1/live${qs ? `?${qs}` : ''}`;
}

export class LiveSession {
  private readonly ws: WebSocket;
  private opened = false;
  private closed = false;
  private inFlight: { seq: number; sentAt: number } | null = null;
  private seq = 0;
  private answered: number[] = [];
  private frames = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  private lastSentAt = 0;

  constructor(
    url: string,
    private readonly grab: () => Promise<Blob | null>,
    private readonly handlers: LiveHandlers,
    private minIntervalMs: number,
  ) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = 'arraybuffer';
    this.ws.onopen = () => {
      this.opened = true;
    };
    this.ws.onmessage = (ev) => this.onMessage(ev);
    this.ws.onclose = (ev) => {
      this.closed = true;
      this.clearTimers();
      this.handlers.onClose({ code: ev.code, reason: ev.reason, opened: this.opened });
    };
  }

  setMaxFps(fps: number): void {
    this.minIntervalMs = fps > 0 ? 1000 / fps : 0;
  }

  stop(): void {
    this.closed = true;
    this.clearTimers();
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000, 'stopped');
    }
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.timer = null;
    this.watchdog = null;
  }

  private onMessage(ev: MessageEvent): void {
    if (typeof ev.data !== 'string') return;
    let msg: ServerMessage;
    try {
      msg = JSON.parse(ev.data) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.handlers.onReady(msg);
        this.schedule();
        break;
      case 'result':
        this.complete(msg.seq, (stats) => this.handlers.onResult(msg, stats));
        break;
      case 'dropped':
        this.complete(msg.seq, () => undefined, false);
        break;
      case 'error':
        // seq null: about the connection (engine failed to load, bad control message), not a frame.
        if (msg.seq === null) this.handlers.onFrameError(msg);
        else this.complete(msg.seq, () => this.handlers.onFrameError(msg));
        break;
      case 'frozen':
        // Freeze goes through POST /analyses (full camera resolution, joins the specimen).
        break;
    }
  }

  private complete(seq: number, report: (stats: LiveStats) => void, analysed = true): void {
    const now = performance.now();
    const flight = this.inFlight;
    // Answers to frames we already gave up on are stale: drop them.
    if (!flight || seq !== flight.seq) return;
    this.inFlight = null;
    if (this.watchdog) clearTimeout(this.watchdog);
    if (!analysed) {
      this.schedule();
      return;
    }
    this.frames += 1;
    this.answered.push(now);
    while (this.answered.length && this.answered[0] < now - FPS_WINDOW_MS) this.answered.shift();
    const span = Math.min(FPS_WINDOW_MS, now - (this.answered[0] ?? now));
    const fps = this.answered.length > 1 && span > 0 ? ((this.answered.length - 1) * 1000) / span : 0;
    report({ fps, latencyMs: now - flight.sentAt, frames: this.frames });
    this.schedule();
  }

  private schedule(): void {
    if (this.closed || this.inFlight || this.timer) return;
    const wait = Math.max(0, this.lastSentAt + this.minIntervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sendFrame();
    }, wait);
  }

  private async sendFrame(): Promise<void> {
    if (this.closed || this.inFlight || this.ws.readyState !== WebSocket.OPEN) return;
    const startedAt = performance.now();
    // Mark in flight before the async grab so nothing else can start a second frame meanwhile.
    const seq = ++this.seq;
    this.inFlight = { seq, sentAt: startedAt };
    const blob = await this.grab();
    if (this.closed) return;
    if (!blob) {
      // No frame yet (video warming up): try again shortly.
      this.inFlight = null;
      this.seq -= 1;
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.sendFrame();
      }, 100);
      return;
    }
    this.ws.send(await blob.arrayBuffer());
    this.lastSentAt = startedAt;
    this.watchdog = setTimeout(() => {
      if (this.inFlight?.seq === seq) {
        this.inFlight = null;
        this.schedule();
      }
    }, ANSWER_TIMEOUT_MS);
  }
}
