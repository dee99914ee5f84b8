/**
 * Delivers signed-off reports to the configured FHIR endpoint: POST the transaction Bundle to the
 * base URL, retry network errors, 408, 429 and 5xx with exponential backoff (honouring Retry-After)
 * up to a bounded number of attempts, record every attempt, and audit each outcome. Pending
 * deliveries survive a restart (`resumePending`).
 */
import type { Config } from '../../config/config.schema.js';
import { AppError } from '../../errors.js';
import type { DeliveriesRepository, FhirDelivery } from '../../store/deliveries.repository.js';
import type { AuditRecorder } from '../audit.js';

export interface DeliveryDeps {
  config: Readonly<Config>;
  deliveries: DeliveriesRepository;
  audit: AuditRecorder;
  /** Builds the bundle JSON for a subject at delivery time. */
  buildBundle: (subject: { type: 'specimen' | 'analysis'; id: string }) => Promise<string>;
  /** Injected in tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  now?: () => Date;
}

const RETRYABLE = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Parses Retry-After (seconds or HTTP date) into milliseconds, or null. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export class FhirDeliveryService {
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly deps: DeliveryDeps) {}

  get enabled(): boolean {
    return this.deps.config.fhir.endpoint !== '';
  }

  #now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Queues a report for delivery and makes the first attempt now. No-op when delivery is off. */
  async enqueue(subject: { type: 'specimen' | 'analysis'; id: string }): Promise<FhirDelivery | null> {
    if (!this.enabled) return null;
    const bundleJson = await this.deps.buildBundle(subject);
    const delivery = await this.deps.deliveries.create(
      {
        subjectType: subject.type,
        subjectId: subject.id,
        endpoint: this.deps.config.fhir.endpoint,
        profile: this.deps.config.fhir.profile,
        bundleJson,
      },
      this.#now(),
    );
    this.#schedule(delivery.id, delivery.attempts, 0);
    return delivery;
  }

  /** Re-queues a failed delivery (an operator's retry). */
  async retry(id: string): Promise<FhirDelivery> {
    if (!this.enabled) throw new AppError('ERR_FHIR_DELIVERY_OFF');
    if (!(await this.deps.deliveries.requeue(id, this.#now()))) {
      const existing = await this.deps.deliveries.get(id);
      if (!existing) throw new AppError('ERR_NOT_FOUND', `No delivery with id ${id}`);
      throw new AppError(
        'ERR_CONFLICT',
        `Delivery ${id} is ${existing.status}; only failed ones can be retried`,
      );
    }
    this.#schedule(id, 0, 0);
    return (await this.deps.deliveries.get(id))!;
  }

  /** Picks up deliveries left pending by a previous process. */
  async resumePending(): Promise<number> {
    if (!this.enabled) return 0;
    const pending = await this.deps.deliveries.pending();
    const now = this.#now().getTime();
    for (const d of pending) {
      const due = d.nextAttemptAt ? Math.max(0, Date.parse(d.nextAttemptAt) - now) : 0;
      this.#schedule(d.id, d.attempts, due);
    }
    return pending.length;
  }

  /** Resolves when no attempt is running or scheduled within `withinMs` (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.idle();
  }

  #schedule(id: string, attemptsSoFar: number, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const run = this.#attempt(id, attemptsSoFar + 1).finally(() => this.#running.delete(run));
      this.#running.add(run);
    }, delayMs);
    timer.unref();
    this.#timers.add(timer);
  }

  async #attempt(id: string, attempt: number): Promise<void> {
    const { fhir } = this.deps.config;
    const bundle = await this.deps.deliveries.bundle(id);
    const delivery = await this.deps.deliveries.get(id);
    if (!bundle || !delivery || delivery.status !== 'pending') return;
    const fetchImpl = this.deps.fetch ?? fetch;
    let httpStatus: number | null = null;
    let error: string | null = null;
    let location: string | null = null;
    let retryAfterMs: number | null = null;
    try {
      const response = await fetchImpl(delivery.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/fhir+json; charset=utf-8',
          accept: 'application/fhir+json',
          ...(fhir.bearerToken ? { authorization: `Bearer ${fhir.bearerToken}` } : {}),
        },
        body: bundle,
        signal: AbortSignal.timeout(fhir.timeoutMs),
        redirect: 'error',
      });
      httpStatus = response.status;
      location = response.headers.get('location');
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#now());
      // Read a bounded part of the body for the record; never the whole of an unexpected reply.
      const text = (await response.text()).slice(0, 2000);
      if (!response.ok) error = `HTTP ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`;
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : 'request failed';
    }
    const ok = httpStatus !== null && httpStatus >= 200 && httpStatus < 300;
    const retryable = !ok && (httpStatus === null || RETRYABLE(httpStatus));
    const giveUp = !ok && (!retryable || attempt >= fhir.maxAttempts || this.#closed);
    const backoff = Math.min(fhir.retryMaxMs, fhir.retryBaseMs * 2 ** (attempt - 1));
    const delay = Math.min(fhir.retryMaxMs, Math.max(backoff, retryAfterMs ?? 0));
    const now = this.#now();
    const status = ok ? 'delivered' : giveUp ? 'failed' : 'pending';
    await this.deps.deliveries.recordAttempt(
      id,
      {
        status,
        attempts: attempt,
        httpStatus,
        error,
        location,
        nextAttemptAt: status === 'pending' ? new Date(now.getTime() + delay).toISOString() : null,
      },
      now,
    );
    await this.deps.audit.record({
      action: 'fhir.delivery',
      actor: null,
      target: { type: delivery.subjectType, id: delivery.subjectId },
      outcome: ok ? 'success' : 'failure',
      details: { delivery: id, attempt, httpStatus, status },
    });
    if (status === 'pending') this.#schedule(id, attempt, delay);
  }
}
