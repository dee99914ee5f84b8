/** Analyses stored directly (no engine run), for review, export and delivery tests. */
import { randomUUID } from 'node:crypto';
import type { AnalysisResult, Detection } from '../../src/domain/analysis-result.js';
import { summarise } from '../../src/analysis/summarise.js';

export const det = (
  box: [number, number, number, number],
  label: Detection['label'],
  morphotype: Detection['morphotype'],
  gram: Detection['gram'],
  score = 0.8,
): Detection => ({ box, label, score, morphotype, gram });

/** A 400x300 field with 4 cocci in clusters, 1 rod and 1 red cell. */
export function fieldResult(overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  const detections = overrides.detections ?? [
    det([10, 10, 20, 20], 's_aureus', 'gpc_clusters', 'positive'),
    det([22, 10, 32, 20], 's_aureus', 'gpc_clusters', 'positive'),
    det([10, 22, 20, 32], 'cons', 'gpc_clusters', 'positive', 0.7),
    det([22, 22, 32, 32], 's_aureus', 'gpc_clusters', 'positive'),
    det([100, 100, 130, 110], 'enterobacterales', 'gnr', 'negative', 0.6),
    det([200, 150, 275, 225], 'rbc', 'rbc', 'n/a', 0.9),
  ];
  return {
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    specimen: null,
    profile: null,
    image: {
      width: 400,
      height: 300,
      sha256: 'b'.repeat(64),
      format: 'png',
      micronsPerPixel: 0.1,
      scaleSource: 'option',
    },
    engine: { name: 'morphology', version: '9.9.9', model: null },
    timings: { decodeMs: 1, inferMs: 1, totalMs: 2 },
    ...overrides,
    detections,
    summary: overrides.summary ?? summarise(detections),
  };
}
