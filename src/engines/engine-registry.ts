import { AppError } from '../errors.js';
import type { Engine, EngineDescriptor, EngineRequest } from './engine.js';

/**
 * Engines register by name and priority; instances are created once per (engine, model) and reused.
 * When resolution by priority fails for every engine, one error lists every failure.
 */
export class EngineRegistry {
  readonly #descriptors = new Map<string, EngineDescriptor>();
  readonly #instances = new Map<string, Promise<Engine>>();
  /** Per engine with an active model: the cache key requests naming no model used last. */
  readonly #defaultKeys = new Map<string, string>();

  register(descriptor: EngineDescriptor): this {
    if (this.#descriptors.has(descriptor.name))
      throw new Error(`engine ${descriptor.name} is already registered`);
    this.#descriptors.set(descriptor.name, descriptor);
    return this;
  }

  list(): EngineDescriptor[] {
    return [...this.#descriptors.values()].sort((a, b) => b.priority - a.priority);
  }

  has(name: string): boolean {
    return this.#descriptors.has(name);
  }

  /**
   * Returns the named engine, created on first use.
   *
   * @example
   * const engine = await registry.get('morphology');
   */
  async get(name: string, request: EngineRequest = {}): Promise<Engine> {
    const descriptor = this.#descriptors.get(name);
    if (!descriptor) {
      throw new AppError(
        'ERR_ENGINE_UNKNOWN',
        `No engine named "${name}"; available: ${[...this.#descriptors.keys()].join(', ')}`,
      );
    }
    let model = request.model;
    if (!model && descriptor.activeModel) {
      model = (await descriptor.activeModel()) ?? undefined;
      const key = `${name}\u0000${model ?? ''}`;
      const before = this.#defaultKeys.get(name);
      this.#defaultKeys.set(name, key);
      // The active model changed: the old default goes (running inferences finish first).
      if (before !== undefined && before !== key) void this.#evictKey(before).catch(() => undefined);
    }
    const key = `${name}\u0000${model ?? ''}`;
    let instance = this.#instances.get(key);
    if (!instance) {
      instance = descriptor.create(model ? { ...request, model } : request);
      this.#instances.set(key, instance);
      // A failed creation must not be cached: the next request retries (e.g. after a model upload).
      instance.catch(() => this.#instances.delete(key));
    }
    return instance;
  }

  /** Tries engines by priority and returns the first that loads; lists every failure otherwise. */
  async resolveAny(request: EngineRequest = {}): Promise<Engine> {
    const failures: string[] = [];
    for (const descriptor of this.list()) {
      try {
        return await this.get(descriptor.name, request);
      } catch (err) {
        failures.push(`${descriptor.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    throw new AppError(
      'ERR_ENGINE_FAILED',
      `No engine could be loaded (${failures.join('; ') || 'none registered'})`,
    );
  }

  /** Drops a cached instance so the next request creates it again (after a model change). */
  async evict(name: string, model?: string): Promise<void> {
    await this.#evictKey(`${name}\u0000${model ?? ''}`);
  }

  async #evictKey(key: string): Promise<void> {
    const instance = this.#instances.get(key);
    this.#instances.delete(key);
    if (instance) await (await instance.catch(() => null))?.dispose?.();
  }

  async dispose(): Promise<void> {
    const instances = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.allSettled(instances.map(async (p) => (await p).dispose?.()));
  }
}
