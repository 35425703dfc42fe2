// Preloaded (`-r`) into every process the benchmarks start, which all get an IPC channel to the runner: if the
// runner goes away, even by SIGKILL, the channel closes and this process exits instead of lingering.
'use strict';
if (typeof process.send === 'function') {
  process.on('disconnect', () => process.exit(0));
  process.channel?.unref?.();
}
