#!/usr/bin/env node
// Builds what `npm start` runs: the server apps and libs (`nest build`: tsc, incremental, with the `@redial/*`
// path aliases of tsconfig.json rewritten to relative paths in the emitted JavaScript, so plain `node` runs
// dist/ with no resolution hook), and the web UI (type-checked, then bundled by vite) when it is missing or
// older than its sources. `node scripts/build.js` (= `npm run build`) always type-checks the web app;
// `--force` rebuilds the UI regardless.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
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

const NEST_CLI = '@nestjs/cli/bin/nest.js';
/** What dist/ holds. A dist/ from before (plain tsc, `@redial/*` left for a resolution hook) is rebuilt whole. */
const BUILD_FORMAT = 'nest build: @redial/* rewritten to relative paths\n';

function buildServer() {
  const marker = path.join(dist, '.build-format');
  const current = existsSync(marker) && readFileSync(marker, 'utf8') === BUILD_FORMAT;
  // The incremental build only re-emits changed files: without its state, every file is emitted again.
  if (!current) rmSync(path.join(dist, '.tsbuildinfo'), { force: true });
  run(NEST_CLI, ['build', '--path', 'tsconfig.build.json']);
  if (!current) {
    mkdirSync(dist, { recursive: true });
    writeFileSync(marker, BUILD_FORMAT);
  }
}

/** False in the Docker image, where dev dependencies are pruned and dist/ is the build that was made. */
function canBuild() {
  return existsSync(path.join(root, 'node_modules', NEST_CLI));
}

/** The web app's own tsconfig (React, DOM, bundler resolution): vite only strips types, it never checks them. */
function typecheckWeb() {
  run('typescript/bin/tsc', ['-p', 'apps/web/tsconfig.json', '--noEmit']);
}

function buildWeb() {
  const index = path.join(root, 'apps/web/dist/index.html');
  const sources = Math.max(newest(path.join(root, 'apps/web')), newest(path.join(root, 'libs/contracts/src')));
  if (!force && existsSync(index) && statSync(index).mtimeMs >= sources) return false;
  typecheckWeb();
  run('vite/bin/vite.js', ['build', '--config', 'apps/web/vite.config.ts', '--logLevel', 'warn']);
  return true;
}

/** A compiled lib, for the scripts that run outside dist/ (start, migrate): `requireLib('config')`. */
function requireLib(name) {
  return require(path.join(dist, 'libs', name, 'src'));
}

/** The compiled entry point of an app: `node <appMain('api')>` runs it. */
function appMain(name) {
  return path.join(dist, 'apps', name, 'src', 'main.js');
}

module.exports = { buildServer, buildWeb, typecheckWeb, canBuild, requireLib, appMain };

if (require.main === module) {
  buildServer();
  if (!buildWeb()) typecheckWeb();
}
