/**
 * Image retention: how long retained original images are kept, and the run that deletes older ones.
 *
 * The period comes from configuration (GRAMSCOPE_IMAGE_RETENTION_DAYS) unless an admin overrides it
 * at run time; the override lives in the shared database so every replica purges by the same rule.
 * A purge deletes the image from blob storage and clears the analysis's reference to it, keeping
 * the analysis, its detections and reviews: the result stays evidence, the picture does not.
 * Analyses and the audit log are never purged here (SPEC.md: results are the record).
 */
import type { AuditEvent } from '../security/audit.service.js';
import { isoUtc, type Clock } from '../security/clock.js';
import type { AnalysesRepository, ExpiredImage } from './analyses.repository.js';
import type { BlobStore } from './blob-store.js';
import type { SettingsRepository } from './settings.repository.js';

export const RETENTION_SETTING = 'retention.images';
export const LAST_PURGE_SETTING = 'retention.lastPurge';
const DAY_MS = 86_400_000;
const PAGE = 200;

/** What is never deleted by retention, named for the people reading the settings. */
export const KEPT_INDEFINITELY = ['analyses', 'detections', 'reviews', 'audit-log'] as const;

export type PurgeTrigger = 'schedule' | 'cli' | 'admin';

export interface PurgeReport {
  at: string;
  trigger: PurgeTrigger;
  /** The period applied; 0 means images are kept forever and nothing was looked at. */
  days: number;
  /** Images of analyses created before this instant were due; null when days is 0. */
  cutoff: string | null;
  purged: number;
  /** Deletions that failed (blob store unreachable); they are retried on the next run. */
  failed: number;
  durationMs: number;
}

export interface RetentionSettings {
  /** Days a retained image is kept; 0 keeps images forever. */
  imagesDays: number;
  /** The configured period (GRAMSCOPE_IMAGE_RETENTION_DAYS), used when no admin override is set. */
  imagesDaysConfigured: number;
  source: 'configuration' | 'administrator';
  updatedAt: string | null;
  updatedBy: string | null;
  /** Whether new uploads are retained at all (GRAMSCOPE_RETAIN_IMAGES). */
  retainImages: boolean;
  imagesEncrypted: boolean;
  keptIndefinitely: string[];
  lastPurge: PurgeReport | null;
}

export interface ImageRetentionDeps {
  analyses: AnalysesRepository;
  settings: SettingsRepository;
  blobs: BlobStore;
  clock: Clock;
  audit: { record(event: AuditEvent): Promise<unknown> };
  configuredDays: number;
  retainImages: boolean;
  imagesEncrypted: boolean;
}

export class ImageRetentionService {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<PurgeReport> | null = null;

  constructor(private readonly deps: ImageRetentionDeps) {}

  async settings(): Promise<RetentionSettings> {
    const override = await this.deps.settings.get<{ days: number }>(RETENTION_SETTING);
    const last = await this.deps.settings.get<PurgeReport>(LAST_PURGE_SETTING);
    return {
      imagesDays: override?.value.days ?? this.deps.configuredDays,
      imagesDaysConfigured: this.deps.configuredDays,
      source: override ? 'administrator' : 'configuration',
      updatedAt: override?.updatedAt ?? null,
      updatedBy: override?.updatedBy ?? null,
      retainImages: this.deps.retainImages,
      imagesEncrypted: this.deps.imagesEncrypted,
      keptIndefinitely: [...KEPT_INDEFINITELY],
      lastPurge: last?.value ?? null,
    };
  }

  /** Sets the admin override, or removes it (null) to fall back to the configured period. */
  async setImagesDays(days: number | null, by: string | null): Promise<RetentionSettings> {
    if (days === null) await this.deps.settings.delete(RETENTION_SETTING);
    else await this.deps.settings.set(RETENTION_SETTING, { days }, this.#now(), by);
    return this.settings();
  }

  /**
   * Deletes retained images older than the period and writes one audit entry for the run (for a
   * scheduled run, only when it deleted or failed to delete something). Runs do not overlap within
   * a process; across replicas the guarded update counts each image once.
   */
  purge(trigger: PurgeTrigger, actor: AuditEvent['actor'] = null): Promise<PurgeReport> {
    if (this.#running) return this.#running;
    const run = this.#purge(trigger, actor).finally(() => {
      this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #purge(trigger: PurgeTrigger, actor: AuditEvent['actor']): Promise<PurgeReport> {
    const started = this.deps.clock.now();
    const { imagesDays: days } = await this.settings();
    const report: PurgeReport = {
      at: isoUtc(started),
      trigger,
      days,
      cutoff: null,
      purged: 0,
      failed: 0,
      durationMs: 0,
    };
    let failure: unknown = null;
    if (days > 0) {
      // Same format as analyses.created_at (toISOString, 'Z'), so text comparison orders correctly.
      const cutoff = new Date(started - days * DAY_MS).toISOString();
      report.cutoff = cutoff;
      let after: ExpiredImage | undefined;
      try {
        for (;;) {
          const page = await this.deps.analyses.expiredImages(cutoff, PAGE, after);
          if (page.length === 0) break;
          for (const image of page) {
            try {
              await this.deps.blobs.delete(image.imageKey);
            } catch {
              report.failed++;
              continue;
            }
            if (await this.deps.analyses.clearImage(image.id, image.imageKey, this.#now())) report.purged++;
          }
          after = page.at(-1);
        }
      } catch (err) {
        failure = err;
      }
    }
    report.durationMs = this.deps.clock.now() - started;
    // Every run by a person is audited. A scheduled run is audited when it deleted or failed to
    // delete something: an hourly "nothing was due" entry from each replica (24 a day on every
    // installation, most of which retain no images) would bury the entries people need to read.
    // The last run is recorded either way, so the settings show that the schedule is alive.
    const acted = report.purged > 0 || report.failed > 0 || failure !== null;
    if (trigger !== 'schedule' || acted) {
      await this.deps.audit.record({
        action: 'retention.purge',
        outcome: failure || report.failed > 0 ? 'failure' : 'success',
        actor,
        target: { type: 'settings', id: 'retention' },
        details: {
          trigger,
          days,
          cutoff: report.cutoff,
          purged: report.purged,
          failed: report.failed,
          ...(failure ? { error: failure instanceof Error ? failure.name : 'error' } : {}),
        },
      });
    }
    if (days > 0 || trigger !== 'schedule')
      await this.deps.settings.set(LAST_PURGE_SETTING, report, report.at, null);
    if (failure) throw failure instanceof Error ? failure : new Error('purge failed');
    return report;
  }

  /** Runs a purge now and then every `intervalMs` (hourly in `serve`); errors go to `onError`. */
  start(intervalMs: number, onError: (err: unknown) => void, onReport?: (r: PurgeReport) => void): void {
    if (this.#timer) return;
    const tick = (): void => {
      this.purge('schedule').then(onReport, onError);
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    tick();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  #now(): string {
    return isoUtc(this.deps.clock.now());
  }
}
