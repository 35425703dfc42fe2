import { ConfigError, loadConfig, sandboxExposure } from '@redial/config';
import { createApiApp } from './api.app';

async function main(): Promise<void> {
  const config = loadConfig();
  const exposure = sandboxExposure(config);
  if (exposure) console.warn(exposure);
  const app = await createApiApp(config);
  await app.listen({ port: config.apiPort, host: config.host });
  console.log(`api listening on ${config.publicUrl}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `api failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
