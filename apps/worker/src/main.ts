import { ConfigError, loadConfig } from '@redial/config';
import { stopOnSignals } from '@redial/ops';
import { createWorkerApp } from './worker.app';

/**
 * `npm run start:worker`. SIGTERM/SIGINT drain it (WorkerHost): no new jobs, the running ones may finish within
 * SHUTDOWN_GRACE_MS, the rest go back to the queue; then Redis and PostgreSQL close and it exits 0.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = createWorkerApp(config);
  stopOnSignals('worker', config, async () => (await app).close());
  await app;
  console.log(`worker running (queues under prefix "${config.queuePrefix}", ${config.twilio.mode} mode)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `worker failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
