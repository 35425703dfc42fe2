import { Client } from 'pg';
import { SqlService } from '@redial/database';
import { eventually, getChallenge, inbox, registerVerified, setNumber, signIn } from './support/flows';
import { PG_SERVER_URL } from './support/database';
import { REDIS_URL } from './support/redis';
import { startStack, Stack } from './support/stack';
import { CutMode, startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { jobLockMs } from '../apps/worker/src/worker.options';

/**
 * PostgreSQL and Redis fail under a running stack (api, worker, sandbox): the apps reach both through TCP proxies
 * this suite owns, and the suite cuts them (connections reset and refused, or frozen) — the shared servers are
 * never touched. Every wait below derives from the configured bounds: DEPENDENCY_TIMEOUT_MS (shortened here to
 * 1 s from its 5 s default so the suite is quick; the logic is the same) and RECONCILE_INTERVAL_MS. A cut lasts
 * CUT_MS = 6 × the timeout (the 10 s outage, scaled with the timeout): long enough that a request held for
 * the whole cut is told apart from one answered within the bound.
 */
const TIMEOUT_MS = 1000;
const RECONCILE_MS = 300;
const CUT_MS = 6 * TIMEOUT_MS;
/** A request during a cut answers within its own wait (one timeout) and a margin for a busy machine. */
const ANSWER_WITHIN_MS = 3 * TIMEOUT_MS;
/**
 * After a restore: ioredis reconnects within 2 s (its retry strategy's cap); a job whose worker lost it at the cut
 * (Redis handed it over, the reply was lost) is back in wait within two job locks (jobLockMs); failed jobs retry
 * with backoff, and the reconciler re-creates anything overdue every interval. A challenge completes within this.
 */
const RECOVER_WITHIN_MS = 2000 + 2 * jobLockMs(TIMEOUT_MS) + 10 * TIMEOUT_MS + 20 * RECONCILE_MS;

describe('faults survived: PostgreSQL and Redis cut through a TCP proxy', () => {
  let stack: Stack;
  let pg: TcpProxy;
  let redis: TcpProxy;
  let n = 0;
  const phone = () => `+1201556${String(1000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    const pgServer = new URL(PG_SERVER_URL);
    const redisServer = new URL(REDIS_URL);
    pg = await startTcpProxy({ host: pgServer.hostname, port: Number(pgServer.port || 5432) });
    redis = await startTcpProxy({ host: redisServer.hostname, port: Number(redisServer.port || 6379) });
    stack = await startStack({
      sandbox: true,
      worker: true,
      databaseUrl: (url) => pg.via(url),
      env: { LOG_LEVEL: process.env.FAULT_LOG ?? 'silent', REDIS_URL: redis.via(REDIS_URL), DEPENDENCY_TIMEOUT_MS: String(TIMEOUT_MS), RECONCILE_INTERVAL_MS: String(RECONCILE_MS), CALLS_PER_SECOND: '200' },
    });
  });
  afterAll(async () => {
    pg?.restore();
    redis?.restore();
    await stack?.close();
    await pg?.close();
    await redis?.close();
  });

  /** A user whose primary phone takes texts, verified; returns the number and how many texts it has had. */
  async function smsUser(userId: string): Promise<{ userId: string; number: string }> {
    const number = phone();
    await setNumber(stack, number, { sms: 'deliver', delayMs: 50 });
    await registerVerified(stack, userId, { number, method: 'sms' });
    return { userId, number };
  }

  /** Times one request; `fetch` gives up well past the bound, so a held request fails the test instead of hanging it. */
  async function timed(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const started = Date.now();
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...stack.auth, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CUT_MS + 5000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, retryAfter: res.headers.get('retry-after'), ms: Date.now() - started };
  }

  /** Completes a challenge by its latest text's code, and returns how many texts its phone got in all. */
  async function complete(c: { id: string; token: string }, number: string, textsBefore: number): Promise<number> {
    const code = await eventually(`a text to ${number}`, async () => {
      const { messages } = await inbox(stack, number);
      return messages.length > textsBefore ? /#(\d{6})\s*$/.exec([...messages].sort((a, b) => a.at.localeCompare(b.at)).at(-1)?.body ?? '')?.[1] : undefined;
    }, RECOVER_WITHIN_MS, 100);
    await eventually(`challenge ${c.id} approved`, async () => {
      const res = await stack.request('POST', `/v1/challenges/${c.id}/check`, { code }, { authorization: `Bearer ${c.token}` });
      return res.status === 200 && res.body.status === 'approved';
    }, RECOVER_WITHIN_MS, 100);
    return (await inbox(stack, number)).messages.length;
  }

  it('connections PostgreSQL drops under the apps (pg_terminate_backend), idle or held, are logged and replaced: nothing exits', async () => {
    const before = await smsUser('terminated');
    // One connection held by each app, as a transaction holds it, and the rest idle in the pools.
    const held = await Promise.all([stack.api.get(SqlService).pool.connect(), stack.worker!.get(SqlService).pool.connect()]);
    const admin = new Client({ connectionString: PG_SERVER_URL });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [stack.db.name]);
      expect(rowCount).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    // The held connections learn it on their next statement, and go back to the pool broken (it drops them).
    for (const client of held) {
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
    }
    const texts = (await inbox(stack, before.number)).messages.length;
    const c = await signIn(stack, before.userId);
    expect(await complete(c, before.number, texts)).toBe(texts + 1);
  });

  it.each<[string, 'database' | 'redis', CutMode]>([
    ['PostgreSQL refused', 'database', 'refuse'],
    ['PostgreSQL frozen', 'database', 'freeze'],
    ['Redis refused', 'redis', 'refuse'],
    ['Redis frozen', 'redis', 'freeze'],
  ])('%s for a while: 503 + Retry-After within the bound, /health names it, and after it every challenge completes with one text', async (_name, part, mode) => {
    const proxy = part === 'database' ? pg : redis;
    const tag = `${part}-${mode}`;
    const users = await Promise.all([0, 1, 2, 3].map((i) => smsUser(`${tag}-${i}`)));
    const textsBefore = new Map(await Promise.all(users.map(async (u) => [u.number, (await inbox(stack, u.number)).messages.length] as const)));
    // Two challenges in flight when the cut starts.
    const started = await Promise.all(users.slice(0, 2).map(async (u) => ({ user: u, challenge: await signIn(stack, u.userId) })));

    proxy.cut(mode);
    const cutAt = Date.now();
    const health = await eventually(`/health to name ${part}`, async () => {
      const res = await timed('GET', '/health');
      return res.status === 503 ? res : undefined;
    }, ANSWER_WITHIN_MS * 2);
    expect(health.body).toMatchObject({ status: 'unavailable', [part]: 'down', [part === 'database' ? 'redis' : 'database']: 'up' });
    expect(Number(health.retryAfter)).toBeGreaterThanOrEqual(1);

    // Requests during the cut: each answers within the bound — 503 with Retry-After when it needs the part that is
    // away, never 500, never held. A sign-in needs PostgreSQL; with Redis away it is written and its jobs wait for
    // the reconciler (201), so the person still gets a text once Redis is back.
    const during: Array<{ user: (typeof users)[number]; challenge: { id: string; token: string } }> = [];
    for (const u of users.slice(2)) {
      const res = await timed('POST', '/v1/challenges', { userId: u.userId });
      expect(res.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect([201, 503]).toContain(res.status);
      if (res.status === 503) {
        expect(res.body).toMatchObject({ error: 'unavailable', retryAfter: expect.any(Number) });
        expect(res.retryAfter).toBe(String(res.body.retryAfter));
      } else {
        expect(part).toBe('redis');
        during.push({ user: u, challenge: res.body });
      }
    }
    if (part === 'database') {
      const read = await timed('GET', `/v1/challenges/${started[0].challenge.id}`);
      expect(read.status).toBe(503);
      expect(read.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(read.retryAfter).toBe(String(read.body.retryAfter));
    }

    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    proxy.restore();
    await eventually('/health to be ok again', async () => (await timed('GET', '/health')).status === 200, RECOVER_WITHIN_MS);

    // Requests refused during a PostgreSQL cut are retried by their clients now.
    for (const u of users.slice(2)) {
      if (!during.some((d) => d.user === u)) during.push({ user: u, challenge: await signIn(stack, u.userId) });
    }
    // Every challenge completes, and each phone got exactly one text for it: none lost, none sent twice.
    for (const { user, challenge } of [...started, ...during]) {
      const before = textsBefore.get(user.number) ?? 0;
      const after = await complete(challenge, user.number, before);
      expect(after).toBe(before + 1);
      expect((await getChallenge(stack, challenge.id)).status).toBe('approved');
    }
    // Late retries (BullMQ backoff, the reconciler) have had their chance: still one text each.
    await new Promise((r) => setTimeout(r, 3 * RECONCILE_MS));
    for (const u of users) expect((await inbox(stack, u.number)).messages.length).toBe((textsBefore.get(u.number) ?? 0) + 1);
  }, 120000);
});
