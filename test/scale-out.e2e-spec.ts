/**
 * N of everything: 2 apis, 2 workers and 2 gateways, each its own OS process (`node dist/apps/<app>/src/main.js`,
 * as `npm run start:<app>` runs them) on its own port, sharing one PostgreSQL database and one Redis queue prefix.
 * The sandbox runs in this process; Twilio's callbacks reach the apis through a round-robin HTTP balancer in front of
 * both (PUBLIC_URL), as they would through a load balancer. Sign-ins by text and by call are started through both
 * apis and watched on both gateways; one api, one worker and one gateway are SIGKILLed while they are in flight.
 * Proven: every challenge is approved, every phone got exactly one text or call per step attempt, every socket
 * received its snapshot and then every `challenge.updated` with seq rising by 1, though api and worker processes
 * publish one challenge's updates side by side (a socket moved to the surviving gateway gets a snapshot that covers
 * what it missed), and the fleet-wide periodic work (reconciler, alert evaluation: BullMQ job schedulers on the
 * maintenance queue) ran once per interval across both workers, never once per process.
 */
import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { CHALLENGES_NAMESPACE, type ChallengeView, JobName, QueueName } from '@redial/contracts';
import { startSandbox } from '../apps/sandbox/src/sandbox.app';
import { testConfig } from './support/config';
import { createTestDatabase, type TestDatabase } from './support/database';
import { eventually, getChallenge, inbox, latestCode, registerVerified, setNumber, waitForStatus } from './support/flows';
import { connect, LiveClient } from './support/gateway-client';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';
import { apiClient, appEnv, AppProcess, type Balancer, ensureBuilt, spawnApp, startBalancer } from './support/fleet';
import { freePort } from './support/ports';

const RECONCILE_INTERVAL_MS = 500;
const ALERT_INTERVAL_MS = 1000;

// ---------------------------------------------------------------------------------------------------------------

let db: TestDatabase;
let prefix: string;
let sandbox: { url: string; close(): Promise<unknown> };
let balancer: Balancer;
const apis: AppProcess[] = [];
const workers: AppProcess[] = [];
const gateways: AppProcess[] = [];
const apiUrls: string[] = [];
const gatewayUrls: string[] = [];
const clients: LiveClient[] = [];
let redis: IORedis;
let startedAt = 0;

const numberBase = 1000 + Math.floor(Math.random() * 8000);
let numberSeq = 0;
const freshNumber = () => `+1202555${String(numberBase + ++numberSeq).padStart(4, '0')}`;

beforeAll(async () => {
  ensureBuilt();
  db = await createTestDatabase();
  prefix = uniquePrefix('scale');
  redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const sandboxConfig = testConfig(db.url, prefix, { SANDBOX_PORT: '0' });
  sandbox = await startSandbox(sandboxConfig, { quiet: true });
  const apiPorts = [await freePort(), await freePort()];
  balancer = await startBalancer(apiPorts);
  const common = appEnv(
    { databaseUrl: db.url, prefix, tokenSecret: `scale-${randomBytes(16).toString('hex')}`, publicUrl: balancer.url, twilioUrl: sandbox.url },
    {
      CALLS_PER_SECOND: '1000',
      RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
      ALERT_INTERVAL_MS: String(ALERT_INTERVAL_MS),
      // Job locks of 5 s (2 × this, at least 5 s): a job the killed worker held goes back to the queue within 10 s.
      DEPENDENCY_TIMEOUT_MS: '2500',
    },
  );
  startedAt = Date.now();
  for (const i of [0, 1]) {
    const gatewayPort = await freePort();
    const env = { ...common, API_PORT: String(apiPorts[i]), GATEWAY_PORT: String(gatewayPort), GATEWAY_PUBLIC_URL: `http://127.0.0.1:${gatewayPort}` };
    const [api, worker, gateway] = await Promise.all([
      spawnApp(`api-${i}`, 'api', env, /api listening/),
      spawnApp(`worker-${i}`, 'worker', env, /worker running/),
      spawnApp(`gateway-${i}`, 'gateway', env, /gateway .*listening/),
    ]);
    apis.push(api);
    workers.push(worker);
    gateways.push(gateway);
    apiUrls.push(`http://127.0.0.1:${apiPorts[i]}`);
    gatewayUrls.push(`http://127.0.0.1:${gatewayPort}`);
  }
  for (const url of apiUrls) await eventually(`${url}/health`, async () => (await fetch(`${url}/health`)).status === 200);
}, 120000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([...apis, ...workers, ...gateways].map((p) => p.kill()));
  await balancer?.close();
  await sandbox?.close();
  redis?.disconnect();
  if (prefix) await deleteKeys(prefix).catch(() => undefined);
  await db?.drop().catch(() => undefined);
});

function watch(gateway: number, token: string): LiveClient {
  const client = connect(gatewayUrls[gateway], CHALLENGES_NAMESPACE, { token });
  clients.push(client);
  return client;
}

/**
 * What one socket received: its snapshot, then updates with seq rising by 1 from just after it, whichever api or
 * worker published them and in whatever order they reached its gateway. Returns the snapshot's seq and the last.
 */
function inOrder(client: LiveClient, challengeId: string): { first: number; last: number } {
  const [snapshot, ...updates] = client.serverEvents.map((r) => [r.event, (r.payload as { seq: number }).seq] as const);
  expect([challengeId, snapshot?.[0]]).toEqual([challengeId, 'challenge.snapshot']);
  const first = snapshot[1];
  expect([challengeId, updates]).toEqual([challengeId, updates.map((_, k) => ['challenge.updated', first + 1 + k])]);
  return { first, last: first + updates.length };
}

/** Waits until the socket has received the challenge as of `seq` (an update with it, or a snapshot at or past it). */
function reached(client: LiveClient, seq: number): Promise<unknown> {
  return client.next(`seq ${seq}`, (r) => (r.event === 'challenge.updated' || r.event === 'challenge.snapshot') && (r.payload as { seq: number }).seq >= seq);
}

it('runs two of each app: both workers beat (per process), both gateways and apis answer', async () => {
  expect(apis.concat(workers, gateways).every((p) => p.running)).toBe(true);
  const health = await eventually('both workers to beat', async () => {
    const res = await fetch(`${apiUrls[1]}/health?verbose=1`);
    const body = (await res.json()) as { workers?: { alive: number } };
    return body.workers?.alive === 2 ? body : undefined;
  });
  expect(health.workers?.alive).toBe(2);
});

it('sign-ins through both apis, watched on both gateways; one api, one worker and one gateway killed mid-run: none lost, none sent twice, every update reaches its sockets', async () => {
  const [a0, a1] = apiUrls.map((u) => apiClient(u, sandbox.url));
  const users = Array.from({ length: 12 }, (_, i) => ({ i, userId: `scale-${i}`, phone: freshNumber(), method: (i % 2 ? 'call' : 'sms') as 'call' | 'sms' }));
  // Registered through both apis (each verification by text or call, through the fleet).
  await Promise.all(users.map((u) => registerVerified(u.i % 4 < 2 ? a0 : a1, u.userId, { number: u.phone, method: u.method })));
  // The sign-in calls ring for 3 s: they are ringing when the processes are killed.
  await Promise.all(users.filter((u) => u.method === 'call').map((u) => setNumber(a1, u.phone, { voice: 'press-pound', ringMs: 3000 })));

  const started = await Promise.all(users.map(async (u) => {
    const api = u.i % 4 < 2 ? a0 : a1; // sms and call through each api
    const res = await api.request('POST', '/v1/challenges', { userId: u.userId });
    expect(res.status).toBe(201);
    const challenge = res.body as ChallengeView & { token: string };
    const gateway = Math.floor(u.i / 2) % 2; // sms and call on each gateway
    const socket = watch(gateway, challenge.token);
    await socket.nextEvent('challenge.snapshot');
    return { ...u, challenge, gateway, sockets: [socket] };
  }));
  // Mid-run: every sign-in text is in its inbox, awaiting its code; every call is ringing.
  await eventually('every sign-in text and call to reach its phone', async () => {
    const boxes = await Promise.all(started.map((s) => inbox(a1, s.phone)));
    return boxes.every((b, k) => (started[k].method === 'sms' ? b.messages : b.calls).length === 2);
  }, 20000);

  await Promise.all([apis[0].kill(), workers[0].kill(), gateways[0].kill()]);
  // The sockets of the killed gateway reconnect to the other one, with the same token, and get a snapshot.
  await Promise.all(started.filter((s) => s.gateway === 0).map(async (s) => {
    await s.sockets[0].nextEvent('disconnect');
    const moved = watch(1, s.challenge.token);
    s.sockets.push(moved);
    await moved.nextEvent('challenge.snapshot');
  }));

  // The codes go to the surviving api; the calls are answered and # pressed, their callbacks through the balancer.
  await Promise.all(started.map(async (s) => {
    if (s.method === 'sms') {
      const code = await latestCode(a1, s.phone, 1);
      const checked = await a1.request('POST', `/v1/challenges/${s.challenge.id}/check`, { code }, { authorization: `Bearer ${s.challenge.token}` });
      expect(checked.body.status).toBe('approved');
    }
    await waitForStatus(a1, s.challenge.id, 'approved', 30000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await getChallenge(a1, s.challenge.id))}; inbox ${JSON.stringify(await inbox(a1, s.phone))}`);
    });
  }));

  // And the fleet that is left keeps serving: a second sign-in for four of them.
  const again = await Promise.all(started.slice(0, 4).map(async (s) => {
    if (s.method === 'call') await setNumber(a1, s.phone, { voice: 'press-pound', ringMs: 100 });
    const res = await a1.request('POST', '/v1/challenges', { userId: s.userId });
    expect(res.status).toBe(201);
    const challenge = res.body as ChallengeView & { token: string };
    const socket = watch(1, challenge.token);
    await socket.nextEvent('challenge.snapshot');
    if (s.method === 'sms') {
      const code = await latestCode(a1, s.phone, 2);
      const checked = await a1.request('POST', `/v1/challenges/${challenge.id}/check`, { code }, { authorization: `Bearer ${challenge.token}` });
      expect(checked.body.status).toBe('approved');
    }
    await waitForStatus(a1, challenge.id, 'approved', 20000);
    return { ...s, challenge, sockets: [socket] };
  }));

  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  try {
    for (const s of [...started, ...again]) {
      const final = await getChallenge(a1, s.challenge.id);
      expect(final.status).toBe('approved');
      // Every socket of this challenge got its snapshot, then every update in order; a moved socket's snapshot
      // covered what it missed (never going back), and the last socket reached the last event.
      let known = -1;
      for (const socket of s.sockets) {
        if (socket === s.sockets.at(-1)) await reached(socket, final.seq);
        const { first, last } = inOrder(socket, s.challenge.id);
        expect(first).toBeGreaterThanOrEqual(known);
        known = last;
      }
      expect([s.challenge.id, known]).toEqual([s.challenge.id, final.seq]);
    }
    // Nothing sent twice: each phone got exactly one text or call per attempt the database holds for it.
    const attempts = await pg.query<{ e164: string; n: string }>(
      'SELECT s.e164, count(*) AS n FROM delivery_attempts a JOIN challenge_steps s ON s.challenge_id = a.challenge_id AND s.index = a.step_index GROUP BY s.e164',
    );
    const perPhone = new Map(attempts.rows.map((r) => [r.e164, Number(r.n)]));
    for (const s of started) {
      const box = await inbox(a1, s.phone);
      const sent = s.method === 'sms' ? box.messages : box.calls;
      const signIns = again.some((x) => x.userId === s.userId) ? 2 : 1;
      expect([s.phone, sent.length]).toEqual([s.phone, 1 + signIns]); // the verification and each sign-in, once
      expect([s.phone, (s.method === 'sms' ? box.calls : box.messages).length]).toEqual([s.phone, 0]);
      expect([s.phone, perPhone.get(s.phone)]).toEqual([s.phone, sent.length]);
    }
  } finally {
    await pg.end();
  }
}, 90000);

it('fleet-wide work runs once per interval across both workers (BullMQ job schedulers), not once per process', async () => {
  // Every completed maintenance job is in the queue's event stream; a scheduler's job id carries the time it was
  // due for (`repeat:<scheduler>:<ms>`).
  const entries = await redis.xrange(`${prefix}:${QueueName.Maintenance}:events`, '-', '+');
  const completed = new Map<string, number[]>();
  for (const [, fields] of entries) {
    const f: Record<string, string> = {};
    for (let k = 0; k < fields.length; k += 2) f[fields[k]] = fields[k + 1];
    if (f.event !== 'completed') continue;
    const m = /^repeat:([^:]+):(\d+)$/.exec(f.jobId ?? '');
    if (m) completed.set(m[1], [...(completed.get(m[1]) ?? []), Number(m[2])]);
  }
  const now = Date.now();
  for (const [name, interval] of [[JobName.Reconcile, RECONCILE_INTERVAL_MS], [JobName.EvaluateAlerts, ALERT_INTERVAL_MS]] as const) {
    const due = (completed.get(name) ?? []).sort((x, y) => x - y);
    // Never two runs for one interval, whichever worker took it…
    expect(new Set(due).size).toBe(due.length);
    for (let k = 1; k < due.length; k++) expect(due[k] - due[k - 1]).toBeGreaterThanOrEqual(interval);
    // …and it did run, about once per interval over the run (two workers running their own would double it).
    const intervals = (now - startedAt) / interval;
    expect(due.length).toBeLessThanOrEqual(Math.ceil(intervals) + 1);
    expect(due.length).toBeGreaterThanOrEqual(Math.floor(intervals * 0.5));
  }
});
