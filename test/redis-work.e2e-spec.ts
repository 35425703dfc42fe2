/**
 * Redis work per sign-in: what the api and the worker send to Redis for one SMS sign-in, write by write, on each
 * app's queue connection (QUEUE_REDIS: the BullMQ queues and the event publisher, auto-pipelined). Commands issued
 * in one tick leave in one write: a new challenge's jobs with the updates it publishes, a sent text's step deadline
 * with its update. The producer connection (the guards' scripts, health, figures) is auto-pipelined too: the guards
 * run their scripts as plain EVALSHA/EVAL, never as commands defined mid-tick.
 */
import IORedis from 'ioredis';
import { challengeEventsChannel } from '@redial/contracts';
import type { Redis } from 'ioredis';
import { GuardScripts } from '@redial/guard';
import { PRODUCER_REDIS, QUEUE_REDIS } from '@redial/queue';
import { eventually, registerVerified, signIn } from './support/flows';
import { REDIS_URL } from './support/redis';
import { recordTraffic } from './support/redis-traffic';
import { startStack, Stack } from './support/stack';

let stack: Stack;
/** Reads the queues on a connection of its own, which no test records. */
let reader: IORedis;
/** The batched metrics counters leave on their own timer, whatever the request does. */
const metrics = (command: string) => /^hincrby(float)? \S+-metrics-/.test(command);

const USERS = ['redis-work-0', 'redis-work-1', 'redis-work-2'];

beforeAll(async () => {
  stack = await startStack({ sandbox: true, worker: true });
  reader = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  for (const [i, userId] of USERS.entries()) await registerVerified(stack, userId, { number: `+1202555012${i}`, method: 'sms' });
}, 60000);

afterAll(async () => {
  reader?.disconnect();
  await stack?.close();
});

/**
 * Runs `signIns` (each one sign-in), then waits until each one's text is sent and recorded: the api queued its
 * expiry and the worker its step deadline, two delayed jobs on the timers queue.
 */
async function untilSent<T>(count: number, signIns: () => Promise<T>): Promise<T> {
  const delayed = () => reader.zcard(`${stack.prefix}:timers:delayed`);
  const before = await delayed();
  const result = await signIns();
  await eventually('the expiries and the step deadlines queued', async () => (await delayed()) >= before + 2 * count);
  return result;
}

it('a new challenge: the api sends its expiry and dispatch jobs and its updates in one write', async () => {
  const redis = stack.api.get<Redis>(QUEUE_REDIS);
  const channel = challengeEventsChannel(stack.prefix);
  // A first sign-in, so each script has been sent in full once on this connection (later ones go by SHA).
  await untilSent(1, () => signIn(stack, USERS[0]));

  const { writes } = await untilSent(1, () => recordTraffic(redis, () => signIn(stack, USERS[1]), metrics));

  expect(writes).toHaveLength(1);
  expect([...writes[0]].sort()).toEqual(
    [
      `evalsha ${stack.prefix}:texts:wait`, // the dispatch job
      `evalsha ${stack.prefix}:timers:marker`, // the expiry job (delayed)
      `publish ${channel}`, // challenge.created
      `publish ${channel}`, // attempt.queued
    ].sort(),
  );
});

it('a text sent: the worker publishes its update and queues its step deadline in one write', async () => {
  const redis = stack.worker!.get<Redis>(QUEUE_REDIS);
  const channel = challengeEventsChannel(stack.prefix);

  const { writes } = await recordTraffic(redis, () => untilSent(1, () => signIn(stack, USERS[2])), metrics);

  const published = writes.filter((w) => w.includes(`publish ${channel}`));
  expect(published).toHaveLength(1);
  expect(published[0]).toEqual(expect.arrayContaining([`publish ${channel}`, `evalsha ${stack.prefix}:timers:marker`]));
});

it('the producer connection is auto-pipelined, and a guard decision never run before works in a tick whose other commands are still on their way', async () => {
  const redis = stack.api.get<Redis>(PRODUCER_REDIS);
  expect(redis.options.enableAutoPipelining).toBe(true);
  const scripts = stack.api.get(GuardScripts);
  // A section no Redis has seen: its first run is answered NOSCRIPT and runs by EVAL; the second by EVALSHA.
  const tag = `probe-${process.pid}-${Date.now()}`;
  const ask = { lua: `function(keys, args) return {0, '${tag}', args[1]} end`, keys: [`${stack.prefix}-redis-work-probe`], args: ['x'], verdict: (reply: unknown[]) => reply.slice(1) };
  const probeKey = `${stack.prefix}-redis-work-probe`;
  const traffic = await recordTraffic(redis, () => Promise.all([redis.get(probeKey), scripts.run([ask]), scripts.run([ask])]));
  expect(traffic.result).toEqual([null, [[tag, 'x']], [[tag, 'x']]]);
  // One write for the tick's three commands; Redis did not know the script, so each ran again by EVAL.
  expect(traffic.writes[0]).toEqual([`get ${probeKey}`, `evalsha ${probeKey}`, `evalsha ${probeKey}`]);
  expect(traffic.commands.filter((c) => c.startsWith('eval '))).toHaveLength(2);
  // And, as before ioredis's auto-pipeline met a script defined at first use, every caller got its own reply.
  const cached = await recordTraffic(redis, () => Promise.all([redis.get(probeKey), scripts.run([ask])]));
  expect(cached.result).toEqual([null, [[tag, 'x']]]);
  expect(cached.commands).toEqual([`get ${probeKey}`, `evalsha ${probeKey}`]);
});
