/**
 * The pumping guard's counters on a real Redis: a text is counted once per attempt, however many tries its send
 * takes (each try of a dispatch job asks the send check again).
 */
import IORedis from 'ioredis';
import type { AppConfig } from '@redial/config';
import { PumpingStore } from '@redial/guard';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';

describe('PumpingStore counts on Redis', () => {
  const prefix = uniquePrefix('pump');
  const redis = new IORedis(REDIS_URL);
  const config = { queuePrefix: prefix, pumping: { minSends: 5, conversionFloor: 0.2, windowMin: 60, prefixDigits: 3 } } as AppConfig;
  const store = new PumpingStore(config, redis);

  afterAll(async () => {
    await deleteKeys(prefix);
    redis.disconnect();
  });

  it('counts a retried attempt once, and every attempt once', async () => {
    const now = Date.now();
    expect(await store.count('44-740', 's', now, 'attempt-1')).toMatchObject({ sent: 1, verified: 0 });
    expect(await store.count('44-740', 's', now, 'attempt-1')).toMatchObject({ sent: 1, verified: 0 });
    expect(await store.count('44-740', 's', now, 'attempt-2')).toMatchObject({ sent: 2, verified: 0 });
    expect(await store.count('44-740', 'v', now)).toMatchObject({ sent: 2, verified: 1 });
    expect(await store.count('44-740', 'v', now)).toMatchObject({ sent: 2, verified: 2 });
  });
});
