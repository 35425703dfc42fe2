/**
 * The sandbox's CPU per text, alone: N texts at a steady rate through the official twilio SDK (with each build's own
 * http client, as its worker sends them), each answered with `sending`, `sent` and `delivered` status callbacks to a local server that
 * answers 200 (keep-alive like the api's Fastify). The sandbox app runs quiet in its own process, which reports its
 * own process.cpuUsage() — what the benchmark counts for it.
 *
 *   node dist/bench/tools/sandbox-cpu.js [<dist> …] [--n=2000] [--rate=200] [--warm=600] [--runs=3]
 *
 * With several builds (a `dist` directory each; a copy needs `node_modules` beside it), every text is sent to each
 * sandbox at the same moment, in alternating order, so a busy machine slows them all alike: compare within a run,
 * not across runs. Without one, this worktree's dist.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

interface Ready {
  port: number;
  accountSid: string;
  authToken: string;
}

interface MessagesApi {
  messages: { create(params: Record<string, unknown>): Promise<unknown> };
}

interface Sandbox {
  dist: string;
  proc: ChildProcess;
  client: MessagesApi;
  close(): void;
  perText: number[];
}

const arg = (name: string, fallback: number): number => {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  return given === undefined ? fallback : Number(given.slice(name.length + 3));
};

const nextMessage = <T>(proc: ChildProcess): Promise<T> => new Promise((resolve) => proc.once('message', resolve));

/** In the child: the sandbox app from `dist`, quiet, answering 'cpu' with its process.cpuUsage(). */
async function sandboxProcess(dist: string): Promise<void> {
  const { loadConfig } = require(path.join(dist, 'libs/config/src'));
  const { createSandboxApp } = require(path.join(dist, 'apps/sandbox/src/sandbox.app'));
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await createSandboxApp(config, { quiet: true, maxNumbers: 50_000, maxResources: 250_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (message: string) => {
    if (message === 'cpu') process.send?.(process.cpuUsage());
    if (message === 'stop') void app.close().then(() => process.exit(0));
  });
  const ready: Ready = {
    port: (app.getHttpServer().address() as AddressInfo).port,
    accountSid: config.sandbox.accountSid,
    authToken: config.sandbox.authToken,
  };
  process.send?.(ready);
}

async function startSandbox(dist: string): Promise<Sandbox> {
  const proc = fork(__filename, ['--sandbox-process', dist], { env: { ...process.env, LOG_LEVEL: 'silent' } });
  const ready = await nextMessage<Ready>(proc);
  const twilio = require(path.join(dist, '../node_modules/twilio'));
  const baseUrl = `http://127.0.0.1:${ready.port}`;
  // TwilioHttpClient (undici) since issue 16's third round; ApiUrlRequestClient (the SDK's axios client) before.
  const telephony = path.join(dist, 'libs/telephony/src');
  const httpClient = existsSync(path.join(telephony, 'twilio-http.client.js'))
    ? new (require(path.join(telephony, 'twilio-http.client')).TwilioHttpClient)({ baseUrl, timeoutMs: 15_000, maxSockets: 64 })
    : new (require(path.join(telephony, 'api-url-request.client')).ApiUrlRequestClient)(baseUrl, { timeoutMs: 15_000, maxSockets: 64 });
  const client = twilio(ready.accountSid, ready.authToken, { accountSid: ready.accountSid, httpClient, autoRetry: false });
  return { dist, proc, client, close: () => void httpClient.destroy(), perText: [] };
}

/** The api's side of the callbacks: answers 200, counts, and says when `n` have arrived. */
function callbackReceiver() {
  let count = 0;
  let waiter: { n: number; resolve: () => void } | null = null;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      count++;
      res.writeHead(200, { 'content-length': 0 });
      res.end();
      if (waiter !== null && count >= waiter.n) {
        waiter.resolve();
        waiter = null;
      }
    });
  });
  server.keepAliveTimeout = 72_000; // Fastify's, as the api answers
  return {
    server,
    reached: (n: number) => new Promise<void>((resolve) => (count >= n ? resolve() : (waiter = { n, resolve }))),
  };
}

async function main(): Promise<void> {
  const dists = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (dists.length === 0) dists.push(path.resolve(__dirname, '../..'));
  const n = arg('n', 2000);
  const rate = arg('rate', 200);
  const receiver = callbackReceiver();
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  const callbackBase = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/webhooks/twilio/sms-status`;
  const sandboxes: Sandbox[] = [];
  for (const dist of dists) sandboxes.push(await startSandbox(path.resolve(dist)));

  let sent = 0;
  const run = async (count: number): Promise<void> => {
    const start = performance.now();
    const created: Array<Promise<unknown>> = [];
    for (let i = 0; i < count; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      for (const sandbox of i % 2 === 0 ? sandboxes : [...sandboxes].reverse()) {
        sent++;
        created.push(
          sandbox.client.messages.create({
            to: `+1555${String(1_000_000 + (sent % 9_000_000))}`,
            from: '+15005550006',
            body: 'Your Redial code is 123456. It expires in 5 minutes.',
            statusCallback: `${callbackBase}?attempt=${randomUUID()}`,
            validityPeriod: 300,
          }),
        );
      }
    }
    await Promise.all(created);
    await receiver.reached(sent * 3);
  };
  const cpu = async (sandbox: Sandbox): Promise<number> => {
    sandbox.proc.send('cpu');
    const usage = await nextMessage<NodeJS.CpuUsage>(sandbox.proc);
    return usage.user + usage.system;
  };

  await run(arg('warm', 600)); // start-up and JIT warm-up stay outside the figures
  for (let r = 0; r < arg('runs', 3); r++) {
    const before = await Promise.all(sandboxes.map(cpu));
    await run(n);
    const after = await Promise.all(sandboxes.map(cpu));
    sandboxes.forEach((sandbox, i) => sandbox.perText.push((after[i] - before[i]) / n / 1000));
  }
  for (const sandbox of sandboxes) {
    const sorted = [...sandbox.perText].sort((a, b) => a - b);
    const runs = sandbox.perText.map((ms) => ms.toFixed(3)).join(' ');
    console.log(`${sandbox.dist}: ms CPU per text, runs ${runs}, median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)}`);
    sandbox.proc.send('stop');
    await new Promise((resolve) => sandbox.proc.once('exit', resolve));
    sandbox.close();
  }
  receiver.server.closeAllConnections();
  receiver.server.close();
}

const role = process.argv[2] === '--sandbox-process' ? sandboxProcess(process.argv[3]) : main();
role.catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
