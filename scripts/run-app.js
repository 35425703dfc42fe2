#!/usr/bin/env node
// Runs one app on its own (`npm run start:api`, …), for scaling out: node dist/apps/<app>/src/main.js with the
// @redial/* aliases resolved. Builds first when the compiled app is missing.
'use strict';
const { existsSync } = require('node:fs');
const path = require('node:path');

const app = process.argv[2];
const apps = ['api', 'worker', 'gateway', 'sandbox'];
if (!apps.includes(app)) {
  console.error(`usage: node scripts/run-app.js <${apps.join('|')}>`);
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const main = path.join(root, 'dist/apps', app, 'src/main.js');
if (!existsSync(main)) require('./build.js').buildServer();
if (app === 'api') require('./build.js').buildWeb();
require('./aliases.js');
require(main);
