import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { Database, ProfilesTable } from './schema.js';

/** A calibration profile: one microscope + objective + camera, and its micrometres per pixel. */
export interface CalibrationProfile {
  id: string;
  name: string;
  microscope: string;
  camera: string;
  objective: string;
  micronsPerPixel: number;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export type ProfileInput = Pick<
  CalibrationProfile,
  'name' | 'microscope' | 'camera' | 'objective' | 'micronsPerPixel'
> & {
  notes?: string | undefined;
};

const toProfile = (r: ProfilesTable): CalibrationProfile => ({
  id: r.id,
  name: r.name,
  microscope: r.microscope,
  camera: r.camera,
  objective: r.objective,
  micronsPerPixel: Number(r.microns_per_pixel),
  notes: r.notes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The row of a new profile: a fresh id, created and updated now. */
const newProfileRow = (input: ProfileInput, now: Date): ProfilesTable => {
  const stamp = now.toISOString();
  return {
    id: randomUUID(),
    name: input.name,
    microscope: input.microscope,
    camera: input.camera,
    objective: input.objective,
    microns_per_pixel: input.micronsPerPixel,
    notes: input.notes ?? '',
    created_at: stamp,
    updated_at: stamp,
  };
};

export class ProfilesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<CalibrationProfile[]> {
    const rows = await this.db.selectFrom('profiles').selectAll().orderBy('name').execute();
    return rows.map(toProfile);
  }

  /** Finds a profile by id or by name. */
  async find(idOrName: string): Promise<CalibrationProfile | null> {
    const row = await this.db
      .selectFrom('profiles')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .executeTakeFirst();
    return row ? toProfile(row) : null;
  }

  async create(input: ProfileInput, now = new Date()): Promise<CalibrationProfile> {
    if (await this.find(input.name))
      throw new AppError('ERR_CONFLICT', `A profile named "${input.name}" exists`);
    const row = newProfileRow(input, now);
    await this.db.insertInto('profiles').values(row).execute();
    return toProfile(row);
  }

  /** Creates the profile unless one of that name exists (for bundled defaults). */
  async ensure(input: ProfileInput, now = new Date()): Promise<CalibrationProfile> {
    const existing = await this.find(input.name);
    if (existing) return existing;
    // Replicas starting together on one database race here: the loser's insert does nothing.
    await this.db
      .insertInto('profiles')
      .values(newProfileRow(input, now))
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return (await this.find(input.name))!;
  }

  async update(id: string, input: ProfileInput, now = new Date()): Promise<CalibrationProfile> {
    const existing = await this.find(id);
    if (!existing) throw new AppError('ERR_PROFILE_UNKNOWN', `No calibration profile ${id}`);
    const clash = await this.find(input.name);
    if (clash && clash.id !== existing.id)
      throw new AppError('ERR_CONFLICT', `A profile named "${input.name}" exists`);
    await this.db
      .updateTable('profiles')
      .set({
        name: input.name,
        microscope: input.microscope,
        camera: input.camera,
        objective: input.objective,
        microns_per_pixel: input.micronsPerPixel,
        notes: input.notes ?? existing.notes,
        updated_at: now.toISOString(),
      })
      .where('id', '=', existing.id)
      .execute();
    return (await this.find(existing.id))!;
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('profiles').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
