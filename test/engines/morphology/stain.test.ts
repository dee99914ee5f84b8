import { describe, expect, it } from 'vitest';
import { createRng, renderField, REFERENCE_SITE, type SynthSite } from '../../../src/datasets/synth/index.js';
import { MorphologyEngine } from '../../../src/engines/morphology/index.js';
import { scoreField } from '../../../src/engines/morphology/evaluate-fields.js';
import { estimateBackground } from '../../../src/engines/morphology/background.js';
import {
  CRYSTAL_VIOLET_HUE,
  CRYSTAL_VIOLET_REFERENCE,
  SAFRANIN_REFERENCE,
  angleBetween,
  estimateStains,
  stainHue,
  type Vec3,
} from '../../../src/engines/morphology/stain.js';
import type { WorkingImage } from '../../../src/engines/morphology/working-image.js';
import type { LabelKey } from '../../../src/domain/taxonomy.js';
import { createOdPainter } from '../../support/od-painter.js';

const engine = new MorphologyEngine();

/**
 * A site whose counterstain is magenta (basic fuchsin rather than safranin: it absorbs green and
 * some red, little blue) on a pink-lilac cast. The counterstain lies within the 3-D margin of both
 * references, which made a field of it with no second stain population read as Gram-positive.
 */
const magentaSite: SynthSite = {
  ...REFERENCE_SITE,
  id: 90,
  stainVectors: [REFERENCE_SITE.stainVectors[0], [0.25, 0.92, 0.3], REFERENCE_SITE.stainVectors[2]],
  background: [245, 210, 235],
};

const gramOnMagentaSite = async (label: LabelKey, micronsPerPixel: number | null) => {
  // No red cells: one stain population in the field, as in a smear of a pure culture.
  const f = renderField({
    seed: 5,
    width: 800,
    height: 600,
    labels: [label],
    site: magentaSite,
    abundance: 1.3,
  });
  const out = await engine.analyze(f.raster, {
    micronsPerPixel,
    scaleSource: micronsPerPixel ? 'profile' : 'unknown',
  });
  return scoreField(f.objects, out.detections);
};

/**
 * A field of one dye painted in OD space: `count` oval cells of OD direction `dye` on even glass,
 * with a soft edge and sensor noise, and optionally a few dark near-grey specks (dust, dark rims).
 */
function paintField(
  dye: Vec3,
  options: { specks?: Vec3; speckCount?: number; speckRadius?: number; seed?: number } = {},
): WorkingImage {
  const width = 480;
  const height = 360;
  const background: Vec3 = [236, 214, 226];
  const rng = createRng(options.seed ?? 3);
  const { stamp, toRgb } = createOdPainter(width, height, background, rng);
  for (let k = 0; k < 140; k++)
    stamp(
      rng.range(10, width - 10),
      rng.range(10, height - 10),
      rng.range(9, 14),
      4,
      rng.range(0, Math.PI),
      rng.range(0.5, 0.8),
      dye,
    );
  if (options.specks)
    for (let k = 0; k < (options.speckCount ?? 25); k++) {
      const radius = options.speckRadius ?? 2.5;
      stamp(rng.range(10, width - 10), rng.range(10, height - 10), radius, radius, 0, 1.1, options.specks);
    }
  const rgb = toRgb();
  return { width, height, factor: 1, rgb };
}

const stainsOf = (work: WorkingImage) => estimateStains(work, estimateBackground(work, 64));

describe('stain hue', () => {
  it('places safranin at 0° and crystal violet some 64° away, and grey does not move a hue', () => {
    expect(stainHue(SAFRANIN_REFERENCE)).toBeCloseTo(0, 6);
    expect(CRYSTAL_VIOLET_HUE).toBeGreaterThan(55);
    expect(CRYSTAL_VIOLET_HUE).toBeLessThan(72);
    // Safranin darkened by grey (blur, dark rims) is 7° nearer crystal violet in 3-D, same hue.
    const greyed: Vec3 = [
      SAFRANIN_REFERENCE[0] + 0.4,
      SAFRANIN_REFERENCE[1] + 0.4,
      SAFRANIN_REFERENCE[2] + 0.4,
    ];
    expect(angleBetween(greyed, CRYSTAL_VIOLET_REFERENCE)).toBeLessThan(
      angleBetween(SAFRANIN_REFERENCE, CRYSTAL_VIOLET_REFERENCE) - 6,
    );
    expect(stainHue(greyed)).toBeCloseTo(0, 6);
  });
});

describe('stain estimation with a single stain population', () => {
  it('reads a magenta counterstain as safranin, not as crystal violet', () => {
    // Hue about 25°: nearer safranin's than crystal violet's, but 3-D angles put it in between.
    const magenta: Vec3 = [0.25, 0.92, 0.3];
    const stains = stainsOf(paintField(magenta));
    expect(stains.populations).toBe(1);
    expect(stains.hueDeg).toBeGreaterThan(15);
    expect(stains.hueDeg).toBeLessThan(32);
    expect(stains.source.safranin).toBe('estimated');
    expect(stains.source.crystalViolet).toBe('reference');
    expect(angleBetween(stains.safranin, magenta)).toBeLessThan(4);
  });

  it('reads a field of violet cells alone as crystal violet', () => {
    const violet: Vec3 = [0.6, 0.76, 0.25];
    const stains = stainsOf(paintField(violet));
    expect(stains.populations).toBe(1);
    expect(stains.source.crystalViolet).toBe('estimated');
    expect(stains.source.safranin).toBe('reference');
    expect(angleBetween(stains.crystalViolet, violet)).toBeLessThan(4);
  });

  it('keeps a second, truly violet population when the hues are wide apart', () => {
    const stains = stainsOf(
      paintField([0.12, 0.86, 0.5], { specks: [0.58, 0.76, 0.2], speckCount: 80, speckRadius: 5 }),
    );
    expect(stains.populations).toBe(2);
    expect(stains.source.crystalViolet).toBe('estimated');
    expect(angleBetween(stains.crystalViolet, CRYSTAL_VIOLET_REFERENCE)).toBeLessThan(10);
  });

  it('reads a few violet specks among pink cells against the crystal-violet reference', () => {
    // Too few to widen the hues: one (safranin) population, and the violet keeps its reference.
    const stains = stainsOf(paintField([0.12, 0.86, 0.5], { specks: [0.58, 0.76, 0.2] }));
    expect(stains.populations).toBe(1);
    expect(stains.source.crystalViolet).toBe('reference');
    const cv = stains.unmix[0] * 0.58 + stains.unmix[1] * 0.76 + stains.unmix[2] * 0.2;
    const saf = stains.unmix[3] * 0.58 + stains.unmix[4] * 0.76 + stains.unmix[5] * 0.2;
    expect(cv / (cv + Math.max(saf, 0))).toBeGreaterThan(0.8);
  });

  it('refuses a near-grey "crystal violet" made of dark specks', () => {
    // Dark, nearly neutral specks (dust, refractile rims) beside pale pink cells: 9° from grey,
    // where crystal violet lies 21° from it.
    const stains = stainsOf(paintField([0.12, 0.86, 0.5], { specks: [0.66, 0.58, 0.47] }));
    expect(stains.source.crystalViolet).toBe('reference');
  });
});

describe('Gram call on a magenta-cast site with one stain population (issue 4)', () => {
  // Before the hue rule the Gram-negative field read Gram-positive (0 of 21 matched right).
  it('calls Gram-negative rods negative', async () => {
    const score = await gramOnMagentaSite('enterobacterales', 0.1);
    expect(score.organismsMatched).toBeGreaterThan(25);
    expect(score.gramCorrect / score.organismsMatched).toBeGreaterThanOrEqual(0.95);
  });

  it('still calls Gram-positive cocci positive at the same site', async () => {
    const score = await gramOnMagentaSite('s_aureus', 0.1);
    expect(score.organismsMatched).toBeGreaterThan(50);
    expect(score.gramCorrect / score.organismsMatched).toBeGreaterThanOrEqual(0.97);
  });
});
