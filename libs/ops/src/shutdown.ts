import { type AppConfig, shutdownLimitMs } from '@redial/config';

/**
 * SIGTERM and SIGINT stop the app: `stop` (the app's own drain) runs once, then the process exits 0 — or 1 when `stop`
 * fails or is still running after shutdownLimitMs (a dependency that does not let go). Installed before the app has
 * started, so a signal during start-up waits for the start to finish and then stops it, instead of killing the
 * process half-way. Only the first signal counts: `npm start` forwards SIGTERM to apps that a terminal's Ctrl-C
 * (SIGINT to the whole process group) has already reached.
 */
export function stopOnSignals(app: string, config: Pick<AppConfig, 'shutdownGraceMs' | 'dependencyTimeoutMs'>, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    const limitMs = shutdownLimitMs(config);
    console.log(`${app}: ${signal}, stopping (grace period ${config.shutdownGraceMs} ms)`);
    setTimeout(() => {
      console.error(`${app} did not stop within ${limitMs} ms; exiting`);
      process.exit(1);
    }, limitMs).unref();
    stop().then(
      () => {
        console.log(`${app}: stopped`);
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`${app} failed to stop: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Whether `work` settles (either way) within `ms`; it is not cancelled when it does not. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
