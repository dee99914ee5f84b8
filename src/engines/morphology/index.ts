/** The morphology engine's public surface. */
export {
  MorphologyEngine,
  MORPHOLOGY_ENGINE_VERSION,
  morphologyEngineDescriptor,
} from './morphology.engine.js';
export { analyseField, type FieldAnalysis, type FieldLayers, type FieldOptions } from './analyse-field.js';
export { estimateScaleFromRedCells, RED_CELL_DIAMETER_UM } from './scale.js';
