/**
 * Engines reach worker threads by module, not by object: a worker imports the same modules as the
 * main thread and registers the descriptors they export (`ENGINES`, or `BUILT_IN_ENGINES` for the
 * built-in index). Functions cannot cross a thread boundary; module URLs can.
 */
import type { EngineCapabilities, EngineDescriptor } from '../engines/engine.js';
import type { EngineInfo } from '../domain/analysis-result.js';

export interface WorkerSetup {
  /** file: URLs of modules exporting engine descriptors. */
  engineModules: string[];
  /** Engine to load as soon as the worker starts. */
  preload?: string;
}

/** What the main thread learns about an engine that lives in the workers. */
export interface EngineInfoMessage {
  name: string;
  version: string;
  capabilities: EngineCapabilities;
  model: EngineInfo['model'];
}

/** The module holding the built-in engines, as a URL valid from sources and from the build. */
export function builtInEngineModule(): string {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`../engines/index.${ext}`, import.meta.url).href;
}

export async function loadEngineDescriptors(modules: readonly string[]): Promise<EngineDescriptor[]> {
  const descriptors: EngineDescriptor[] = [];
  for (const url of modules) {
    const mod = (await importModule(url)) as {
      ENGINES?: readonly EngineDescriptor[];
      BUILT_IN_ENGINES?: readonly EngineDescriptor[];
    };
    const list = mod.ENGINES ?? mod.BUILT_IN_ENGINES;
    if (!list) throw new Error(`engine module ${url} exports no ENGINES`);
    descriptors.push(...list);
  }
  return descriptors;
}

/**
 * Imports a module by URL. TypeScript sources (tests) go through tsx's API, because Node 20 does
 * not apply `--import` loader hooks to dynamic imports inside worker threads.
 */
async function importModule(url: string): Promise<unknown> {
  if (!url.endsWith('.ts')) return import(url);
  const api = 'tsx/esm/api';
  const { tsImport } = (await import(api)) as { tsImport: (u: string, parent: string) => Promise<unknown> };
  return tsImport(url, import.meta.url);
}
