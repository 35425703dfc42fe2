import { ConfigError, loadConfig, sandboxExposure } from '@redial/config';
import { stopOnSignals } from '@redial/ops';
import { closeApiApp, createApiApp } from './api.app';

/**
 * `npm run start:api`. SIGTERM/SIGINT: /health says 503, no new connections, requests in flight are answered
 * (within SHUTDOWN_GRACE_MS), then Redis and PostgreSQL close and it exits 0 (closeApiApp).
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const exposure = sandboxExposure(config);
  if (exposure) console.warn(exposure);
  const app = createApiApp(config).then(async (api) => {
    await api.listen({ port: config.apiPort, host: config.host });
    return api;
  });
  stopOnSignals('api', config, async () => closeApiApp(await app, config.shutdownGraceMs));
  await app;
  console.log(`api listening on ${config.publicUrl}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `api failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
