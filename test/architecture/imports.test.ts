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

  it('keeps optional features off the static import graph of `gramscope serve` (cold start)', () => {
    // Packages a first analysis never needs: each is imported dynamically where it is used.
    const lazy = [
      '@aws-sdk/client-s3',
      'pg',
      'ioredis',
      'pdfkit',
      'onnxruntime-node',
      'onnxruntime-web',
      'openid-client',
      'jose',
      '@node-rs/argon2',
      '@zxcvbn-ts/language-common',
      'protobufjs',
      'yaml',
      'ajv',
      'fast-json-stringify',
    ];
    const reached = new Map<string, string>();
    const seen = new Set<string>();
    const walk = (file: string, chain: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      // Static value imports and re-exports only: `import type` and `import()` load nothing at start.
      for (const m of text.matchAll(/^(import|export)(?!\s+type\b)[^;]*?from\s+'([^']+)';/gms)) {
        const spec = m[2];
        const here = `${chain} -> ${path.relative(SRC, file)}`;
        if (spec.startsWith('.')) walk(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), here);
        else if (!reached.has(spec)) reached.set(spec, here);
      }
    };
    // The entry point loads commands on demand: none of them, nor the server, statically.
    walk(path.join(SRC, 'cli/main.ts'), 'main');
    expect([...reached.keys()]).not.toContain('fastify');
    walk(path.join(SRC, 'cli/commands/serve.command.ts'), 'serve');
    expect([...reached.keys()]).toEqual(expect.arrayContaining(['fastify', 'kysely', 'sharp']));
    expect(lazy.filter((pkg) => reached.has(pkg)).map((pkg) => `${pkg}: ${reached.get(pkg)}`)).toEqual([]);
  });
});
