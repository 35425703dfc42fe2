// Preloaded (`-r`) into an app run under `node --cpu-prof` by the benchmarks. V8 writes the profile only when
// the process exits normally. The apps stop themselves on SIGTERM and exit 0 (libs/ops shutdown.ts
// `stopOnSignals`); this listener is the backstop for a profile run: a second SIGTERM, or a lone one whose drain
// takes longer than 15 s, still ends in process.exit(0), so the profile is written.
'use strict';
let seen = 0;
process.on('SIGTERM', () => {
  seen += 1;
  if (seen >= 2) process.exit(0);
  setTimeout(() => process.exit(0), 15000).unref();
});
