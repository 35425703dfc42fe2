#!/usr/bin/env node
// Prisma's CLI insists on a native schema engine even for `prisma generate`, and downloads it from
// binaries.prisma.sh, which no machine here can reach. Redial only uses the CLI to generate the client
// (migrations are plain SQL applied by scripts/migrate.js), so this stand-in answers the version probe
// and refuses everything else with a clear message.
'use strict';
const version = require('@prisma/engines-version').enginesVersion;
if (process.argv.includes('--version')) {
  process.stdout.write(`schema-engine-cli ${version}\n`);
  process.exit(0);
}
process.stderr.write('Redial applies migrations with `npm run migrate` (scripts/migrate.js); the Prisma schema engine is not available offline.\n');
process.exit(1);
