// Preloaded (`-r`) into an app run under `node --cpu-prof` by the benchmarks. V8 writes the profile only when
// the process exits normally, but Nest's shutdown hooks end by re-raising SIGTERM, which would kill the process
// before the profile is written. This listener turns that second SIGTERM (or a lone one, after a grace period)
// into process.exit(0), so the graceful shutdown still runs and the profile is still written.
'use strict';
let seen = 0;
process.on('SIGTERM', () => {
  seen += 1;
  if (seen >= 2) process.exit(0);
  setTimeout(() => process.exit(0), 15000).unref();
});
