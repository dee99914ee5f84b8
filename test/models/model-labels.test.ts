import { describe, expect, it } from 'vitest';
import { mapClassNames, parseLabelsFile, parseNamesMetadata } from '../../src/models/model-labels.js';

describe('parseNamesMetadata', () => {
  it("reads Ultralytics' Python dict and list literals", () => {
    expect(
      parseNamesMetadata("{0: 'cons', 1: \"S. aureus\", 2: 'it\\'s', 3: '\\u8d64\\u8840\\u7403'}"),
    ).toEqual(['cons', 'S. aureus', "it's", '赤血球']);
    expect(parseNamesMetadata("['gp_rod', 'gn_rod',]")).toEqual(['gp_rod', 'gn_rod']);
  });

  it('refuses gaps, garbage and empty names', () => {
    expect(() => parseNamesMetadata("{0: 'a', 2: 'b'}")).toThrow(/index 1 is missing/);
    expect(() => parseNamesMetadata('not a dict')).toThrow(/dict or a list/);
    expect(() => parseNamesMetadata("{0: 'a'} trailing")).toThrow(/unexpected text/);
    expect(() => parseNamesMetadata("{0: 'unterminated}")).toThrow(/unterminated/);
    expect(() => parseNamesMetadata("{0: ''}")).toThrow(/empty/);
    expect(() => parseNamesMetadata('{}')).toThrow(/no class names/);
  });
});

describe('parseLabelsFile', () => {
  it('reads text, data.yaml (list or dict) and JSON', () => {
    expect(parseLabelsFile('# classes\ncons\r\n\ns_aureus\n', 'classes.txt')).toEqual(['cons', 's_aureus']);
    expect(parseLabelsFile('path: ../data\nnames:\n  - cons\n  - rbc\n', 'data.yaml')).toEqual([
      'cons',
      'rbc',
    ]);
    expect(parseLabelsFile('names:\n  1: rbc\n  0: cons\n', 'data.yml')).toEqual(['cons', 'rbc']);
    expect(parseLabelsFile('{"0": "cons", "1": "rbc"}', 'labels.json')).toEqual(['cons', 'rbc']);
    expect(parseLabelsFile('["cons"]', 'labels.json')).toEqual(['cons']);
  });

  it('refuses malformed files with ERR_MODEL_LABELS', () => {
    expect(() => parseLabelsFile('{', 'labels.json')).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_LABELS' }),
    );
    expect(() => parseLabelsFile('names: 3', 'data.yaml')).toThrow(/no list of names/);
    expect(() => parseLabelsFile('names:\n  5: x\n', 'data.yaml')).toThrow(/bad class index/);
    expect(() => parseLabelsFile('\n\n', 'labels.txt')).toThrow(/no class names/);
  });
});

describe('mapClassNames', () => {
  it('maps by key, English, Japanese name or alias, and keeps the rest', () => {
    expect(mapClassNames(['Staphylococcus aureus', '黄色ブドウ球菌', 'E. coli', 'RBC', 'spore'])).toEqual({
      classes: [
        { index: 0, name: 'Staphylococcus aureus', label: 's_aureus' },
        { index: 1, name: '黄色ブドウ球菌', label: 's_aureus' },
        { index: 2, name: 'E. coli', label: 'enterobacterales' },
        { index: 3, name: 'RBC', label: 'rbc' },
        { index: 4, name: 'spore', label: null },
      ],
      unmapped: ['spore'],
    });
  });
});
