import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(path.join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [path.join(dir, e.name)]
        : [],
  );
}

function importers(pattern: RegExp): string[] {
  return sources(SRC)
    .filter((f) => pattern.test(readFileSync(f, 'utf8')))
    .map((f) => path.relative(SRC, f).split(path.sep).join('/'));
}

describe('import rules (docs/architecture.md)', () => {
  it('only src/engines/onnx-* import onnxruntime', () => {
    const found = importers(/(from\s+|import\()\s*'onnxruntime-(node|web|common)'/);
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((f) => !/^engines\/onnx-[^/]+\//.test(f))).toEqual([]);
  });

  it('only src/imaging imports sharp', () => {
    const found = importers(/(from\s+|import\()\s*'sharp'/);
    expect(found.length).toBeGreaterThan(0);
    expect(found.filter((f) => !f.startsWith('imaging/'))).toEqual([]);
  });
});
