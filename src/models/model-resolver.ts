/** How engines find their model: by id, or the engine's active model when none is named. */
import type { ModelCard, ModelEngine } from './model-card.js';

export interface ResolvedModel {
  readonly card: ModelCard;
  /** Absolute path of the stored file; the loader verifies its sha256 against the card. */
  readonly filePath: string;
}

export interface ModelResolver {
  /** Throws ERR_MODEL_NOT_FOUND when the id is unknown, belongs to another engine, or none is active. */
  resolve(engine: ModelEngine, id?: string): Promise<ResolvedModel>;
  /** The engine's active model id now (null when none); may be up to a second old. */
  activeId?(engine: ModelEngine): Promise<string | null>;
}
