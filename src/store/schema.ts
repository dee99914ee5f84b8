/**
 * Table types shared by SQLite and PostgreSQL. Portable column types only: text (ISO-8601 UTC
 * timestamps, JSON documents), integer/bigint and double precision; booleans are stored as 0/1
 * integers so both dialects read them the same way.
 */
import type { Generated } from 'kysely';

export interface AnalysesTable {
  id: string;
  created_at: string;
  specimen_id: string | null;
  profile_id: string | null;
  engine_name: string;
  engine_version: string;
  model_id: string | null;
  image_sha256: string;
  image_width: number;
  image_height: number;
  /** Object key of the retained image in blob storage, when retention is on. */
  image_key: string | null;
  finding_en: string;
  gram_positive: number;
  gram_negative: number;
  detection_count: number;
  /** 'preliminary' until a reviewer signs off, then 'final'. */
  status: string;
  created_by: string | null;
  /** The full AnalysisResult as JSON. */
  result_json: string;
}

export interface ProfilesTable {
  id: string;
  name: string;
  microscope: string;
  camera: string;
  objective: string;
  microns_per_pixel: number;
  notes: string;
  created_at: string;
  updated_at: string;
}

export interface SettingsTable {
  key: string;
  value_json: string;
  updated_at: string;
}

/** A registered ONNX model; the card (src/models/model-card.ts) is kept whole as JSON. */
export interface ModelsTable {
  id: string;
  engine: string;
  name: string;
  version: string;
  sha256: string;
  /** bigint: PostgreSQL returns it as a string. */
  size_bytes: number | string;
  card_json: string;
  added_at: string;
  added_by: string | null;
}

/** The model an engine uses when a request names none. */
export interface ActiveModelsTable {
  engine: string;
  model_id: string;
  updated_at: string;
}

export interface MigrationLockRow {
  id: Generated<number>;
}

export interface Database {
  analyses: AnalysesTable;
  profiles: ProfilesTable;
  settings: SettingsTable;
  models: ModelsTable;
  active_models: ActiveModelsTable;
}
