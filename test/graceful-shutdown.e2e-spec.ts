/**
 * SIGTERM drains every app (issue 14, point 4). Each app is its own OS process (`node dist/apps/<app>/src/main.js`,
 * as in scale-out.e2e-spec.ts) on one database and one queue prefix; the sandbox runs in this process and its
 * callbacks go to an api that stays up. A slow provider is the sandbox's `latencyMs` fault: Twilio answers each
 * request that much later, and creates the text only then (as Twilio, whatever the client does meanwhile).
 * - worker: after SIGTERM it takes no new job, finishes the one it holds within SHUTDOWN_GRACE_MS and exits 0; the
 *   text goes out once, and the job it did not take waits for the next worker.
 * - worker: a job still running when SHUTDOWN_GRACE_MS ends is let go (exit 0, the job left active); once its lock
 *   runs out another worker's stalled-job check hands it on, and that worker completes it without a second text.
 * - api: a request in flight at SIGTERM is answered, new connections are refused, exit 0; /health says 503 draining.
 * - gateway: a socket.io-client behind a balancer is disconnected with "transport close", reconnects by itself to the
 *   other gateway and gets a fresh snapshot, then updates; the gateway exits 0.
 * - npm start (scripts/start.js): SIGTERM reaches every app; it waits for them, stops the sandbox last, exits 0.
 * - docker-compose.yml gives every app longer than it may take to stop before Docker kills it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { parse } from 'yaml';
import { loadConfig, shutdownLimitMs } from '@redial/config';
import { CHALLENGES_NAMESPACE, type ChallengeView, JobName, QueueName } from '@redial/contracts';
import { closeApiApp, createApiApp } from '../apps/api/src/api.app';
import { HealthController } from '../apps/api/src/health/health.controller';
import { startSandbox } from '../apps/sandbox/src/sandbox.app';
import { jobLockMs } from '../apps/worker/src/worker.options';
import { testConfig } from './support/config';
import { createTestDatabase, type TestDatabase } from './support/database';
import { apiClient, appEnv, AppProcess, ensureBuilt, refusesConnections, spawnApp, startBalancer, startTcpBalancer } from './support/fleet';
import { eventually, inbox, latestCode, registerVerified, setFaults, signIn } from './support/flows';
import { connect, type LiveClient } from './support/gateway-client';
import { freePort } from './support/ports';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';
import type { Stack } from './support/stack';

/** The sandbox answers (and creates) each text this long after the request: a provider slower than a drain's start. */
const PROVIDER_LATENCY_MS = 5000;
/** Job locks of 5 s (2 × this, at least 5 s): a job let go goes back to wait within a few of them. */
const DEPENDENCY_TIMEOUT_MS = 2500;
const LOCK_MS = jobLockMs(DEPENDENCY_TIMEOUT_MS);

let db: TestDatabase;
let prefix: string;
let sandbox: { url: string; close(): Promise<unknown> };
/** In front of the sandbox: what reached the provider, in order (a worker that leaves does not take it back). */
let provider: { url: string; requests: string[]; close(): Promise<void> };
let api: Stack;
let common: Record<string, string>;
let pg: Client;
let texts: Queue;
const processes: AppProcess[] = [];
const clients: LiveClient[] = [];
const closers: Array<() => Promise<unknown>> = [];

const numberBase = 1000 + Math.floor(Math.random() * 8000);
let numberSeq = 0;
const freshNumber = () => `+1202555${String(numberBase + ++numberSeq).padStart(4, '0')}`;

async function start(name: string, app: 'api' | 'worker' | 'gateway', env: Record<string, string> = {}): Promise<AppProcess> {
  const ready = { api: /api listening/, worker: /worker running/, gateway: /gateway .*listening/ }[app];
  const proc = await spawnApp(name, app, { ...common, ...env }, ready);
  processes.push(proc);
  return proc;
}

/** The provider SID of the challenge's (single) attempt; null while it has none: not written yet, or not answered. */
async function providerSid(challengeId: string): Promise<string | null> {
  const { rows } = await pg.query<{ provider_sid: string | null }>('SELECT provider_sid FROM delivery_attempts WHERE challenge_id = $1', [challengeId]);
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0]?.provider_sid ?? null;
}

/** No text job running: the verification texts' jobs have completed (their texts reach the inbox a moment before). */
function textJobsDone(): Promise<boolean> {
  return eventually('the text jobs to complete', async () => (await texts.getActiveCount()) === 0);
}

/** Resolves once one more text than `before` has been asked of the provider. */
function textRequested(before: number): Promise<boolean> {
  return eventually('the worker to ask the provider for the text', async () => textRequests() > before);
}

function textRequests(): number {
  return provider.requests.filter((r) => r.startsWith('POST ') && r.endsWith('/Messages.json')).length;
}

async function approveWithCode(phone: string, textsBefore: number, challenge: { id: string; token: string }): Promise<void> {
  const code = await latestCode(api, phone, textsBefore);
  const checked = await api.request('POST', `/v1/challenges/${challenge.id}/check`, { code }, { authorization: `Bearer ${challenge.token}` });
  expect(checked.body).toMatchObject({ status: 'approved' });
}

beforeAll(async () => {
  ensureBuilt();
  db = await createTestDatabase();
  prefix = uniquePrefix('drain');
  pg = new Client({ connectionString: db.url });
  await pg.connect();
  texts = new Queue(QueueName.Texts, { connection: { url: REDIS_URL }, prefix });
  sandbox = await startSandbox(testConfig(db.url, prefix, { SANDBOX_PORT: '0' }), { quiet: true });
  provider = await startBalancer([Number(new URL(sandbox.url).port)]);
  const apiPort = await freePort();
  common = appEnv(
    { databaseUrl: db.url, prefix, tokenSecret: `drain-${randomBytes(16).toString('hex')}`, publicUrl: `http://127.0.0.1:${apiPort}`, twilioUrl: provider.url },
    { DEPENDENCY_TIMEOUT_MS: String(DEPENDENCY_TIMEOUT_MS) },
  );
  // The api Twilio's callbacks reach: it stays up throughout.
  await start('api', 'api', { API_PORT: String(apiPort) });
  api = apiClient(common.PUBLIC_URL, sandbox.url);
}, 120000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(processes.map((p) => p.kill()));
  for (const close of closers) await close().catch(() => undefined);
  await texts?.close();
  await pg?.end();
  await provider?.close();
  await sandbox?.close();
  if (prefix) await deleteKeys(prefix).catch(() => undefined);
  await db?.drop().catch(() => undefined);
});

afterEach(() => setFaults(api, { latencyMs: 0 }));

describe('worker', () => {
  it('SIGTERM while it sends a text: it takes no new job, finishes the one it holds, exits 0; each text goes once', async () => {
    const worker = await start('worker-a', 'worker', { SHUTDOWN_GRACE_MS: '60000', LOG_LEVEL: 'info' });
    const [held, queued] = [{ user: 'drain-held', phone: freshNumber() }, { user: 'drain-queued', phone: freshNumber() }];
    for (const u of [held, queued]) await registerVerified(api, u.user, { number: u.phone, method: 'sms' });
    await textJobsDone();
    await setFaults(api, { latencyMs: PROVIDER_LATENCY_MS });

    const requested = textRequests();
    const first = await signIn(api, held.user);
    await textRequested(requested); // the worker holds the job, waiting for the provider's answer
    worker.proc.kill('SIGTERM');
    await worker.printed(/taking no new jobs/);
    expect(await providerSid(first.id)).toBeNull(); // the provider has not answered yet: the job is in flight
    const second = await signIn(api, queued.user); // after the worker stopped taking jobs

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(await providerSid(first.id)).toMatch(/^SM/); // sent and recorded by that worker before it exited
    expect([await texts.getActiveCount(), await texts.getWaitingCount()]).toEqual([0, 1]); // the second one: not taken

    await setFaults(api, { latencyMs: 0 });
    const next = await start('worker-b', 'worker');
    await approveWithCode(held.phone, 1, first);
    await approveWithCode(queued.phone, 1, second);
    for (const u of [held, queued]) expect((await inbox(api, u.phone)).messages).toHaveLength(2); // verification + sign-in, once each

    expect(await next.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    // The fleet-wide schedulers outlive every worker that stopped: the next worker to start finds them whole.
    const maintenance = new Queue(QueueName.Maintenance, { connection: { url: REDIS_URL }, prefix });
    closers.push(() => maintenance.close());
    expect((await maintenance.getJobSchedulers()).map((s) => s.key).sort()).toEqual([JobName.EvaluateAlerts, JobName.Purge, JobName.Reconcile].sort());
  }, 120000);

  it('a job still running when SHUTDOWN_GRACE_MS ends is let go, handed on once its lock runs out, and completed by another worker: one text', async () => {
    const worker = await start('worker-c', 'worker', { SHUTDOWN_GRACE_MS: '500', LOG_LEVEL: 'warn' });
    const phone = freshNumber();
    await registerVerified(api, 'drain-late', { number: phone, method: 'sms' });
    await textJobsDone();
    const completedBefore = await texts.getCompletedCount();
    await setFaults(api, { latencyMs: PROVIDER_LATENCY_MS });

    const requested = textRequests();
    const challenge = await signIn(api, 'drain-late');
    await textRequested(requested);
    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output).toMatch(/1 job\(s\) still running after SHUTDOWN_GRACE_MS \(500 ms\): let go/);
    expect(await texts.getActiveCount()).toBe(1); // let go, not failed: still active until its lock runs out

    // The provider had the request before the worker left: the text reaches the phone, and its status callback
    // records the SID on the attempt (what the lock's run-out leaves time for before anyone re-runs the job).
    await eventually('the text the stopped worker sent to arrive', async () => (await inbox(api, phone)).messages.length === 2);
    await eventually('its status callback to record the SID', async () => (await providerSid(challenge.id)) !== null);

    await start('worker-d', 'worker');
    // Another worker's stalled-job check puts it back to wait once the lock ran out (two checks of LOCK_MS at most).
    await eventually('another worker to complete the job', async () => (await texts.getCompletedCount()) === completedBefore + 1, 3 * LOCK_MS + 20000, 100);
    expect(await texts.getActiveCount()).toBe(0);
    const handedOn = (await texts.getCompleted()).filter((job) => job.stalledCounter > 0);
    expect(handedOn).toHaveLength(1);

    await approveWithCode(phone, 1, challenge);
    expect((await inbox(api, phone)).messages).toHaveLength(2); // verification + this sign-in: nothing sent twice
  }, 120000);
});

/** A raw HTTP/1.1 connection, so a test can send a request in parts and read exactly what comes back. */
async function rawConnection(port: number): Promise<{ socket: Socket; received(pattern: RegExp): Promise<string>; closed: Promise<string> }> {
  const socket = tcpConnect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(text)));
  const received = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const check = () => {
        if (!pattern.test(text)) return;
        waiters.splice(waiters.indexOf(check), 1);
        resolve(text);
      };
      waiters.push(check);
      check();
    });
  return { socket, received, closed };
}

/** The final response in what a raw connection received (a `100 Continue` before it skipped). */
function lastResponse(raw: string): { status: number; headers: string; body: string } {
  const response = raw.slice(raw.lastIndexOf('HTTP/1.1 '));
  const [head, body] = [response.slice(0, response.indexOf('\r\n\r\n')), response.slice(response.indexOf('\r\n\r\n') + 4)];
  return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), body };
}

describe('api', () => {
  it('SIGTERM with a request in flight: that request is answered, new connections are refused, exit 0', async () => {
    const port = await freePort();
    const draining = await start('api-draining', 'api', { API_PORT: String(port), SHUTDOWN_GRACE_MS: '60000' });
    const conn = await rawConnection(port);
    const body = JSON.stringify({ primary: { number: freshNumber(), method: 'sms' } });
    // The headers now; the body only once the api answered `100 Continue`: it holds the request, waiting for the rest.
    conn.socket.write(
      [
        'PUT /v1/users/drain-api/phones HTTP/1.1',
        'Host: 127.0.0.1',
        'Authorization: Bearer dev-api-key',
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Expect: 100-continue',
        '',
        '',
      ].join('\r\n'),
    );
    await conn.received(/^HTTP\/1\.1 100 Continue\r\n\r\n/);

    draining.proc.kill('SIGTERM');
    await refusesConnections(port);
    conn.socket.write(body);
    const answer = lastResponse(await conn.closed);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ userId: 'drain-api', verification: { challengeId: expect.any(String) } });
    expect(answer.headers).toContain('connection: close');
    expect(await draining.exited).toEqual({ code: 0, signal: null });
    expect(draining.output).toMatch(/api: SIGTERM, stopping/);
  }, 60000);

  it('from the start of the drain /health answers 503 draining, so a balancer sends elsewhere', async () => {
    const config = testConfig(db.url, prefix);
    const app = await createApiApp(config);
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = await app.getUrl();
      expect((await fetch(`${url}/health`)).status).toBe(200);
      app.get(HealthController).drain(); // what closeApiApp does first
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toEqual({ status: 'unavailable', redis: 'up', database: 'up', draining: true });
    } finally {
      await closeApiApp(app, config.shutdownGraceMs);
    }
  });
});

describe('gateway', () => {
  it('SIGTERM: a client behind the balancer sees "transport close", reconnects to the other gateway, gets a fresh snapshot and updates; exit 0', async () => {
    const ports = [await freePort(), await freePort()];
    const [stopping] = await Promise.all(ports.map((port, i) => start(`gateway-${i}`, 'gateway', { GATEWAY_PORT: String(port) })));
    const balancer = await startTcpBalancer(ports);
    closers.push(() => balancer.close());
    const saved = await api.request('PUT', '/v1/users/drain-socket/phones', { primary: { number: freshNumber(), method: 'sms' } });
    const { challengeId, token } = saved.body.verification as { challengeId: string; token: string };

    const client = connect(balancer.url, CHALLENGES_NAMESPACE, { token }, { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 200 });
    clients.push(client);
    await client.nextEvent('challenge.snapshot');
    expect(balancer.chosen).toEqual([ports[0]]);

    stopping.proc.kill('SIGTERM');
    const gone = await client.nextEvent('disconnect');
    expect(gone.payload).toBe('transport close'); // not "io server disconnect", after which the client would stay away
    const back = client.mark();
    const snapshot = await client.nextEvent('challenge.snapshot', back);
    expect((snapshot.payload as ChallengeView).id).toBe(challengeId);
    expect(balancer.chosen.at(-1)).toBe(ports[1]);
    expect(await stopping.exited).toEqual({ code: 0, signal: null });

    const canceled = await api.request('POST', `/v1/challenges/${challengeId}/cancel`);
    expect(canceled.status).toBe(200);
    await client.updateWithStatus('canceled', back);
  }, 60000);
});

describe('npm start', () => {
  it('SIGTERM reaches every app, which drain and exit 0; it waits for them, stops the sandbox last and exits 0', async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    for (const name of Object.keys(env)) if (/^(HOST|API_PORT|GATEWAY_PORT|SANDBOX_PORT|PUBLIC_URL|GATEWAY_PUBLIC_URL|TWILIO_.*)$/.test(name)) delete env[name];
    const [apiPort, gatewayPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
    Object.assign(env, { API_PORT: String(apiPort), GATEWAY_PORT: String(gatewayPort), SANDBOX_PORT: String(sandboxPort), DATABASE_URL: db.url, QUEUE_PREFIX: uniquePrefix('drain-start'), LOG_LEVEL: 'silent' });
    closers.push(() => deleteKeys(env.QUEUE_PREFIX));
    const script = path.resolve(__dirname, '../scripts/start.js');
    const run = new AppProcess('npm start', spawn(process.execPath, [script], { cwd: path.resolve(__dirname, '..'), env, stdio: ['ignore', 'pipe', 'pipe'] }));
    processes.push(run);
    await run.printed(/Redial is running/, 180000); // it builds first

    expect(await run.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    // Each line as npm start prints it, `<app> | <what the app printed>`, in the order it printed them.
    const lines = run.output.split('\n');
    const at = (app: string, what: string) => {
      const index = lines.findIndex((line) => line.endsWith(`| ${app}: ${what}`) || line.includes(`| ${app}: ${what} (`));
      expect([app, what, index]).not.toEqual([app, what, -1]);
      return index;
    };
    for (const app of ['api', 'gateway', 'worker']) {
      expect(at(app, 'SIGTERM, stopping')).toBeLessThan(at(app, 'stopped'));
      expect(at(app, 'stopped')).toBeLessThan(at('sandbox', 'SIGTERM, stopping')); // the sandbox only once they had stopped
    }
    expect(at('sandbox', 'stopped')).toBeGreaterThan(at('sandbox', 'SIGTERM, stopping'));
    await Promise.all([apiPort, gatewayPort, sandboxPort].map((port) => refusesConnections(port)));
  }, 240000);
});

describe('docker-compose.yml', () => {
  it("stops each app no sooner than it may take to drain and close at the default settings (Docker's own default is 10 s)", () => {
    const compose = parse(readFileSync(path.resolve(__dirname, '../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { stop_grace_period?: string }> };
    const limitMs = shutdownLimitMs(loadConfig({}));
    for (const app of ['api', 'worker', 'gateway']) {
      const period = /^(\d+)s$/.exec(compose.services[app].stop_grace_period ?? '');
      expect([app, period !== null && Number(period[1]) * 1000 > limitMs]).toEqual([app, true]);
    }
  });
});
