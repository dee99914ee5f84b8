/** The morphology engine: the embedded default, classical image analysis with no trained weights. */
import type { RasterImage } from '../../domain/raster.js';
import type {
  AnalyzeOptions,
  Engine,
  EngineCapabilities,
  EngineDescriptor,
  EngineOutput,
} from '../engine.js';
import { analyseField } from './analyse-field.js';

export const MORPHOLOGY_ENGINE_VERSION = '1.0.0';

export class MorphologyEngine implements Engine {
  readonly name = 'morphology';
  readonly version = MORPHOLOGY_ENGINE_VERSION;
  readonly model = null;
  readonly capabilities: EngineCapabilities = {
    needsModel: false,
    morphotypes: true,
    explanations: true,
    estimatesScale: true,
  };

  /**
   * Analyses one field; never throws on a decodable image (unreadable fields come back with
   * `assessable.ok === false` and a reason).
   *
   * @example
   * const out = await new MorphologyEngine().analyze(raster, { micronsPerPixel: 0.1, scaleSource: 'profile' });
   * out.detections[0]; // { box, label: 's_aureus', morphotype: 'gpc_clusters', gram: 'positive', … }
   */
  async analyze(image: RasterImage, options: AnalyzeOptions): Promise<EngineOutput> {
    // Yield once so a request aborted while queued never starts the (synchronous) pipeline.
    await Promise.resolve();
    options.signal?.throwIfAborted();
    const result = analyseField(image, {
      micronsPerPixel: options.micronsPerPixel,
      scaleSource: options.scaleSource,
      signal: options.signal,
    });
    return {
      detections: result.detections,
      scale: result.scale,
      assessable: result.assessable,
      stages: result.stages,
      ...(result.differential && result.differential.length ? { differential: result.differential } : {}),
    };
  }
}

/**
 * Registers as `morphology`, the highest-priority engine: it needs no model, so it always loads.
 *
 * @example
 * registry.register(morphologyEngineDescriptor);
 */
export const morphologyEngineDescriptor: EngineDescriptor = {
  name: 'morphology',
  description:
    'Classical Gram-stain image analysis (stain separation, segmentation, morphology); no trained weights',
  priority: 100,
  needsModel: false,
  create: () => Promise.resolve(new MorphologyEngine()),
};
