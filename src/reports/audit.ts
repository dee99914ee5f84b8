/**
 * The audit port of the report area: every view, export, review, sign-off and FHIR delivery goes
 * through `AuditRecorder.record`. The hash-chained audit log of `src/security/` implements it; until
 * it is wired, `createLogAuditRecorder` writes the same entries as structured log lines.
 */
export interface AuditEntry {
  /** What happened, e.g. 'specimen.view', 'report.export', 'review.correct', 'review.sign-off'. */
  action: string;
  /** The user id that acted; null for the system (e.g. a scheduled delivery retry). */
  actor: string | null;
  target: { type: 'analysis' | 'specimen' | 'delivery'; id: string };
  outcome: 'success' | 'failure';
  /** Small, safe facts (format, counts, HTTP status); never image data, tokens or free text from users. */
  details?: Record<string, string | number | boolean | null>;
  /** Client address, when the action came over HTTP. */
  from?: string | null;
}

export interface AuditRecorder {
  record(entry: AuditEntry): Promise<void>;
}

interface MinimalLogger {
  info(obj: object, msg: string): void;
}

/** Interim recorder: one structured log line per entry (not hash-chained; see docs/reports.md). */
export function createLogAuditRecorder(logger: MinimalLogger): AuditRecorder {
  return {
    record(entry) {
      logger.info({ audit: { ...entry, at: new Date().toISOString() } }, 'audit');
      return Promise.resolve();
    },
  };
}

/** Keeps entries in memory; for tests and for the CLI's single process. */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly entries: AuditEntry[] = [];
  record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
    return Promise.resolve();
  }
}
