#!/usr/bin/env node
// Builds what `npm start` runs: the server apps (tsc, incremental) and the web UI (vite) when it is missing or
// older than its sources. `node scripts/build.js --force` rebuilds the UI regardless.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const force = process.argv.includes('--force');

function newest(dir) {
  let latest = 0;
  if (!existsSync(dir)) return latest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function run(script, args) {
  execFileSync(process.execPath, [path.join(root, 'node_modules', script), ...args], { cwd: root, stdio: 'inherit' });
}

function buildServer() {
  run('typescript/bin/tsc', ['-p', 'tsconfig.build.json']);
}

function buildWeb() {
  const index = path.join(root, 'apps/web/dist/index.html');
  const sources = Math.max(newest(path.join(root, 'apps/web')), newest(path.join(root, 'libs/contracts/src')));
  if (!force && existsSync(index) && statSync(index).mtimeMs >= sources) return false;
  run('vite/bin/vite.js', ['build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn']);
  return true;
}

module.exports = { buildServer, buildWeb };

if (require.main === module) {
  buildServer();
  buildWeb();
}
