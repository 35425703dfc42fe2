/**
 * The pumping guard's counters on a real Redis: a text is counted once per attempt, however many tries its send
 * takes (each try of a dispatch job asks the send check again, which counts in its section of the guard's script).
 */
import IORedis from 'ioredis';
import type { AppConfig } from '@redial/config';
import { GuardScripts, PumpingStore } from '@redial/guard';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';

describe('PumpingStore counts on Redis', () => {
  const prefix = uniquePrefix('pump');
  const redis = new IORedis(REDIS_URL);
  const config = { queuePrefix: prefix, pumping: { minSends: 5, conversionFloor: 0.2, windowMin: 60, prefixDigits: 3 } } as AppConfig;
  const store = new PumpingStore(config, redis);
  const scripts = new GuardScripts(redis);
  /** A send check's count: the window's figures after it. */
  const countSend = async (attemptId: string, now: Date) => {
    const [figures] = await scripts.run([{ ...store.countSend('44-740', attemptId, now), verdict: ([, sent, verified]) => ({ sent, verified }) }]);
    return figures;
  };

  afterAll(async () => {
    await deleteKeys(prefix);
    redis.disconnect();
  });

  it('counts a retried attempt once, and every attempt once', async () => {
    const now = new Date();
    expect(await countSend('attempt-1', now)).toEqual({ sent: 1, verified: 0 });
    expect(await countSend('attempt-1', now)).toEqual({ sent: 1, verified: 0 });
    expect(await countSend('attempt-2', now)).toEqual({ sent: 2, verified: 0 });
    expect(await store.countVerified('44-740', now.getTime())).toEqual({ sent: 2, verified: 1 });
    expect(await store.countVerified('44-740', now.getTime())).toEqual({ sent: 2, verified: 2 });
  });
});
