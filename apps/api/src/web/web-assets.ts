import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Finds apps/web/dist from the source tree (tests) or the compiled dist tree (npm start). */
export function findWebDist(from = __dirname): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'apps', 'web', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function readIndexHtml(dist: string | undefined): string {
  if (!dist) {
    return '<!doctype html><meta charset="utf-8"><title>Redial</title><p>The web UI has not been built. Run <code>npm run build:web</code> (npm start does it for you).</p>';
  }
  return readFileSync(join(dist, 'index.html'), 'utf8');
}
