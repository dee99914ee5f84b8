import { describe, expect, it } from 'vitest';
import { LABELS, LABEL_KEYS, LABEL_LIST, MORPHOTYPES, mapLabelName } from '../../src/domain/taxonomy.js';

describe('taxonomy', () => {
  it('keeps the reference detector order of the 17 labels', () => {
    expect(LABEL_KEYS).toHaveLength(17);
    expect(LABEL_KEYS[0]).toBe('enterobacterales');
    expect(LABEL_KEYS[5]).toBe('s_aureus');
    expect(LABEL_KEYS[15]).toBe('candida');
    expect(LABEL_KEYS[16]).toBe('rbc');
    LABEL_LIST.forEach((l, i) => expect(l.index).toBe(i));
  });

  it('gives each label a Gram reaction consistent with its morphotype', () => {
    for (const l of LABEL_LIST) expect(l.gram).toBe(MORPHOTYPES[l.morphotype].gram);
  });

  it('maps names by key, English, Japanese and alias', () => {
    expect(mapLabelName('s_aureus')).toBe('s_aureus');
    expect(mapLabelName('Staphylococcus aureus')).toBe('s_aureus');
    expect(mapLabelName('黄色ブドウ球菌')).toBe('s_aureus');
    expect(mapLabelName('  MRSA ')).toBe('s_aureus');
    expect(mapLabelName('Enterobacteriaceae')).toBe('enterobacterales');
    expect(mapLabelName('E. coli')).toBe('enterobacterales');
    expect(mapLabelName('B群β溶血性レンサ球菌')).toBe('gbs');
    expect(mapLabelName('spore')).toBeNull();
  });

  it('has unique names so mapping is unambiguous', () => {
    const seen = new Map<string, string>();
    for (const l of LABEL_LIST) {
      for (const name of [l.key, l.en, l.ja, ...l.aliases]) {
        const k = name.toLowerCase();
        expect(seen.get(k) ?? l.key, `${name} used twice`).toBe(l.key);
        seen.set(k, l.key);
      }
    }
    expect(LABELS.s_aureus.snomed).toBe('3092008');
  });
});
