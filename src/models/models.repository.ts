/**
 * Where model cards and the active-model choice persist. The service depends on this interface only;
 * the store module provides the SQL implementation, and the in-memory one serves tests and tools.
 */
import { AppError } from '../errors.js';
import type { ModelCard, ModelEngine, ModelEntry } from './model-card.js';

export interface ModelsRepository {
  list(): Promise<ModelEntry[]>;
  find(id: string): Promise<ModelEntry | null>;
  findActive(engine: ModelEngine): Promise<ModelEntry | null>;
  /** Throws ERR_CONFLICT when the id is taken. */
  insert(card: ModelCard): Promise<void>;
  /** Returns false when there was no such model. */
  remove(id: string): Promise<boolean>;
  /** Makes the model the only active one of its engine. Throws ERR_MODEL_NOT_FOUND when unknown. */
  activate(id: string): Promise<void>;
  /** How many cards reference a stored file (several ids may share one file). */
  countBySha256(sha256: string): Promise<number>;
}

export class InMemoryModelsRepository implements ModelsRepository {
  readonly #cards = new Map<string, ModelCard>();
  readonly #active = new Map<ModelEngine, string>();

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

  activate(id: string): Promise<void> {
    const card = this.#cards.get(id);
    if (!card) return Promise.reject(new AppError('ERR_MODEL_NOT_FOUND', `No model "${id}"`));
    this.#active.set(card.engine, id);
    return Promise.resolve();
  }

  countBySha256(sha256: string): Promise<number> {
    return Promise.resolve([...this.#cards.values()].filter((c) => c.sha256 === sha256).length);
  }
}
