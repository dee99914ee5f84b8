/**
 * Where model cards and the active-model choice persist. The service depends on this interface only;
 * the store module provides the SQL implementation, and the in-memory one serves tests and tools.
 */
import { AppError } from '../errors.js';
import type {
  ModelActivation,
  ModelActivationAction,
  ModelCard,
  ModelEngine,
  ModelEntry,
} from './model-card.js';

export interface ModelsRepository {
  list(): Promise<ModelEntry[]>;
  find(id: string): Promise<ModelEntry | null>;
  findActive(engine: ModelEngine): Promise<ModelEntry | null>;
  /** Throws ERR_CONFLICT when the id is taken. */
  insert(card: ModelCard): Promise<void>;
  /** Returns false when there was no such model. */
  remove(id: string): Promise<boolean>;
  /**
   * Makes the model the only active one of its engine and records the change; returns the model
   * that was active before (null when none). Throws ERR_MODEL_NOT_FOUND when unknown.
   */
  activate(id: string, change?: ActivationChange): Promise<string | null>;
  /** Leaves the engine without an active model and records it; returns the model that was active. */
  deactivate(engine: ModelEngine, change?: ActivationChange): Promise<string | null>;
  /** Changes of the engine's active model, newest first. */
  activations(engine: ModelEngine, limit?: number): Promise<ModelActivation[]>;
  /** How many cards reference a stored file (several ids may share one file). */
  countBySha256(sha256: string): Promise<number>;
}

/** Who changed the active model, when, and as what kind of change (default 'activate'). */
export interface ActivationChange {
  readonly action?: ModelActivationAction;
  readonly by?: string | null;
  readonly at?: string;
}

export class InMemoryModelsRepository implements ModelsRepository {
  readonly #cards = new Map<string, ModelCard>();
  readonly #active = new Map<ModelEngine, string>();
  readonly #history: ModelActivation[] = [];

  list(): Promise<ModelEntry[]> {
    return Promise.resolve(
      [...this.#cards.values()]
        .sort((a, b) => a.addedAt.localeCompare(b.addedAt) || a.id.localeCompare(b.id))
        .map((card) => ({ card: structuredClone(card), active: this.#active.get(card.engine) === card.id })),
    );
  }

  find(id: string): Promise<ModelEntry | null> {
    const card = this.#cards.get(id);
    return Promise.resolve(
      card ? { card: structuredClone(card), active: this.#active.get(card.engine) === id } : null,
    );
  }

  findActive(engine: ModelEngine): Promise<ModelEntry | null> {
    const id = this.#active.get(engine);
    return id ? this.find(id) : Promise.resolve(null);
  }

  insert(card: ModelCard): Promise<void> {
    if (this.#cards.has(card.id))
      return Promise.reject(new AppError('ERR_CONFLICT', `A model "${card.id}" exists`));
    this.#cards.set(card.id, structuredClone(card));
    return Promise.resolve();
  }

  remove(id: string): Promise<boolean> {
    const card = this.#cards.get(id);
    if (!card) return Promise.resolve(false);
    this.#cards.delete(id);
    if (this.#active.get(card.engine) === id) this.#active.delete(card.engine);
    return Promise.resolve(true);
  }

  activate(id: string, change: ActivationChange = {}): Promise<string | null> {
    const card = this.#cards.get(id);
    if (!card) return Promise.reject(new AppError('ERR_MODEL_NOT_FOUND', `No model "${id}"`));
    const previous = this.#active.get(card.engine) ?? null;
    this.#active.set(card.engine, id);
    this.#record(card.engine, change.action ?? 'activate', id, previous, change);
    return Promise.resolve(previous);
  }

  deactivate(engine: ModelEngine, change: ActivationChange = {}): Promise<string | null> {
    const previous = this.#active.get(engine) ?? null;
    this.#active.delete(engine);
    this.#record(engine, change.action ?? 'deactivate', null, previous, change);
    return Promise.resolve(previous);
  }

  activations(engine: ModelEngine, limit = 50): Promise<ModelActivation[]> {
    return Promise.resolve(
      this.#history
        .filter((h) => h.engine === engine)
        .reverse()
        .slice(0, limit)
        .map((h) => ({ ...h })),
    );
  }

  #record(
    engine: ModelEngine,
    action: ModelActivationAction,
    modelId: string | null,
    previousModelId: string | null,
    change: ActivationChange,
  ): void {
    this.#history.push({
      engine,
      action,
      modelId,
      previousModelId,
      at: change.at ?? new Date().toISOString(),
      by: change.by ?? null,
    });
  }

  countBySha256(sha256: string): Promise<number> {
    return Promise.resolve([...this.#cards.values()].filter((c) => c.sha256 === sha256).length);
  }
}
