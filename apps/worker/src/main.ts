import { ConfigError, loadConfig } from '@redial/config';
import { createWorkerApp } from './worker.app';

async function main(): Promise<void> {
  const config = loadConfig();
  await createWorkerApp(config);
  console.log(`worker running (queues under prefix "${config.queuePrefix}", ${config.twilio.mode} mode)`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `worker failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
