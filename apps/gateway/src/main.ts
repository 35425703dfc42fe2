import { ConfigError, loadConfig } from '@redial/config';
import { stopOnSignals } from '@redial/ops';
import { startGateway } from './gateway.app';

/**
 * `npm run start:gateway`: socket.io on GATEWAY_PORT (3001). SIGTERM/SIGINT: no new connections, every client's
 * transport closed so it reconnects to another gateway, then Redis and PostgreSQL close and it exits 0.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const gateway = startGateway(config);
  stopOnSignals('gateway', config, async () => (await gateway).close());
  console.log(`gateway (socket.io) listening on ${(await gateway).url}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `gateway failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
