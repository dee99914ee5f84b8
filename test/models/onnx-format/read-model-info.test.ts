import { describe, expect, it } from 'vitest';
import { buildConstantDetector } from '../../../src/models/builder/exact-models.js';
import { GraphBuilder } from '../../../src/models/builder/graph-builder.js';
import { readOnnxModelInfo } from '../../../src/models/onnx-format/read-model-info.js';

describe('readOnnxModelInfo', () => {
  it('reads versions, metadata and the graph signature without the weights', () => {
    const { bytes } = buildConstantDetector({
      layout: 'yolov8',
      classes: ['cons', 'rbc'],
      rows: [[1, 2, 3, 4, 0.5, 0.5]],
      inputWidth: 64,
      inputHeight: 48,
      dynamic: true,
      metadata: { task: 'detect' },
    });
    const info = readOnnxModelInfo(bytes);
    expect(info).toMatchObject({
      irVersion: 8,
      opsets: [{ domain: '', version: 17 }],
      producer: { name: 'gramscope-builder', version: '1' },
      metadata: { stride: '32', task: 'detect', names: "{0: 'cons', 1: 'rbc'}" },
      inputs: [{ name: 'images', type: 'float32', shape: ['batch', 3, 'height', 'width'] }],
      outputs: [{ name: 'output0', type: 'float32', shape: [1, 6, 1] }],
      initializerCount: 2,
    });
  });

  it('leaves out weights that older exporters list among the inputs', () => {
    const g = new GraphBuilder('legacy');
    const x = g.input('images', [1, 3, 8, 8]);
    const w = g.floats([1], [1, 1, 1, 1], 'w');
    g.input(w, [1, 1, 1, 1]);
    g.output(g.node('Mul', [x, w]), 'out', [1, 3, 8, 8]);
    expect(readOnnxModelInfo(g.encode()).inputs.map((i) => i.name)).toEqual(['images']);
  });

  it('refuses what is not an ONNX model', () => {
    const refuse = (bytes: Uint8Array): void =>
      expect(() => readOnnxModelInfo(bytes)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_INVALID' }));
    refuse(new Uint8Array(0));
    refuse(new TextEncoder().encode('{"not": "a model", "but": "json text"}'));
    refuse(Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    const { bytes } = buildConstantDetector({
      layout: 'yolov5',
      classes: ['a'],
      rows: [[1, 1, 1, 1, 1, 1]],
      inputWidth: 8,
      inputHeight: 8,
    });
    refuse(bytes.subarray(0, bytes.length - 7));
  });
});
