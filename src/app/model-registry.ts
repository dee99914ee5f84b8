/**
 * Wires the model registry (cards in the database, files under `<data directory>/models`, probing in
 * an inference worker) and the ONNX engine descriptors bound to it. Used by the server context and
 * the CLI.
 */
import path from 'node:path';
import type { Config } from '../config/config.schema.js';
import type { EngineDescriptor } from '../engines/engine.js';
import { createOnnxCropClassifierDescriptor } from '../engines/onnx-crop-classifier/onnx-crop-classifier.engine.js';
import { createOnnxDetectorDescriptor } from '../engines/onnx-detector/onnx-detector.engine.js';
import { OnnxModelProbe } from '../engines/onnx-runtime/model-probe.js';
import { onnxSettingsFromConfig } from '../engines/onnx-runtime/onnx-engine-settings.js';
import type { ModelEngine } from '../models/model-card.js';
import { ModelFileStore } from '../models/model-files.js';
import { ModelRegistryService } from '../models/model-registry.service.js';
import type { ModelResolver } from '../models/model-resolver.js';
import type { BlobStore } from '../store/blob-store.js';
import type { StoreDatabase } from '../store/database.js';
import { SqlModelsRepository } from '../store/models.repository.js';

/**
 * @param blobs the installation's blob store: when it is an object store (S3), model files are
 *   shared through it between replicas; a local blob folder adds nothing to the models folder.
 */
export function createModelRegistry(
  config: Readonly<Config>,
  store: StoreDatabase,
  onChange?: (engine: ModelEngine, id: string) => void | Promise<void>,
  blobs?: BlobStore,
): ModelRegistryService {
  const shared = blobs && config.storage.s3Bucket ? blobs : null;
  return new ModelRegistryService({
    repository: new SqlModelsRepository(store.db),
    files: new ModelFileStore(path.join(config.storage.dataDir, 'models'), shared),
    // Probing loads the model once to check it; the CPU provider is enough and always present.
    probe: new OnnxModelProbe({ threads: config.onnx.threads, provider: 'cpu' }),
    maxBytes: config.onnx.maxModelBytes,
    ...(onChange ? { onChange } : {}),
  });
}

/** The ONNX engines, resolving their models through the registry. */
export function createOnnxEngineDescriptors(
  models: ModelResolver,
  config: Readonly<Config>,
): EngineDescriptor[] {
  const settings = onnxSettingsFromConfig(config);
  return [
    createOnnxDetectorDescriptor({ models, settings }),
    createOnnxCropClassifierDescriptor({ models, settings }),
  ];
}
