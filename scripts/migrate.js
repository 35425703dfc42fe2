#!/usr/bin/env node
// `npm run migrate`: applies prisma/migrations to DATABASE_URL (creating the database when missing).
'use strict';
const { buildServer, canBuild, requireLib } = require('./build.js');

if (canBuild()) buildServer();
const { loadConfig, ConfigError } = requireLib('config');
const { migrateDatabase } = requireLib('database');

(async () => {
  const config = loadConfig();
  const result = await migrateDatabase(config.databaseUrl, { createIfMissing: true });
  console.log(`${result.applied.length} migration(s) applied, ${result.alreadyApplied} already there`);
})().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : `migration failed: ${err.message}`);
  process.exit(1);
});
