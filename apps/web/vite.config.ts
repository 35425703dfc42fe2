import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The single-page web UI. `npm run build:web` runs this from the repository root; the api app serves
 * apps/web/dist with an SPA fallback. Shared types come from libs/contracts/src (types and a few string
 * constants only — no Node code reaches the bundle).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const api = process.env.REDIAL_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  publicDir: false,
  plugins: [react()],
  resolve: {
    alias: { '@redial/contracts': path.resolve(here, '../../libs/contracts/src') },
  },
  build: {
    outDir: path.resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
  },
  // `vite --config apps/web/vite.config.ts` for development: the api app answers everything but the UI.
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/v1': api,
      '/sandbox': api,
      '/ui-config.json': api,
      '/ops/queues': api,
      '/health': api,
    },
  },
});
