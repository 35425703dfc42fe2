import { DefaultJobOptions, Queue } from 'bullmq';
import IORedis from 'ioredis';
import { JobName, jobId, QueueName } from '@redial/contracts';
import { DISPATCH_JOB_OPTIONS } from '@redial/queue';
import type { BenchStack } from '../lib/stack';
import { REDIS_URL } from '../lib/stack';
import { waitUntil } from '../lib/stats';

export async function acceptedCount(stack: BenchStack): Promise<number> {
  return (await stack.sandbox.call<{ accepted: number }>('counts')).accepted;
}

export async function callbackCount(stack: BenchStack): Promise<number> {
  return (await stack.sandbox.call<{ callbacks: number }>('counts')).callbacks;
}

/** Waits until `n` more texts than `since` were accepted; returns their acceptance times (sorted). */
export async function waitAccepted(stack: BenchStack, since: number, n: number, timeoutMs: number, what: string): Promise<number[]> {
  let seen = 0;
  try {
    await waitUntil(what, async () => (seen = (await acceptedCount(stack)) - since) >= n, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message} (${seen} of ${n} texts accepted)`);
  }
  const times = await stack.sandbox.call<number[]>('acceptedTimes', { since });
  return times.slice(0, n).sort((a, b) => a - b);
}

/**
 * Texts per second over a drain: (n − 1) / (last − first acceptance). Measured between the first and the last
 * text the sandbox accepted, so process start-up is outside the window for Redial and the baseline alike.
 */
export function drainRate(times: number[]): number {
  if (times.length < 2) return Number.NaN;
  return ((times.length - 1) * 1000) / (times[times.length - 1] - times[0]);
}

/** A BullMQ Queue handle on one of the run's queues (for counts, bulk adds). */
export function benchQueue(prefix: string, name: string, defaultJobOptions?: DefaultJobOptions): { queue: Queue; close(): Promise<void> } {
  const connection = new IORedis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix, defaultJobOptions });
  return {
    queue,
    close: async () => {
      await queue.close();
      connection.disconnect();
    },
  };
}

/** Waits until a queue has nothing waiting, active or delayed-for-retry (so a worker can stop cleanly). */
export async function waitDrained(queue: Queue, timeoutMs: number): Promise<void> {
  await waitUntil(
    `queue ${queue.name} to drain`,
    async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized');
      return c.waiting + c.active + c.prioritized === 0;
    },
    timeoutMs,
    100,
  );
}

/**
 * Copies one freshly created challenge `count` times in SQL: challenge, steps, events and its attempt (the one its
 * transition started; a provider SID, unique to one send, is not copied).
 */
export async function cloneChallenge(stack: BenchStack, templateId: string, count: number): Promise<string[]> {
  const pg = stack.pg;
  const columns = async (table: string, skip: string[]) =>
    (await pg.query<{ c: string }>("SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position", [table])).rows
      .map((r) => r.c)
      .filter((c) => !skip.includes(c))
      .map((c) => `"${c}"`);
  const ch = await columns('challenges', ['id']);
  const st = await columns('challenge_steps', ['challenge_id']);
  const ev = await columns('challenge_events', ['id', 'challenge_id']);
  const at = await columns('delivery_attempts', ['id', 'challenge_id']);
  const ids: string[] = [];
  for (let done = 0; done < count; done += 20_000) {
    const n = Math.floor(Math.min(20_000, count - done));
    await pg.query('BEGIN');
    try {
      await pg.query(`CREATE TEMP TABLE bench_clone ON COMMIT DROP AS SELECT gen_random_uuid() AS id FROM generate_series(1, ${n})`);
      await pg.query(`INSERT INTO challenges (id, ${ch.join(', ')}) SELECT b.id, ${ch.map((c) => `t.${c}`).join(', ')} FROM bench_clone b CROSS JOIN challenges t WHERE t.id = $1`, [templateId]);
      await pg.query(`INSERT INTO challenge_steps (challenge_id, ${st.join(', ')}) SELECT b.id, ${st.map((c) => `s.${c}`).join(', ')} FROM bench_clone b CROSS JOIN challenge_steps s WHERE s.challenge_id = $1`, [templateId]);
      await pg.query(`INSERT INTO challenge_events (challenge_id, ${ev.join(', ')}) SELECT b.id, ${ev.map((c) => `e.${c}`).join(', ')} FROM bench_clone b CROSS JOIN challenge_events e WHERE e.challenge_id = $1`, [templateId]);
      await pg.query(`INSERT INTO delivery_attempts (id, challenge_id, ${at.join(', ')}) SELECT gen_random_uuid(), b.id, ${at.map((c) => (c === '"provider_sid"' ? 'NULL' : `a.${c}`)).join(', ')} FROM bench_clone b CROSS JOIN delivery_attempts a WHERE a.challenge_id = $1`, [templateId]);
      ids.push(...(await pg.query<{ id: string }>('SELECT id FROM bench_clone')).rows.map((r) => r.id));
      await pg.query('COMMIT');
    } catch (err) {
      await pg.query('ROLLBACK');
      throw err;
    }
  }
  return ids;
}

/**
 * A backlog of `n` sign-in challenges exactly as the api leaves them when no worker runs: one created through
 * POST /v1/challenges, copied n − 1 times in SQL, and a dispatch job queued for each copy with the api's job id
 * and options. (Creating thousands through the api would take minutes on a small machine; the rows and jobs are
 * the same.) The template user's number gets `delayMs`, so its status callbacks come when the caller wants.
 * The worker must be stopped.
 */
export async function createBacklog(stack: BenchStack, n: number, delayMs: number): Promise<{ template: string; ids: string[] }> {
  const user = stack.users[0];
  await stack.setDelay([user.e164], delayMs);
  const template = await stack.createChallenge(user.userId);
  const ids = await cloneChallenge(stack, template.id, n - 1);
  const attempts = new Map(
    (await stack.pg.query<{ c: string; a: string }>('SELECT challenge_id AS c, id AS a FROM delivery_attempts WHERE challenge_id = ANY($1::uuid[])', [ids])).rows.map((r) => [r.c, r.a]),
  );
  const { queue, close } = benchQueue(stack.prefix, QueueName.Texts, DISPATCH_JOB_OPTIONS);
  try {
    for (let i = 0; i < ids.length; i += 2000) {
      await queue.addBulk(
        ids.slice(i, i + 2000).map((challengeId) => {
          const data = { challengeId, step: 0, attemptNo: 1, attemptId: attempts.get(challengeId) as string };
          return { name: JobName.Dispatch, data, opts: { jobId: jobId.dispatch(data) } };
        }),
      );
    }
  } finally {
    await close();
  }
  return { template: template.id, ids: [template.id, ...ids] };
}

/**
 * After an overload: drops the texts still queued and cancels, in the database, the challenges still waiting for
 * their dispatch (so the reconciler does not queue them again), so the next measurement starts from an idle
 * system. Returns how many challenges were cancelled.
 */
export async function purgeBacklog(stack: BenchStack): Promise<number> {
  const { queue, close } = benchQueue(stack.prefix, QueueName.Texts);
  try {
    await queue.drain(true);
  } finally {
    await close();
  }
  const res = await stack.pg.query(
    "UPDATE challenges SET status = 'canceled', next_action = NULL, next_action_at = NULL, finished_at = now() WHERE status = 'pending' AND next_action = 'dispatch'",
  );
  return res.rowCount ?? 0;
}
