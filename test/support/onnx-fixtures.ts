/** Test helpers for the ONNX engines: a throwaway registry in a temporary data directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRaster, type RasterImage } from '../../src/domain/raster.js';
import { OnnxModelProbe } from '../../src/engines/onnx-runtime/model-probe.js';
import { ModelFileStore } from '../../src/models/model-files.js';
import { ModelRegistryService } from '../../src/models/model-registry.service.js';
import { InMemoryModelsRepository } from '../../src/models/models.repository.js';

export interface TestRegistry {
  dir: string;
  registry: ModelRegistryService;
  repository: InMemoryModelsRepository;
  files: ModelFileStore;
  cleanup(): Promise<void>;
}

export async function createTestRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gramscope-models-'));
  const repository = new InMemoryModelsRepository();
  const files = new ModelFileStore(path.join(dir, 'models'));
  const registry = new ModelRegistryService({
    repository,
    files,
    probe: new OnnxModelProbe(),
    maxBytes: 200 * 1024 * 1024,
  });
  return { dir, registry, repository, files, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A black field with pure-colour squares painted at the given cells (x, y, side in pixels). */
export function paintField(
  width: number,
  height: number,
  squares: readonly { x: number; y: number; size: number; rgb: readonly [number, number, number] }[],
  background: readonly [number, number, number] = [0, 0, 0],
): RasterImage {
  const raster = createRaster(width, height);
  for (let i = 0; i < width * height; i++) raster.data.set(background, i * 3);
  for (const s of squares) {
    for (let y = s.y; y < s.y + s.size; y++) {
      for (let x = s.x; x < s.x + s.size; x++) raster.data.set(s.rgb, (y * width + x) * 3);
    }
  }
  return raster;
}
