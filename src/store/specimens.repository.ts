import type { Kysely } from 'kysely';
import type { SignOff, Specimen, SpecimenType } from '../domain/specimen.js';
import { AppError } from '../errors.js';
import type { Database, SpecimensTable } from './schema.js';

export interface SpecimenInput {
  id: string;
  accession?: string | null | undefined;
  type?: SpecimenType | undefined;
  collectedAt?: string | null | undefined;
  createdBy?: string | null | undefined;
}

const toSpecimen = (r: SpecimensTable): Specimen => ({
  id: r.id,
  accession: r.accession,
  type: r.specimen_type === 'other' ? 'other' : 'blood',
  collectedAt: r.collected_at,
  status: r.status === 'final' ? 'final' : 'preliminary',
  version: Number(r.version),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  signOff:
    r.signed_off_at && r.signed_off_by
      ? {
          by: { id: r.signed_off_by, name: r.signed_off_name ?? r.signed_off_by },
          at: r.signed_off_at,
          method: r.sign_off_method ?? 'unknown',
          comment: r.sign_off_comment,
        }
      : null,
});

/**
 * Specimens and their lifecycle. State changes are single conditional UPDATEs (status and version in
 * the WHERE clause), so concurrent field uploads and sign-offs cannot interleave wrongly on either
 * SQLite or PostgreSQL.
 */
export class SpecimensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<Specimen | null> {
    const row = await this.db.selectFrom('specimens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSpecimen(row) : null;
  }

  async require(id: string): Promise<Specimen> {
    const specimen = await this.get(id);
    if (!specimen) throw new AppError('ERR_NOT_FOUND', `No specimen with id ${id}`);
    return specimen;
  }

  /** Creates the specimen; 409 when the id is taken. */
  async create(input: SpecimenInput, now = new Date()): Promise<Specimen> {
    const inserted = await this.#insert(input, now);
    if (!inserted) throw new AppError('ERR_CONFLICT', `A specimen with id ${input.id} exists`);
    return this.require(input.id);
  }

  /** Creates the specimen unless it exists (a field uploaded with a new specimen id). */
  async ensure(input: SpecimenInput, now = new Date()): Promise<void> {
    await this.#insert(input, now);
  }

  async #insert(input: SpecimenInput, now: Date): Promise<boolean> {
    const stamp = now.toISOString();
    const result = await this.db
      .insertInto('specimens')
      .values({
        id: input.id,
        accession: input.accession ?? null,
        specimen_type: input.type ?? 'blood',
        collected_at: input.collectedAt ?? null,
        status: 'preliminary',
        version: 0,
        created_at: stamp,
        created_by: input.createdBy ?? null,
        updated_at: stamp,
        signed_off_by: null,
        signed_off_name: null,
        signed_off_at: null,
        sign_off_method: null,
        sign_off_comment: null,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Records that a field joins the specimen: creates it if new, and refuses (409) once it is signed
   * off. Bumps the version so a reviewer signing off a stale view is refused.
   */
  async admitField(id: string, createdBy: string | null, now = new Date()): Promise<void> {
    await this.ensure({ id, createdBy }, now);
    const result = await this.db
      .updateTable('specimens')
      .set((eb) => ({ version: eb('version', '+', 1), updated_at: now.toISOString() }))
      .where('id', '=', id)
      .where('status', '=', 'preliminary')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new AppError('ERR_CONFLICT', `Specimen ${id} is signed off; no more fields can be added`);
  }

  /** Refuses early (409) when fields can no longer join the specimen; unknown ids are fine. */
  async assertOpen(id: string): Promise<void> {
    if ((await this.get(id))?.status === 'final')
      throw new AppError('ERR_CONFLICT', `Specimen ${id} is signed off; no more fields can be added`);
  }

  /** Signs the specimen off if it is still preliminary at the version the reviewer saw. */
  async signOff(id: string, expectedVersion: number, signOff: SignOff): Promise<Specimen> {
    const result = await this.db
      .updateTable('specimens')
      .set((eb) => ({
        status: 'final',
        version: eb('version', '+', 1),
        updated_at: signOff.at,
        signed_off_by: signOff.by.id,
        signed_off_name: signOff.by.name,
        signed_off_at: signOff.at,
        sign_off_method: signOff.method,
        sign_off_comment: signOff.comment,
      }))
      .where('id', '=', id)
      .where('status', '=', 'preliminary')
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      const current = await this.require(id);
      if (current.status === 'final')
        throw new AppError('ERR_CONFLICT', `Specimen ${id} is already signed off`);
      throw new AppError(
        'ERR_CONFLICT',
        `Specimen ${id} changed since version ${expectedVersion}; review it again before signing off`,
        { details: { currentVersion: current.version } },
      );
    }
    return this.require(id);
  }

  async list(limit = 50): Promise<Specimen[]> {
    const rows = await this.db
      .selectFrom('specimens')
      .selectAll()
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toSpecimen);
  }
}
