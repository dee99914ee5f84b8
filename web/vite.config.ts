import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The API the dev server proxies to (`npm start` listens on 8080 by default). */
const api = process.env.GRAMSCOPE_DEV_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    fs: { allow: [repoRoot] },
    proxy: {
      '/api/v1/live': { target: api.replace(/^http/, 'ws'), ws: true },
      '/api': api,
      '/healthz': api,
      '/readyz': api,
    },
  },
});
