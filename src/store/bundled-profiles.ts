import type { ProfileInput } from './profiles.repository.js';

/**
 * Calibration profiles created on first start so a site can pick one at once. Figures are typical
 * for a 100× oil objective; a site should measure its own with a stage micrometer.
 */
export const BUNDLED_PROFILES: readonly ProfileInput[] = [
  {
    name: 'generic-100x-5mp',
    microscope: 'Generic brightfield, 100× oil immersion',
    camera: '5 MP C-mount camera, 2.2 µm pixels, 0.5× adapter',
    objective: '100×/1.25 oil',
    micronsPerPixel: 0.044,
    notes: 'Typical figure; calibrate with a stage micrometer before clinical use.',
  },
  {
    name: 'synthetic-default',
    microscope: 'gramscope synth',
    camera: 'gramscope synth default',
    objective: 'simulated 100× oil',
    micronsPerPixel: 0.1,
    notes: 'Matches the default scale of fields made by `gramscope synth`.',
  },
];
