import { describe, expect, it } from 'vitest';
import {
  differentialFromLabels,
  differentialFromMorphotypes,
  differentialFromMorphologyEvidence,
  LABEL_PRIORS_BY_MORPHOTYPE,
  topLabelForMorphotype,
} from '../../src/analysis/differential.js';
import { findingFor, findingKey, summarise } from '../../src/analysis/summarise.js';
import type { Detection } from '../../src/domain/analysis-result.js';

const det = (morphotype: Detection['morphotype'], gram: Detection['gram'], label = 'x'): Detection => ({
  box: [0, 0, 1, 1],
  label,
  score: 0.9,
  morphotype,
  gram,
});

describe('finding and summary', () => {
  it('names the dominant morphotype in both languages', () => {
    expect(findingFor(new Map([['gpc_clusters', 40]]))).toEqual({
      en: 'Gram-positive cocci in clusters',
      ja: 'グラム陽性球菌（ブドウ状）',
    });
  });

  it('names a mixed field by both morphotypes, most frequent first, ignoring minor ones and red cells', () => {
    const f = findingFor(
      new Map([
        ['gnr', 30],
        ['gpc_clusters', 60],
        ['gnc', 2],
        ['rbc', 500],
      ]),
    );
    expect(f.en).toBe('Gram-positive cocci in clusters and Gram-negative rods');
    expect(f.ja).toBe('グラム陽性球菌（ブドウ状）、グラム陰性桿菌');
  });

  it('lists three morphotypes as English prose: commas, one "and", no stray capitals', () => {
    const f = findingFor(
      new Map([
        ['gnr', 50],
        ['yeast', 30],
        ['gncb', 20],
      ]),
    );
    expect(f.en).toBe('Gram-negative rods, yeast and Gram-negative coccobacilli');
    expect(f.ja).toBe('グラム陰性桿菌、酵母様真菌、グラム陰性球桿菌');
  });

  it('compares findings by the morphotypes they name, in any order', () => {
    const a = findingFor(
      new Map([
        ['gpc_clusters', 60],
        ['gnr', 40],
      ]),
    ).en;
    const b = findingFor(
      new Map([
        ['gnr', 60],
        ['gpc_clusters', 40],
      ]),
    ).en;
    expect(a).not.toBe(b);
    expect(findingKey(a)).toBe(findingKey(b));
    expect(findingKey(a)).not.toBe(findingKey(findingFor(new Map([['gpc_clusters', 60]])).en));
    expect(findingKey('Gram-negative rods, yeast and Gram-negative coccobacilli')).toBe(
      findingKey(
        findingFor(
          new Map([
            ['yeast', 50],
            ['gncb', 30],
            ['gnr', 20],
          ]),
        ).en,
      ),
    );
  });

  it('reports no organisms seen when only red cells are present', () => {
    expect(findingFor(new Map([['rbc', 12]]))).toEqual({ en: 'No organisms seen', ja: '菌体を認めず' });
  });

  it('counts Gram reactions of organisms only, and shares per morphotype', () => {
    const s = summarise([
      ...Array.from({ length: 9 }, () => det('gpc_clusters', 'positive', 's_aureus')),
      det('gnr', 'negative', 'enterobacterales'),
      det('rbc', 'n/a', 'rbc'),
    ]);
    expect(s.gram).toEqual({ positive: 9, negative: 1 });
    expect(s.morphotypes).toEqual([
      { morphotype: 'gpc_clusters', count: 9, share: 0.9 },
      { morphotype: 'gnr', count: 1, share: 0.1 },
    ]);
    expect(s.counts).toEqual({ s_aureus: 9, enterobacterales: 1, rbc: 1 });
    expect(s.differential[0]?.label).toBe('cons');
    expect(s.assessable).toBe(true);
  });

  it('says "cannot assess" with the engine reason', () => {
    const s = summarise([], {
      assessable: { ok: false, reason: { en: 'Field is blank', ja: '視野が空白です' } },
    });
    expect(s.assessable).toBe(false);
    expect(s.finding.en).toBe('Field is blank');
  });
});

describe('differential', () => {
  it('weights priors by morphotype share', () => {
    const d = differentialFromMorphotypes([
      { morphotype: 'gpc_clusters', count: 50 },
      { morphotype: 'gnr', count: 50 },
    ]);
    const score = (l: string) => d.find((e) => e.label === l)?.score;
    expect(score('enterobacterales')).toBeCloseTo(0.5 * LABEL_PRIORS_BY_MORPHOTYPE.gnr.enterobacterales!, 3);
    expect(score('cons')).toBeCloseTo(0.5 * 0.62, 3);
    expect(d.reduce((s, e) => s + e.score, 0)).toBeCloseTo(1, 2);
    expect(d[0].score).toBeGreaterThanOrEqual(d[1].score);
  });

  it('is empty without organisms', () => {
    expect(differentialFromMorphotypes([{ morphotype: 'rbc', count: 20 }])).toEqual([]);
  });

  it('normalises detector label scores and ignores red cells and unmapped names', () => {
    const d = differentialFromLabels([
      { label: 's_aureus', score: 0.9 },
      { label: 's_aureus', score: 0.6 },
      { label: 'cons', score: 0.5 },
      { label: 'rbc', score: 1 },
      { label: 'spore', score: 1 },
    ]);
    expect(d).toEqual([
      { label: 's_aureus', score: 0.75, evidence: 'detector label scores' },
      { label: 'cons', score: 0.25, evidence: 'detector label scores' },
    ]);
  });

  it('picks the most likely label per morphotype', () => {
    expect(topLabelForMorphotype('gnr')).toBe('enterobacterales');
    expect(topLabelForMorphotype('yeast')).toBe('candida');
    expect(topLabelForMorphotype('rbc')).toBe('rbc');
  });
});

describe('morphology differential evidence', () => {
  it('raises Bacillus for large rods and Listeria for short slim ones, and says why', () => {
    const big = differentialFromMorphologyEvidence(
      Array.from({ length: 10 }, () => ({
        morphotype: 'gpr' as const,
        lengthUm: 4.5,
        widthUm: 1.2,
        arrangement: 'chain',
      })),
    );
    expect(big[0].label).toBe('bacillus');
    expect(big[0].evidence).toMatch(/large rods/);
    const short = differentialFromMorphologyEvidence(
      Array.from({ length: 10 }, () => ({
        morphotype: 'gpr' as const,
        lengthUm: 1.4,
        widthUm: 0.5,
        arrangement: 'single',
      })),
    );
    expect(short.find((e) => e.label === 'listeria')!.score).toBeGreaterThan(
      LABEL_PRIORS_BY_MORPHOTYPE.gpr.listeria!,
    );
  });

  it('favours pneumococci when most pairs are lancets', () => {
    const cells = Array.from({ length: 8 }, () => ({
      morphotype: 'gpc_pairs' as const,
      lengthUm: 1.1,
      widthUm: 0.7,
      arrangement: 'pair',
    }));
    const d = differentialFromMorphologyEvidence(cells, { lancetPairs: 3, meanGroupSize: 2 });
    expect(d[0].label).toBe('s_pneumoniae');
    const oval = differentialFromMorphologyEvidence(cells, { lancetPairs: 0, meanGroupSize: 2 });
    expect(oval[0].label).toBe('enterococcus');
  });
});
