#!/usr/bin/env node
// `npm run bench [-- --quick | --only=… | --reps=N | --profile=<app> | --out=… | --keep-as=… | --compare=…]`:
// builds the server apps (nest build, incremental: scripts/build.js), compiles bench/ with swc into dist/bench —
// the `@redial/*` path aliases rewritten to relative paths into dist/libs, as the server build does — then runs
// the suite: node dist/bench/run.js. See bench/README.md.
'use strict';
const { spawnSync } = require('node:child_process');
const { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benchSrc = path.join(root, 'bench');
const benchOut = path.join(root, 'dist', 'bench');

function buildServer() {
  try {
    require('./build.js').buildServer();
  } catch (err) {
    // tsc still emits JavaScript when it reports type errors; run on it, but say so.
    const mains = ['api', 'worker', 'gateway', 'sandbox'].map((a) => path.join(root, 'dist/apps', a, 'src/main.js'));
    if (!mains.every((m) => existsSync(m))) throw err;
    console.error('\nrun-bench: the TypeScript build reported errors (above); benchmarking the JavaScript it emitted.\n');
  }
}

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'results') yield* sources(full);
    } else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

/**
 * bench/**\/*.ts → dist/bench/**\/*.js (swc: decorators and their metadata for the Nest reference app). swc
 * rewrites `@redial/<lib>` to the relative path of libs/<lib>/src, which from dist/bench is dist/libs/<lib>/src.
 */
function compileBench() {
  const swc = require('@swc/core');
  const base = require('./swc-options');
  const options = { ...base, jsc: { ...base.jsc, baseUrl: root, paths: require('../tsconfig.json').compilerOptions.paths } };
  for (const file of sources(benchSrc)) {
    const rel = path.relative(benchSrc, file);
    const out = path.join(benchOut, rel.replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(out), { recursive: true });
    if (file.endsWith('.js')) copyFileSync(file, out);
    else writeFileSync(out, swc.transformFileSync(file, { ...options, filename: file }).code);
  }
}

buildServer();
compileBench();
const result = spawnSync(
  process.execPath,
  ['--enable-source-maps', path.join(benchOut, 'run.js'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
