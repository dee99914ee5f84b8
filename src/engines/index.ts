import { EngineRegistry } from './engine-registry.js';
import type { EngineDescriptor } from './engine.js';
import { morphologyEngineDescriptor } from './morphology/index.js';

/** The engines built into gramscope, highest priority first. */
export const BUILT_IN_ENGINES: readonly EngineDescriptor[] = [morphologyEngineDescriptor];

export function createEngineRegistry(
  descriptors: readonly EngineDescriptor[] = BUILT_IN_ENGINES,
): EngineRegistry {
  const registry = new EngineRegistry();
  for (const d of descriptors) registry.register(d);
  return registry;
}
