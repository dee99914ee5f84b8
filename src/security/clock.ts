/** Time source, injected so tests can move time forward (session timeouts, throttles, audit). */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  set(ms: number): void {
    this.#now = ms;
  }
}

/** ISO-8601 UTC with an explicit offset, as audit entries and stored times carry it. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
