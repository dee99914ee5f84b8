import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { LABEL_KEYS } from '../../../src/domain/taxonomy.js';
import { InferencePool } from '../../../src/engines/onnx-runtime/inference-pool.js';
import { computeLetterbox } from '../../../src/imaging/letterbox.js';
import { buildCropClassifier } from '../../../src/models/builder/crop-classifier.js';
import { buildYoloV5 } from '../../../src/models/builder/yolov5.js';
import { readOnnxModelInfo } from '../../../src/models/onnx-format/read-model-info.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function open(bytes: Uint8Array): Promise<InferencePool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gramscope-builder-'));
  dirs.push(dir);
  const file = path.join(dir, 'model.onnx');
  await writeFile(file, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { pool } = await InferencePool.open({
    modelPath: file,
    sha256,
    runtime: { threads: 1, provider: 'cpu' },
    workers: 1,
    maxQueue: 4,
  });
  return pool;
}

describe('YOLOv5 builder', () => {
  it('writes the YOLOv5n architecture with 17 classes, identical on every build', () => {
    const a = buildYoloV5({ variant: 'n', classes: LABEL_KEYS, inputSize: 640 });
    const b = buildYoloV5({ variant: 'n', classes: LABEL_KEYS, inputSize: 640 });
    // yolov5n.yaml with nc=17: 1,782,201 weights (1.87 M for 80 classes in Ultralytics' summary).
    expect(a.parameters).toBe(1_782_201);
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    const info = readOnnxModelInfo(a.bytes);
    expect(info.inputs[0].shape).toEqual([1, 3, 640, 640]);
    expect(info.outputs[0].shape).toEqual([1, 25200, 22]);
    expect(info.metadata.names).toMatch(/^\{0: 'enterobacterales', 1: 'p_aeruginosa', .* 16: 'rbc'\}$/);
  });

  it('runs with dynamic axes at 640x480 and decodes boxes inside the input', async () => {
    const { bytes } = buildYoloV5({ variant: 'n', classes: LABEL_KEYS, dynamic: true, seed: 3 });
    const pool = await open(bytes);
    try {
      const lb = computeLetterbox(640, 480, { width: 640, height: 640, rectangular: true, stride: 32 });
      const image = new Uint8Array(640 * 480 * 3).map((_, i) => (i * 31) % 256);
      const thresholds = new Float32Array(17).fill(0.0005);
      const result = await pool.detect({
        kind: 'detect',
        inputName: 'images',
        outputName: 'output0',
        image,
        letterbox: lb,
        pack: {},
        decode: {
          layout: 'yolov5',
          classCount: 17,
          thresholds,
          iou: 0.45,
          maxDetections: 50,
          maxCandidates: 30_000,
        },
      });
      const rows = result.boxes.length / 6;
      expect(rows).toBeGreaterThan(0);
      for (let i = 0; i < rows; i++) {
        const [x1, y1, x2, y2, score, cls] = result.boxes.subarray(i * 6, i * 6 + 6);
        expect(x2).toBeGreaterThan(x1);
        expect(y2).toBeGreaterThan(y1);
        expect(score).toBeGreaterThan(0);
        expect(score).toBeLessThanOrEqual(1);
        expect(Number.isInteger(cls) && cls < 17).toBe(true);
      }
    } finally {
      await pool.dispose();
    }
  });
});

describe('crop classifier builder', () => {
  it('writes a classifier whose outputs are probabilities per crop', async () => {
    const { bytes } = buildCropClassifier({
      classes: ['background', 'gp_rod', 'gn_rod', 'gp_coccus', 'gn_coccus'],
      inputSize: 32,
    });
    const pool = await open(bytes);
    try {
      const crops = new Uint8Array(3 * 32 * 32 * 3).map((_, i) => (i * 13) % 256);
      const result = await pool.classify({
        kind: 'classify',
        inputName: 'input',
        outputName: 'output0',
        crops,
        count: 3,
        size: 32,
        batch: 2,
        pack: {},
      });
      expect(result.classes).toBe(5);
      for (let i = 0; i < 3; i++) {
        const sum = result.scores.subarray(i * 5, i * 5 + 5).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 5);
      }
    } finally {
      await pool.dispose();
    }
  });
});
