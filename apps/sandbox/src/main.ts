import { ConfigError, loadConfig, sandboxExposure } from '@redial/config';
import { startSandbox } from './sandbox.app';

/** `npm run start:sandbox`: the local Twilio on SANDBOX_PORT (4010), for sandbox mode. */
async function main(): Promise<void> {
  const config = loadConfig();
  const exposure = sandboxExposure(config);
  if (exposure) console.warn(exposure);
  const sandbox = await startSandbox(config);
  console.log(`sandbox (local Twilio) listening on ${sandbox.url}`);
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`sandbox failed to stop: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `sandbox failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
