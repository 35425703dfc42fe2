import { ConfigError, loadConfig } from '@redial/config';
import { createApiApp } from './api.app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  await app.listen({ port: config.apiPort, host: config.host });
  console.log(`api listening on ${config.publicUrl}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `api failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
