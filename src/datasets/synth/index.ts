/** The synthetic field generator's public surface. */
export {
  renderField,
  DEFAULT_SYNTH_MICRONS_PER_PIXEL,
  ORGANISM_LABELS,
  type RenderFieldOptions,
  type SynthField,
  type SynthObject,
  type SynthClutter,
} from './render-field.js';
export { createSite, REFERENCE_SITE, type SynthSite } from './site.js';
export { SYNTH_ARRANGEMENTS, type SynthArrangement } from './organisms.js';
export { createRng, type Rng } from './prng.js';
export {
  writeSynthDataset,
  pickSpecimenLabels,
  fieldSeed,
  type SynthDatasetOptions,
  type SynthDatasetSummary,
  type SynthFieldRecord,
  type SynthImageFormat,
} from './synth-dataset.service.js';
