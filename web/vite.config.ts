import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const samplesDir = join(repoRoot, 'samples');

const SAMPLE_IMAGE = /\.(png|jpe?g|webp|tiff?)$/i;

interface SampleEntry {
  name: string;
  file: string;
  description?: string;
}

/** Sample fields (made by `gramscope synth`) found in samples/ and samples/images/. */
function findSamples(): { entries: SampleEntry[]; paths: Map<string, string> } {
  const paths = new Map<string, string>();
  const entries: SampleEntry[] = [];
  if (!existsSync(samplesDir)) return { entries, paths };
  for (const dir of [samplesDir, join(samplesDir, 'images')]) {
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!SAMPLE_IMAGE.test(file) || paths.has(file)) continue;
      paths.set(file, join(dir, file));
      entries.push({ name: file.replace(SAMPLE_IMAGE, ''), file });
    }
  }
  return { entries, paths };
}

/**
 * Serves the bundled sample fields in development and copies them, with an index.json manifest, into
 * the build, so the page can offer them without any server route of its own.
 */
function samplesPlugin(): Plugin {
  return {
    name: 'gramscope-samples',
    configureServer(server) {
      server.middlewares.use('/samples', (req, res, next) => {
        const { entries, paths } = findSamples();
        const name = decodeURIComponent((req.url ?? '/').replace(/^\//, '').split('?')[0] ?? '');
        if (name === 'index.json') {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ samples: entries }));
          return;
        }
        const path = paths.get(name);
        if (!path) return next();
        res.end(readFileSync(path));
      });
    },
    generateBundle() {
      const { entries, paths } = findSamples();
      for (const [file, path] of paths) {
        this.emitFile({ type: 'asset', fileName: `samples/${file}`, source: readFileSync(path) });
      }
      this.emitFile({
        type: 'asset',
        fileName: 'samples/index.json',
        source: JSON.stringify({ samples: entries }, null, 2),
      });
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), samplesPlugin()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    fs: { allow: [repoRoot] },
    proxy: {
      '/api/v1/live': { target: 'ws://127.0.0.1:8080', ws: true },
      '/api': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
      '/readyz': 'http://127.0.0.1:8080',
    },
  },
});
