import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, FhirDeliveriesTable } from './schema.js';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface FhirDelivery {
  id: string;
  subjectType: 'specimen' | 'analysis';
  subjectId: string;
  endpoint: string;
  profile: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  responseLocation: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
}

const toDelivery = (r: FhirDeliveriesTable): FhirDelivery => ({
  id: r.id,
  subjectType: r.subject_type === 'analysis' ? 'analysis' : 'specimen',
  subjectId: r.subject_id,
  endpoint: r.endpoint,
  profile: r.profile,
  status: (['pending', 'delivered', 'failed'] as const).find((s) => s === r.status) ?? 'failed',
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastStatus: r.last_status === null ? null : Number(r.last_status),
  lastError: r.last_error,
  responseLocation: r.response_location,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deliveredAt: r.delivered_at,
});

/** FHIR deliveries: the bundle sent, each attempt's outcome, and what is still to retry. */
export class DeliveriesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    input: Pick<FhirDelivery, 'subjectType' | 'subjectId' | 'endpoint' | 'profile'> & { bundleJson: string },
    now = new Date(),
  ): Promise<FhirDelivery> {
    const stamp = now.toISOString();
    const row: FhirDeliveriesTable = {
      id: randomUUID(),
      subject_type: input.subjectType,
      subject_id: input.subjectId,
      endpoint: input.endpoint,
      profile: input.profile,
      status: 'pending',
      attempts: 0,
      next_attempt_at: stamp,
      last_status: null,
      last_error: null,
      response_location: null,
      bundle_json: input.bundleJson,
      created_at: stamp,
      updated_at: stamp,
      delivered_at: null,
    };
    await this.db.insertInto('fhir_deliveries').values(row).execute();
    return toDelivery(row);
  }

  async get(id: string): Promise<FhirDelivery | null> {
    const row = await this.db
      .selectFrom('fhir_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async bundle(id: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('fhir_deliveries')
      .select('bundle_json')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.bundle_json ?? null;
  }

  async forSubject(subjectType: 'specimen' | 'analysis', subjectId: string): Promise<FhirDelivery[]> {
    const rows = await this.db
      .selectFrom('fhir_deliveries')
      .selectAll()
      .where('subject_type', '=', subjectType)
      .where('subject_id', '=', subjectId)
      .orderBy('created_at')
      .execute();
    return rows.map(toDelivery);
  }

  async pending(): Promise<FhirDelivery[]> {
    const rows = await this.db
      .selectFrom('fhir_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .limit(1000)
      .execute();
    return rows.map(toDelivery);
  }

  async recordAttempt(
    id: string,
    outcome: {
      status: DeliveryStatus;
      attempts: number;
      httpStatus: number | null;
      error: string | null;
      location?: string | null;
      nextAttemptAt: string | null;
    },
    now = new Date(),
  ): Promise<void> {
    const stamp = now.toISOString();
    await this.db
      .updateTable('fhir_deliveries')
      .set({
        status: outcome.status,
        attempts: outcome.attempts,
        last_status: outcome.httpStatus,
        last_error: outcome.error,
        next_attempt_at: outcome.nextAttemptAt,
        updated_at: stamp,
        ...(outcome.location !== undefined ? { response_location: outcome.location } : {}),
        ...(outcome.status === 'delivered' ? { delivered_at: stamp } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Puts a failed delivery back in the queue (an operator's manual retry). */
  async requeue(id: string, now = new Date()): Promise<boolean> {
    const result = await this.db
      .updateTable('fhir_deliveries')
      .set({
        status: 'pending',
        attempts: 0,
        next_attempt_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
