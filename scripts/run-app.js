#!/usr/bin/env node
// Runs one app on its own (`npm run start:api`, …), for scaling out: node dist/apps/<app>/src/main.js.
// Builds first when the compiled app is missing (and, for the api, the web UI it serves).
'use strict';
const { existsSync } = require('node:fs');
const { appMain, buildServer, buildWeb } = require('./build.js');

const app = process.argv[2];
const apps = ['api', 'worker', 'gateway', 'sandbox'];
if (!apps.includes(app)) {
  console.error(`usage: node scripts/run-app.js <${apps.join('|')}>`);
  process.exit(2);
}
if (!existsSync(appMain(app))) buildServer();
if (app === 'api') buildWeb();
require(appMain(app));
