/**
 * Models and fields for the ONNX bench scenarios: YOLOv5-architecture detectors written by the
 * project's builder (nothing is downloaded), registered through the real registry into the bench's
 * work folder, and synthetic 2048x1536 Gram-stain fields.
 */
import path from 'node:path';
import { createModelRegistry } from '../app/model-registry.js';
import { loadConfig } from '../config/load-config.js';
import { renderField } from '../datasets/synth/index.js';
import type { RasterImage } from '../domain/raster.js';
import { createRaster } from '../domain/raster.js';
import { LABEL_KEYS } from '../domain/taxonomy.js';
import { OnnxDetectorEngine } from '../engines/onnx-detector/onnx-detector.engine.js';
import { OnnxModelProbe } from '../engines/onnx-runtime/model-probe.js';
import type { OnnxEngineSettings } from '../engines/onnx-runtime/onnx-engine-settings.js';
import { buildYoloV5, type YoloV5Variant } from '../models/builder/yolov5.js';
import type { DetectorSettings } from '../models/model-card.js';
import { ModelFileStore } from '../models/model-files.js';
import { ModelRegistryService } from '../models/model-registry.service.js';
import type { ResolvedModel } from '../models/model-resolver.js';
import { InMemoryModelsRepository } from '../models/models.repository.js';
import { openDatabase } from '../store/database.js';

export interface BenchDetector {
  engine: OnnxDetectorEngine;
  model: ResolvedModel;
}

/** Builds, registers and loads a YOLOv5n/s-architecture detector with 17 classes. */
export async function loadBenchDetector(
  workDir: string,
  variant: YoloV5Variant,
  options: { dynamic: boolean; detector?: Partial<DetectorSettings>; settings?: Partial<OnnxEngineSettings> },
): Promise<BenchDetector> {
  const registry = new ModelRegistryService({
    repository: new InMemoryModelsRepository(),
    files: new ModelFileStore(path.join(workDir, 'models')),
    probe: new OnnxModelProbe(),
    maxBytes: 1024 * 1024 * 1024,
  });
  const { bytes } = buildYoloV5({ variant, classes: LABEL_KEYS, inputSize: 640, dynamic: options.dynamic });
  const id = `yolov5${variant}-${options.dynamic ? 'dynamic' : 'fixed'}`;
  await registry.add({
    bytes,
    engine: 'onnx-detector',
    card: {
      id,
      name: `YOLOv5${variant} architecture (random weights)`,
      ...(options.detector ? { detector: options.detector } : {}),
    },
  });
  const model = await registry.resolve('onnx-detector', id);
  return { engine: await OnnxDetectorEngine.create(model, options.settings), model };
}

/**
 * Registers a YOLOv5n/s-architecture detector (dynamic axes, 17 classes) in a data directory's
 * registry, as `gramscope models add` would, so a `serve` child process finds it active.
 */
export async function registerBenchDetector(dataDir: string, variant: YoloV5Variant): Promise<string> {
  const config = loadConfig({}, { 'storage.dataDir': dataDir });
  const store = await openDatabase({ dataDir, databaseUrl: '' });
  try {
    const { bytes } = buildYoloV5({ variant, classes: LABEL_KEYS, inputSize: 640, dynamic: true });
    const card = await createModelRegistry(config, store).add({
      bytes,
      engine: 'onnx-detector',
      card: { id: `yolov5${variant}-bench`, name: `YOLOv5${variant} architecture (random weights)` },
      activate: true,
    });
    return card.id;
  } finally {
    await store.close();
  }
}

/** A 2048x1536 synthetic Gram-stain field (staphylococci and red cells) at 0.1 µm/px. */
export function renderBenchField(seed = 201): RasterImage {
  return renderField({ seed, width: 2048, height: 1536, labels: ['s_aureus', 'enterobacterales', 'rbc'] })
    .raster;
}

/** A large field made by repeating a rendered one (rendering 48 MP directly would dominate the bench). */
export function tileField(source: RasterImage, width: number, height: number): RasterImage {
  const out = createRaster(width, height);
  const rowBytes = width * 3;
  const row = new Uint8Array(rowBytes);
  for (let y = 0; y < height; y++) {
    const sy = y % source.height;
    for (let x = 0; x < width; x += source.width) {
      const w = Math.min(source.width, width - x);
      row.set(source.data.subarray(sy * source.width * 3, (sy * source.width + w) * 3), x * 3);
    }
    out.data.set(row, y * rowBytes);
  }
  return out;
}
