import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../src/bench/scenarios.js';

describe('gramscope bench scenarios', () => {
  it('registers the ONNX scenarios of issue 9, each name once', () => {
    const names = SCENARIOS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(
      expect.arrayContaining(['onnx-pipeline', 'onnx-tiles', 'onnx-wasm', 'onnx-cold-start']),
    );
  });
});
