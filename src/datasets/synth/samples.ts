/**
 * The bundled sample fields (samples/*.jpg): fixed seeds and options, so `npm run samples`
 * regenerates them exactly and a test can check the committed ground truth against the generator.
 */
import type { LabelKey } from '../../domain/taxonomy.js';
import { renderField, type SynthField } from './render-field.js';
import { createSite } from './site.js';

export interface SampleField {
  /** File stem under samples/. */
  readonly name: string;
  readonly title: string;
  readonly labels: readonly LabelKey[];
  readonly seed: number;
  /** Simulated site (0 = clean reference). */
  readonly site: number;
  readonly abundance: number;
}

export const SAMPLE_WIDTH = 1600;
export const SAMPLE_HEIGHT = 1200;
export const SAMPLE_MICRONS_PER_PIXEL = 0.1;
export const SAMPLE_JPEG_QUALITY = 82;

export const SAMPLE_FIELDS: readonly SampleField[] = [
  {
    name: 's-aureus-clusters',
    title: 'Gram-positive cocci in clusters (S. aureus-like)',
    labels: ['s_aureus', 'rbc'],
    seed: 101,
    site: 0,
    abundance: 1,
  },
  {
    name: 'streptococcal-chains',
    title: 'Gram-positive cocci in chains (S. pyogenes-like)',
    labels: ['s_pyogenes', 'rbc'],
    seed: 102,
    site: 4,
    abundance: 1,
  },
  {
    name: 'pneumococci-lancet-pairs',
    title: 'Lancet-shaped Gram-positive diplococci (S. pneumoniae-like)',
    labels: ['s_pneumoniae', 'rbc'],
    seed: 103,
    site: 5,
    abundance: 1.2,
  },
  {
    name: 'gram-negative-rods',
    title: 'Gram-negative rods (Enterobacterales-like)',
    labels: ['enterobacterales', 'rbc'],
    seed: 104,
    site: 1,
    abundance: 1,
  },
  {
    name: 'candida-yeast',
    title: 'Budding yeast with pseudohyphae (Candida-like)',
    labels: ['candida', 'rbc'],
    seed: 105,
    site: 3,
    abundance: 1.5,
  },
  {
    name: 'mixed-cocci-and-rods',
    title: 'Mixed: Gram-positive cocci in clusters and Gram-negative rods',
    labels: ['s_aureus', 'enterobacterales', 'rbc'],
    seed: 106,
    site: 2,
    abundance: 0.8,
  },
];

/**
 * Renders one bundled sample field.
 *
 * @example
 * const field = renderSampleField(SAMPLE_FIELDS[0]); // the S. aureus-like sample
 */
export function renderSampleField(sample: SampleField): SynthField {
  return renderField({
    seed: sample.seed,
    width: SAMPLE_WIDTH,
    height: SAMPLE_HEIGHT,
    micronsPerPixel: SAMPLE_MICRONS_PER_PIXEL,
    labels: sample.labels,
    site: createSite(sample.site),
    abundance: sample.abundance,
  });
}
