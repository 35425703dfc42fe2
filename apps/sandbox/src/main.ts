import { ConfigError, loadConfig, sandboxExposure } from '@redial/config';
import { stopOnSignals } from '@redial/ops';
import { startSandbox } from './sandbox.app';

/** `npm run start:sandbox`: the local Twilio on SANDBOX_PORT (4010), for sandbox mode. SIGTERM/SIGINT close it. */
async function main(): Promise<void> {
  const config = loadConfig();
  const exposure = sandboxExposure(config);
  if (exposure) console.warn(exposure);
  const sandbox = startSandbox(config);
  stopOnSignals('sandbox', config, async () => (await sandbox).close());
  console.log(`sandbox (local Twilio) listening on ${(await sandbox).url}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `sandbox failed to start: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
