/**
 * The Twilio sandbox for the benchmarks: the real sandbox app (apps/sandbox), quiet, in its own process, plus an
 * IPC channel through which the bench runner learns WHEN each text was accepted and each status callback was
 * sent. Nothing is added to product code: the two public service methods that mark those moments
 * (SandboxStateService.addMessage, WebhookSenderService.statusCallback) are wrapped here, in-process.
 *
 * Timestamps are wall-clock milliseconds with sub-millisecond resolution (performance.timeOrigin + now()),
 * comparable with the runner's own clock on the same machine.
 */
import { loadConfig } from '@redial/config';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { SandboxStateService } from '../../apps/sandbox/src/sandbox-state.service';
import type { MessageRecord } from '../../apps/sandbox/src/sandbox.types';
import { StatusCallback, WebhookSenderService } from '../../apps/sandbox/src/webhook-sender.service';

const now = (): number => performance.timeOrigin + performance.now();
const ATTEMPT = /[?&]attempt=([0-9a-f-]{36})/;

/** Texts accepted: time, recipient, Redial's attempt id (from the status callback URL) when there is one. */
const accepted = { at: [] as number[], to: [] as string[], attempt: [] as Array<string | null> };
/** Status callbacks as they leave the sandbox, and when the api answered them. */
const callbacks = { at: [] as number[], doneAt: [] as number[], status: [] as string[], attempt: [] as Array<string | null> };

// The runner owns this process: when it goes away (even abruptly), so does the sandbox.
process.on('disconnect', () => process.exit(0));

async function main(): Promise<void> {
  if (process.send !== undefined && !process.connected) process.exit(0);
  const config = loadConfig();
  const app = await createSandboxApp(config, { quiet: true, maxNumbers: 50_000, maxResources: 250_000 });
  const state = app.get(SandboxStateService);
  const sender = app.get(WebhookSenderService);

  const addMessage = state.addMessage.bind(state);
  state.addMessage = (message: MessageRecord): void => {
    accepted.at.push(now());
    accepted.to.push(message.to);
    accepted.attempt.push(message.statusCallback ? (ATTEMPT.exec(message.statusCallback)?.[1] ?? null) : null);
    addMessage(message);
  };
  const statusCallback = sender.statusCallback.bind(sender);
  sender.statusCallback = (callback: StatusCallback): Promise<void> => {
    const status = callback.params.MessageStatus ?? callback.params.CallStatus;
    if (status === undefined) return statusCallback(callback);
    const i = callbacks.at.push(now()) - 1;
    callbacks.doneAt.push(Number.NaN);
    callbacks.status.push(status);
    callbacks.attempt.push(ATTEMPT.exec(callback.url)?.[1] ?? null);
    return statusCallback(callback).finally(() => {
      callbacks.doneAt[i] = now();
    });
  };

  await app.listen({ port: config.sandboxPort, host: config.host });
  process.on('message', (msg: { id: number; cmd: string; since?: number; status?: string }) => {
    try {
      process.send?.({ id: msg.id, result: handle(msg) });
    } catch (err) {
      process.send?.({ id: msg.id, error: (err as Error).message });
    }
  });
  process.once('SIGTERM', () => void app.close().finally(() => process.exit(0)));
  console.log(`bench sandbox listening on http://${config.host}:${config.sandboxPort}`);
}

function handle(msg: { cmd: string; since?: number; status?: string }): unknown {
  switch (msg.cmd) {
    case 'counts':
      return { accepted: accepted.at.length, callbacks: callbacks.at.length };
    case 'accepted': {
      const since = msg.since ?? 0;
      return { at: accepted.at.slice(since), to: accepted.to.slice(since), attempt: accepted.attempt.slice(since) };
    }
    case 'acceptedTimes': {
      const since = msg.since ?? 0;
      return accepted.at.slice(since);
    }
    case 'callbacks': {
      const since = msg.since ?? 0;
      const out = { at: [] as number[], doneAt: [] as Array<number | null>, attempt: [] as Array<string | null> };
      for (let i = since; i < callbacks.at.length; i++) {
        if (msg.status !== undefined && callbacks.status[i] !== msg.status) continue;
        out.at.push(callbacks.at[i]);
        out.doneAt.push(Number.isNaN(callbacks.doneAt[i]) ? null : callbacks.doneAt[i]);
        out.attempt.push(callbacks.attempt[i]);
      }
      return out;
    }
    case 'memory':
      return process.memoryUsage();
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

main().catch((err: unknown) => {
  console.error(`bench sandbox failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
