import { describe, expect, it } from 'vitest';
import {
  detectYoloLayout,
  decodeYoloOutput,
  type DecodeParams,
} from '../../../src/engines/onnx-detector/yolo-output.js';

const params = (layout: DecodeParams['layout'], nc: number, threshold = 0.25): DecodeParams => ({
  layout,
  classCount: nc,
  thresholds: new Float32Array(nc).fill(threshold),
  iou: 0.45,
  maxDetections: 300,
  maxCandidates: 30_000,
});

describe('detectYoloLayout', () => {
  it('tells the layouts apart from fixed axes and the class count', () => {
    expect(detectYoloLayout([1, 25200, 22], 17)).toEqual({ layout: 'yolov5', classCount: 17 });
    expect(detectYoloLayout([1, 21, 8400], 17)).toEqual({ layout: 'yolov8', classCount: 17 });
    expect(detectYoloLayout(['batch', 'anchors', 22], null)).toEqual({ layout: 'yolov5', classCount: 17 });
    expect(detectYoloLayout(['batch', 21, 'anchors'], null)).toEqual({ layout: 'yolov8', classCount: 17 });
    expect(detectYoloLayout([1, 25200, 85], null)).toEqual({ layout: 'yolov5', classCount: 80 });
    expect(detectYoloLayout([1, 84, 8400], null)).toEqual({ layout: 'yolov8', classCount: 80 });
    expect(detectYoloLayout([1, 300, 6], 17, true)).toEqual({ layout: 'end2end', classCount: 17 });
  });

  it('refuses what it cannot read', () => {
    expect(() => detectYoloLayout([1, 8400], 17)).toThrow(/rank 2/);
    expect(() => detectYoloLayout([1, 25200, 22], 3)).toThrow(/neither layout/);
    expect(() => detectYoloLayout([4, 25200, 22], null)).toThrow(/batch/);
    expect(() => detectYoloLayout(['b', 'n', 'c'], null)).toThrow(/no fixed class axis/);
    expect(() => detectYoloLayout([1, 300, 7], 17, true)).toThrow(/end-to-end/);
  });
});

describe('decodeYoloOutput', () => {
  it('decodes YOLOv5 rows: objectness times class score, best class, class-aware NMS', () => {
    const rows = [
      [50, 50, 20, 20, 0.9, 0.2, 0.8], // class 1, 0.72
      [52, 50, 20, 20, 0.8, 0.1, 0.9], // class 1, 0.72 × IoU 0.82: suppressed
      [52, 50, 20, 20, 0.5, 0.9, 0.1], // class 0, 0.45: kept
      [10, 10, 4, 4, 0.2, 1, 0], // objectness 0.2 < 0.25: skipped
      [90, 90, 4, 4, 0.6, 0.3, 0.3], // 0.18: below
    ];
    const out = decodeYoloOutput(Float32Array.from(rows.flat()), [1, rows.length, 7], params('yolov5', 2));
    expect(out.map((c) => [c.classIndex, c.box, Number(c.score.toFixed(4))])).toEqual([
      [1, [40, 40, 60, 60], 0.72],
      [0, [42, 40, 62, 60], 0.45],
    ]);
  });

  it('decodes YOLOv8 columns and applies per-class thresholds', () => {
    // Three anchors, two classes, column-major: rows cx, cy, w, h, s0, s1.
    const data = Float32Array.from([10, 30, 50, 10, 30, 50, 4, 4, 4, 4, 4, 4, 0.9, 0.1, 0.6, 0.05, 0.7, 0.2]);
    const p = params('yolov8', 2);
    p.thresholds[1] = 0.75;
    const out = decodeYoloOutput(data, [1, 6, 3], p);
    expect(out.map((c) => [c.classIndex, c.box, Number(c.score.toFixed(2))])).toEqual([
      [0, [8, 8, 12, 12], 0.9],
      [0, [48, 48, 52, 52], 0.6],
    ]);
  });

  it('keeps end-to-end rows as they are', () => {
    const data = Float32Array.from([1, 2, 3, 4, 0.9, 1, 5, 6, 7, 8, 0.1, 0, 9, 9, 10, 10, 0.5, 0]);
    const out = decodeYoloOutput(data, [1, 3, 6], params('end2end', 2));
    expect(out.map((c) => [c.classIndex, c.box, Number(c.score.toFixed(2))])).toEqual([
      [1, [1, 2, 3, 4], 0.9],
      [0, [9, 9, 10, 10], 0.5],
    ]);
  });

  it('caps the detections and the candidates entering NMS', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [i * 10, 0, 4, 4, 0.5 + i / 100, 1]);
    const p = { ...params('yolov5', 1), maxDetections: 5, maxCandidates: 10 };
    const out = decodeYoloOutput(Float32Array.from(rows.flat()), [1, 50, 6], p);
    expect(out.map((c) => c.box[0] + 2)).toEqual([490, 480, 470, 460, 450]);
  });
});
