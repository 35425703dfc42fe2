import { ConfigError, loadConfig } from '@redial/config';
import { startGateway } from './gateway.app';

/** `npm run start:gateway`: socket.io on GATEWAY_PORT (3001). SIGTERM/SIGINT close sockets and Redis, then exit 0. */
async function main(): Promise<void> {
  const config = loadConfig();
  const gateway = await startGateway(config);
  console.log(`gateway (socket.io) listening on ${gateway.url}`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`gateway failed to stop: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `gateway failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
