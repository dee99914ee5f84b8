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
  /** When the retention run deleted the retained image (image_key is then null). */
  image_purged_at: string | null;
  finding_en: string;
  /** Japanese finding (null only for rows a migration could not fill). */
  finding_ja: string | null;
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

/** Settings an admin changes at run time (over the configured defaults), one JSON value per key. */
export interface SettingsTable {
  key: string;
  value_json: string;
  updated_at: string;
  updated_by: string | null;
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

/** One change of an engine's active model; `model_id` is null when the engine was left without one. */
export interface ModelActivationsTable {
  seq: number;
  engine: string;
  /** 'activate', 'deactivate' or 'rollback'. */
  action: string;
  model_id: string | null;
  previous_model_id: string | null;
  at: string;
  by: string | null;
}

export interface SpecimensTable {
  /** The specimen id the laboratory uses (e.g. a bottle or accession-derived id). */
  id: string;
  accession: string | null;
  /** 'blood' (positive blood culture, the default) or 'other'. */
  specimen_type: string;
  collected_at: string | null;
  /** 'preliminary' until signed off, then 'final'; no fields are added after that. */
  status: string;
  version: number;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  signed_off_by: string | null;
  signed_off_name: string | null;
  signed_off_at: string | null;
  /** How the signer's second factor was established (e.g. 'totp', 'oidc-amr:mfa', 'single-user'). */
  sign_off_method: string | null;
  sign_off_comment: string | null;
}

export interface ReviewsTable {
  id: string;
  /** Set for field reviews; null for a specimen sign-off. */
  analysis_id: string | null;
  specimen_id: string | null;
  /** 1, 2, … per analysis (0 is the engine's own output, never stored here). */
  revision: number;
  /** 'correction' or 'sign-off'. */
  action: string;
  reviewer_id: string;
  reviewer_name: string;
  second_factor: string | null;
  created_at: string;
  /** The corrected detections (JSON) as of this revision; the engine's output stays in analyses. */
  detections_json: string | null;
  summary_json: string | null;
  changes_json: string | null;
  comment: string | null;
}

export interface FhirDeliveriesTable {
  id: string;
  /** 'specimen' or 'analysis'. */
  subject_type: string;
  subject_id: string;
  endpoint: string;
  profile: string;
  /** 'pending', 'delivered' or 'failed'. */
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  response_location: string | null;
  bundle_json: string;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}

export interface UsersTable {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  /** Role granted in gramscope (by an admin or an approved access request). */
  role: string;
  /** Role mapped from the identity provider's claims at the last sign-in. */
  claims_role: string;
  /** 'local' or 'oidc'. */
  source: string;
  oidc_issuer: string | null;
  oidc_subject: string | null;
  password_hash: string | null;
  totp_secret: string | null;
  /** A secret being enrolled, until a code confirms it. */
  totp_pending_secret: string | null;
  totp_enabled: number;
  /** Last accepted TOTP time step, so a code cannot be used twice. */
  totp_last_step: number | null;
  /** SHA-256 hashes of unused recovery codes, as JSON. */
  recovery_codes_json: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  /** SHA-256 of the session cookie value; the value itself is never stored. */
  id_hash: string;
  user_id: string;
  method: string;
  amr_json: string;
  created_at: string;
  last_seen_at: string;
  /** Absolute end. */
  expires_at: string;
  ip: string;
  user_agent: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  token_prefix: string;
  scopes_json: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface OidcFlowsTable {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  expires_at: string;
}

export interface LoginThrottleTable {
  key: string;
  window_start: string;
  failures: number;
}

export interface AccessRequestsTable {
  id: string;
  created_at: string;
  status: string;
  user_id: string | null;
  username: string;
  display_name: string;
  email: string | null;
  reason: string;
  requested_role: string;
  password_hash: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
}

export interface AuditLogTable {
  seq: number;
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  actor_method: string | null;
  action: string;
  outcome: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  request_id: string | null;
  details_json: string;
  key_id: string;
  prev_hash: string;
  hash: string;
}

export interface MigrationLockRow {
  id: Generated<number>;
}

export interface Database {
  analyses: AnalysesTable;
  profiles: ProfilesTable;
  settings: SettingsTable;
  specimens: SpecimensTable;
  reviews: ReviewsTable;
  fhir_deliveries: FhirDeliveriesTable;
  models: ModelsTable;
  active_models: ActiveModelsTable;
  model_activations: ModelActivationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  oidc_flows: OidcFlowsTable;
  login_throttle: LoginThrottleTable;
  access_requests: AccessRequestsTable;
  audit_log: AuditLogTable;
}
