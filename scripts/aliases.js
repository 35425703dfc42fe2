// Resolves the `@redial/<lib>` path aliases of tsconfig.json inside the compiled dist/ tree.
// Loaded with `node -r ./scripts/aliases.js dist/apps/<app>/src/main.js`.
'use strict';
const Module = require('node:module');
const path = require('node:path');

const dist = path.resolve(__dirname, '..', 'dist');
const original = Module._resolveFilename;
Module._resolveFilename = function resolveRedialAlias(request, parent, isMain, options) {
  const match = /^@redial\/([a-z-]+)(\/.*)?$/.exec(request);
  if (match) {
    request = path.join(dist, 'libs', match[1], 'src', match[2] ?? 'index');
  }
  return original.call(this, request, parent, isMain, options);
};
