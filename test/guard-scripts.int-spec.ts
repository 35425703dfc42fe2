/**
 * The guard's Redis work on a real Redis: one script, one round trip, before a send, after it, and before a
 * challenge is created (guard.scripts.ts) — pinned here by counting what the client sends — with every rule it
 * carried before: budgets read before and spent only after the send, nothing changed by a refused check, the
 * cool-down claimed by the attempt, the pumping count once per attempt and its threshold, the spend cap checked
 * then added. The rules a script states in Lua are held to their TypeScript twins on the same tables, and what
 * the scripts store stays readable by the other readers (rate-limiter-flexible, the spend figures, the
 * suspensions list).
 */
import IORedis from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@redial/config';
import { pumpingWindowKey, rateLimitKey, spendKey } from '@redial/contracts';
import { shouldSuspend, windowFigures } from '@redial/domain';
import {
  ChallengeAdmission,
  CostEstimator,
  dayPeriod,
  GeoSendCheck,
  GuardScripts,
  overCap,
  PhoneSendCheck,
  PumpingGuard,
  PumpingReleaseRepository,
  PumpingStore,
  RateLimitStore,
  readSpend,
  readSpendTotals,
  RequestLimits,
  RequestRefusedError,
  roundUsd,
  type SendContext,
  SendGuard,
  SpendCheck,
  spentToday,
  subjectHasher,
} from '@redial/guard';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';
import { recordTraffic } from './support/redis-traffic';
import { strictFake } from './support/strict-fake';

const redis = new IORedis(REDIS_URL);
const prefixes: string[] = [];

beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterAll(async () => {
  jest.restoreAllMocks();
  for (const p of prefixes) await deleteKeys(p);
  redis.disconnect();
});

/** The guard as api and worker build it (GuardModule), on its own prefix, over `client`. */
function guardWith(env: Record<string, string> = {}, client = redis) {
  const prefix = uniquePrefix('guard');
  prefixes.push(prefix);
  const config = loadConfig({ QUEUE_PREFIX: prefix, ...env });
  const scripts = new GuardScripts(client);
  const store = new RateLimitStore(config, client);
  const costs = new CostEstimator(config);
  const spend = new SpendCheck(config, costs);
  const pumpingStore = new PumpingStore(config, client);
  const pumping = new PumpingGuard(config, pumpingStore, strictFake<PumpingReleaseRepository>('releases', {}), scripts);
  const phone = new PhoneSendCheck(store);
  const guard = new SendGuard(scripts, [new GeoSendCheck(config), pumping, spend, phone]);
  const limits = new RequestLimits(config, store, scripts);
  const admission = new ChallengeAdmission(limits, pumping, spend, scripts);
  const hash = subjectHasher(config.keys.rateLimitSubjects);
  const budgetKey = (limit: string, kind: 'phone' | 'user' | 'api_key', value: string) => rateLimitKey(prefix, limit, hash(kind, value));
  return { prefix, config, scripts, store, spend, pumping, pumpingStore, phone, guard, limits, admission, budgetKey };
}

let attempts = 0;
function text(over: Partial<SendContext> = {}): SendContext {
  return { challengeId: 'c1', userId: 'u1', purpose: 'sign_in', attemptId: `a${++attempts}`, stepIndex: 0, attemptNo: 1, method: 'sms', e164: '+447700900123', country: 'GB', cost: { usd: 0.0524, units: 1 }, ...over };
}

/** The batched metrics counters write on their own timer: not part of a decision's traffic. */
const metricsFlush = (command: string) => /^hincrby \S+-metrics-redial_rate_limit_/.test(command);

describe('one round trip per decision', () => {
  it('before a text, after it, and before a challenge: one script each, one round trip each (every control on)', async () => {
    const g = guardWith({ PUMPING_MIN_SENDS: '25', SPEND_CAP_DAILY_USD: '100' });
    const first = text();
    // Warm-up: each combination of sections is loaded into Redis on its first run (NOSCRIPT, then EVAL).
    await g.guard.check(first);
    await g.guard.sent(first);
    await g.admission.admit({ userId: 'u-warm', apiKey: 'key-1', phones: [{ e164: '+447700900100', method: 'sms', country: 'GB' }] });

    const ctx = text({ e164: '+447700900124' });
    const before = await recordTraffic(redis, () => g.guard.check(ctx), metricsFlush);
    expect(before.result).toBeNull();
    expect(before.commands).toEqual([`evalsha ${g.prefix}-pumping-suspended`]);
    expect(before.roundTrips).toBe(1);

    const after = await recordTraffic(redis, () => g.guard.sent(ctx), metricsFlush);
    expect(after.commands).toEqual([`evalsha ${spendKey(g.prefix, dayPeriod(new Date()))}`]);
    expect(after.roundTrips).toBe(1);

    const create = await recordTraffic(redis, () => g.admission.admit({ userId: 'u2', apiKey: 'key-1', phones: [{ e164: ctx.e164, method: 'sms', country: 'GB' }] }), metricsFlush);
    expect(create.commands).toEqual([`evalsha ${g.budgetKey('user_challenges', 'user', 'u2')}`]);
    expect(create.roundTrips).toBe(1);
  });

  it('a call asks only what applies to calls, still in one script', async () => {
    const g = guardWith({ SPEND_CAP_DAILY_USD: '100' });
    const call = text({ method: 'call', e164: '+12015550100', country: 'US', cost: { usd: 0.014, units: 1 } });
    await g.guard.check(call);
    const before = await recordTraffic(redis, () => g.guard.check(text({ method: 'call', e164: '+12015550101', country: 'US' })), metricsFlush);
    expect(before.commands).toEqual([`evalsha ${spendKey(g.prefix, dayPeriod(new Date()))}`]);
    expect(before.roundTrips).toBe(1);
  });

  it('with every limit off, a send asks Redis nothing before, and only records its spend after', async () => {
    const g = guardWith({ PUMPING_MIN_SENDS: '0', SPEND_CAP_DAILY_USD: '0', RATE_LIMIT_PHONE_10MIN: '0', RATE_LIMIT_PHONE_DAY: '0', RATE_LIMIT_SMS_COOLDOWN_SEC: '0' });
    const ctx = text();
    expect((await recordTraffic(redis, () => g.guard.check(ctx), metricsFlush)).commands).toEqual([]);
    expect((await recordTraffic(redis, () => g.guard.sent(ctx), metricsFlush)).commands).toEqual([`evalsha ${spendKey(g.prefix, dayPeriod(new Date()))}`]);
  });
});

describe('per phone (PhoneSendCheck)', () => {
  it('spends the counted budgets only when a send went out; refuses the send past them with rate_limited', async () => {
    const g = guardWith({ RATE_LIMIT_PHONE_10MIN: '2', RATE_LIMIT_SMS_COOLDOWN_SEC: '0' });
    for (let i = 0; i < 2; i++) {
      const ctx = text({ e164: '+12015550123', country: 'US' });
      expect(await g.guard.check(ctx)).toBeNull();
      expect(await g.guard.check(ctx)).toBeNull(); // read, not spent: asking again changes nothing
      await g.guard.sent(ctx);
    }
    expect(await g.guard.check(text({ e164: '+12015550123', country: 'US' }))).toEqual({ reason: 'rate_limited', detail: expect.stringMatching(/^phone_10min: texts and calls to this phone in 10 minutes \(limit 2\), \d+ s left$/) });
    expect(await redis.get(g.budgetKey('phone_10min', 'phone', '+12015550123'))).toBe('2');
    expect(await redis.get(g.budgetKey('phone_day', 'phone', '+12015550123'))).toBe('2');
    expect(await g.guard.check(text({ e164: '+12015550124', country: 'US' }))).toBeNull();
  });

  it('texts: the cool-down is claimed by the attempt (its retry passes), refuses another text, and is never claimed by a refused check', async () => {
    const g = guardWith({ RATE_LIMIT_PHONE_DAY: '1' });
    const first = text();
    expect(await g.guard.check(first)).toBeNull();
    expect(await g.guard.check(first)).toBeNull(); // the same attempt's job, retried
    expect(await g.guard.check(text())).toEqual({ reason: 'rate_limited', detail: expect.stringMatching(/^sms_cooldown: texts to this phone in a row \(limit 1\), (29|30) s left$/) });
    const cooldown = g.budgetKey('sms_cooldown', 'phone', first.e164);
    expect(await redis.get(cooldown)).toBe(first.attemptId);
    // Calls have no cool-down.
    expect(await g.guard.check(text({ method: 'call' }))).toBeNull();
    await g.guard.sent(first);
    await g.store.releaseCooldown(g.store.subject('phone', first.e164));
    expect(await g.guard.check(text())).toEqual({ reason: 'rate_limited', detail: expect.stringMatching(/^phone_day:/) });
    expect(await redis.exists(cooldown)).toBe(0);
  });

  it('stores budgets rate-limiter-flexible reads as its own', async () => {
    const g = guardWith({ RATE_LIMIT_PHONE_10MIN: '5' });
    const ctx = text();
    await g.guard.sent(ctx);
    await g.guard.sent(text({ e164: ctx.e164 }));
    const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: '', points: 5, duration: 600 });
    const res = await limiter.get(g.budgetKey('phone_10min', 'phone', ctx.e164));
    expect(res?.consumedPoints).toBe(2);
    expect(res?.msBeforeNext).toBeGreaterThan(590_000);
    expect(res?.msBeforeNext).toBeLessThanOrEqual(600_000);
  });
});

describe('the checks run in order, and one that refuses stops the rest', () => {
  it('a text the pumping guard holds claims no cool-down and counts no refusal at the cap', async () => {
    const g = guardWith({ PUMPING_MIN_SENDS: '1', SPEND_CAP_DAILY_USD: '0.01' });
    await redis.hset(spendKey(g.prefix, dayPeriod(new Date())), 'all', '0.01');
    const prefix = g.pumping.prefixOf('+447700900123') as string;
    await g.pumpingStore.suspend(prefix, { sent: 9, verified: 0 });
    const ctx = text();
    expect(await g.guard.check(ctx)).toMatchObject({ reason: 'destination_suspended' });
    expect(await redis.exists(g.budgetKey('sms_cooldown', 'phone', ctx.e164))).toBe(0);
    expect(await redis.hget(spendKey(g.prefix, dayPeriod(new Date())), 'refused')).toBeNull();
    // Refused before it was counted: the prefix's window is untouched.
    expect(await redis.exists(pumpingWindowKey(g.prefix, prefix))).toBe(0);
  });

  it('a text the spend cap refuses is counted by the pumping guard (counted before the send) but claims no cool-down', async () => {
    const g = guardWith({ PUMPING_MIN_SENDS: '25', SPEND_CAP_DAILY_USD: '0.01' });
    await redis.hset(spendKey(g.prefix, dayPeriod(new Date())), 'all', '0.0079');
    const ctx = text();
    expect(await g.guard.check(ctx)).toEqual({ reason: 'spend_cap_reached', detail: 'daily spend cap $0.01: $0.0079 spent today, this sms ~$0.0524' });
    expect(await redis.exists(g.budgetKey('sms_cooldown', 'phone', ctx.e164))).toBe(0);
    expect(await redis.hget(spendKey(g.prefix, dayPeriod(new Date())), 'refused')).toBe('1');
    expect(await g.pumpingStore.countVerified(g.pumping.prefixOf(ctx.e164) as string)).toEqual({ sent: 1, verified: 1 });
  });

  it('a check decided without Redis (geo) refuses without asking Redis', async () => {
    const g = guardWith({ SMS_ALLOWED_COUNTRIES: 'US' });
    const traffic = await recordTraffic(redis, () => g.guard.check(text()), metricsFlush);
    expect(traffic.result).toMatchObject({ reason: 'geo_blocked' });
    expect(traffic.commands).toEqual([]);
  });
});

describe('the pumping guard (PUMPING_SEND_CHECK)', () => {
  it('the text reaching the sample goes out and suspends the prefix with its figures; the next is held', async () => {
    const g = guardWith({ PUMPING_MIN_SENDS: '3', PUMPING_CONVERSION_FLOOR: '50' });
    for (let i = 0; i < 2; i++) expect(await g.guard.check(text({ e164: `+44740012345${i}` }))).toBeNull();
    expect(await g.pumping.refuseIfUnreachable([{ e164: '+447400123459', method: 'sms' }])).toBeUndefined();
    expect(await g.guard.check(text({ e164: '+447400123452' }))).toBeNull();
    const [suspension] = await g.pumpingStore.list();
    expect(suspension).toMatchObject({ prefix: '44-740', sent: 3, verified: 0, windowMin: 60 });
    expect(Date.now() - suspension.since.getTime()).toBeLessThan(60_000);
    expect(await g.guard.check(text({ e164: '+447400123453' }))).toEqual({ reason: 'destination_suspended', detail: 'texts to +44 740… are suspended (pumping guard)' });
    await expect(g.pumping.refuseIfUnreachable([{ e164: '+447400123459', method: 'sms' }], 'primary.number')).rejects.toMatchObject({ status: 409, code: 'destination_suspended', extra: { field: 'primary.number' } });
  });

  // The domain's table (libs/domain pumping.policy.spec.ts): the Lua decides as shouldSuspend does, and holds
  // the texts past the sample.
  it.each([
    { sent: 9, verified: 0 },
    { sent: 10, verified: 0 },
    { sent: 10, verified: 1 },
    { sent: 10, verified: 2 },
    { sent: 11, verified: 2 },
    { sent: 11, verified: 3 },
    { sent: 500, verified: 420 },
    { sent: 1000, verified: 50 },
    { sent: 10, verified: 12 },
    { sent: 7, verified: 1 },
  ])('the Lua rule agrees with shouldSuspend at %j (this text included)', async (f) => {
    const g = guardWith({ PUMPING_MIN_SENDS: '10', PUMPING_CONVERSION_FLOOR: '20' });
    const minute = Math.floor(Date.now() / 60_000);
    await redis.hset(pumpingWindowKey(g.prefix, '44-770'), { [`s${minute}`]: f.sent - 1, [`v${minute}`]: f.verified });
    const suspends = shouldSuspend(f, { minSends: 10, conversionFloor: 0.2 });
    const verdict = await g.guard.check(text());
    expect(verdict?.reason ?? null).toBe(suspends && f.sent > 10 ? 'destination_suspended' : null);
    expect((await g.pumpingStore.list()).map((s) => [s.sent, s.verified])).toEqual(suspends ? [[f.sent, f.verified]] : []);
  });

  it.each([
    { now: 160, window: 60 },
    { now: 160, window: 1 },
    { now: 160, window: 61 },
    { now: 300, window: 60 },
    { now: 150, window: 60 },
  ])('the window holds what windowFigures counts: now $now, window $window', async ({ now, window }) => {
    const g = guardWith({ PUMPING_WINDOW_MIN: String(window) });
    const buckets = [
      { minute: 100, sent: 5, verified: 1 },
      { minute: 150, sent: 3, verified: 0 },
      { minute: 159, sent: 2, verified: 2 },
      { minute: 160, sent: 1, verified: 0 },
    ];
    await redis.hset(pumpingWindowKey(g.prefix, '44-770'), Object.fromEntries(buckets.flatMap((b) => [[`s${b.minute}`, b.sent], [`v${b.minute}`, b.verified]])));
    const figures = await g.pumpingStore.countVerified('44-770', now * 60_000);
    expect(figures).toEqual(windowFigures([...buckets, { minute: now, sent: 0, verified: 1 }], now, window));
  });
});

describe('the daily spend cap (SPEND_CAP_CHECK, ADD_SPEND)', () => {
  // overCap's table (price.table.spec.ts) and float sums as HINCRBYFLOAT leaves them.
  it.each([
    ['0', 0.0079, 0.01],
    ['0.0079', 0.0079, 0.01],
    ['0.0021', 0.0079, 0.01],
    ['99.99', 0.0079, 100],
    ['0.023700000000000002', 0.0763, 0.1],
    ['0.0237', 0.0764, 0.1],
    ['99.99999949', 0, 99.9999995],
    ['0.0100004', 0, 0.01],
  ])('the Lua rule agrees with overCap: spent %s, next %d, cap %d', async (stored, next, cap) => {
    const g = guardWith({ SPEND_CAP_DAILY_USD: String(cap) });
    const day = spendKey(g.prefix, dayPeriod(new Date()));
    if (stored !== '0') await redis.hset(day, 'all', stored);
    const over = overCap(roundUsd(Number(stored)), next, cap);
    const verdict = await g.guard.check(text({ cost: { usd: next, units: 1 } }));
    expect(verdict?.reason ?? null).toBe(over ? 'spend_cap_reached' : null);
    expect(await redis.hget(day, 'refused')).toBe(over ? '1' : null);
  });

  it('adds each send to the day, the hour and the all-time counter, as the dashboard, the alerts and /metrics read them', async () => {
    const g = guardWith({ SPEND_CAP_DAILY_USD: '100' });
    await g.guard.sent(text());
    await g.guard.sent(text({ country: 'US', e164: '+12015550123', cost: { usd: 0.0079, units: 1 } }));
    await g.guard.sent(text({ method: 'call', country: 'US', e164: '+12015550123', cost: { usd: 0.014, units: 1 } }));
    await g.guard.sent(text({ method: 'call', country: 'US', e164: '+12015550123', cost: { usd: 0, units: 0 } }));
    expect(await spentToday(redis, g.prefix)).toBe(0.0743);
    const figures = await readSpend(redis, g.prefix);
    expect(figures.today).toMatchObject({ totalUsd: 0.0743, byChannel: { sms: 0.0603, call: 0.014 }, refused: 0 });
    expect(figures.thisHour.totalUsd).toBe(0.0743);
    expect(await redis.ttl(spendKey(g.prefix, dayPeriod(new Date())))).toBeGreaterThan(7 * 24 * 3600);
    expect((await readSpendTotals(redis, g.prefix)).sort((a, b) => a.usd - b.usd)).toEqual([
      { country: 'US', channel: 'sms', usd: 0.0079 },
      { country: 'US', channel: 'call', usd: 0.014 },
      { country: 'GB', channel: 'sms', usd: 0.0524 },
    ]);
  });
});

describe('before a challenge is created (ChallengeAdmission)', () => {
  const gb = [{ e164: '+447700900123', method: 'sms' as const, country: 'GB' }];

  async function refusal(p: Promise<unknown>): Promise<RequestRefusedError> {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RequestRefusedError);
    return err as RequestRefusedError;
  }

  it('takes the user’s and the key’s budgets, all or none: a spent key refuses every user and gives the user’s point back', async () => {
    const g = guardWith({ RATE_LIMIT_API_KEY_MIN: '1', RATE_LIMIT_USER_CHALLENGES_HOUR: '2' });
    await g.admission.admit({ userId: 'u1', apiKey: 'key-a', phones: gb });
    const err = await refusal(g.admission.admit({ userId: 'u2', apiKey: 'key-a', phones: gb }));
    expect({ status: err.status, code: err.code, limit: err.extra.limit }).toEqual({ status: 429, code: 'rate_limited', limit: 'api_key_challenges' });
    expect(err.extra.retryAfterSec).toBeGreaterThanOrEqual(59);
    expect(await redis.get(g.budgetKey('user_challenges', 'user', 'u2'))).toBe('0');
    expect(await redis.get(g.budgetKey('api_key_challenges', 'api_key', 'key-a'))).toBe('1');
    await g.admission.admit({ userId: 'u2', apiKey: 'key-b', phones: gb });
    await g.admission.admit({ userId: 'u2', phones: gb }); // not an API-key caller: only the user's budget
    const spent = await refusal(g.admission.admit({ userId: 'u2', phones: gb }));
    expect(spent.extra.limit).toBe('user_challenges');
    expect(spent.message).toMatch(/verifications started for this user in an hour \(limit 2\)/);
    // rate-limiter-flexible reads the budget the script took.
    const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: '', points: 2, duration: 3600 });
    expect((await limiter.get(g.budgetKey('user_challenges', 'user', 'u2')))?.consumedPoints).toBe(2);
  });

  it('refuses when every step is a text to a suspended range, then at the cap; a refusal stops the checks after it', async () => {
    const g = guardWith({ PUMPING_MIN_SENDS: '5', SPEND_CAP_DAILY_USD: '0.05' });
    const day = spendKey(g.prefix, dayPeriod(new Date()));
    await g.pumpingStore.suspend('44-770', { sent: 9, verified: 0 });
    await redis.hset(day, 'all', '0.05');
    const suspended = await refusal(g.admission.admit({ userId: 'u1', phones: gb, field: 'index' }));
    expect({ status: suspended.status, code: suspended.code, extra: suspended.extra }).toEqual({ status: 409, code: 'destination_suspended', extra: { field: 'index' } });
    expect(await redis.hget(day, 'refused')).toBeNull();
    // The user's budget was taken (the rate limit allowed it), as when each check asked Redis in turn.
    expect(await redis.get(g.budgetKey('user_challenges', 'user', 'u1'))).toBe('1');

    const capped = await refusal(g.admission.admit({ userId: 'u1', phones: [...gb, { e164: '+12015550123', method: 'call', country: 'US' }] }));
    expect({ status: capped.status, code: capped.code, limit: capped.extra.limit }).toEqual({ status: 429, code: 'spend_cap_reached', limit: 'daily_spend' });
    expect(await redis.hget(day, 'refused')).toBe('1');
  });

  it('with Redis away: allows the challenge when only the budgets and suspensions were asked; the cap’s read fails the request', async () => {
    const away = new IORedis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    away.on('error', () => undefined);
    try {
      const open = guardWith({ SPEND_CAP_DAILY_USD: '0' }, away);
      await open.admission.admit({ userId: 'u1', apiKey: 'key-a', phones: gb });
      await open.limits.settingsSave('u1');
      await open.pumping.refuseIfUnreachable(gb);
      const capped = guardWith({ SPEND_CAP_DAILY_USD: '100' }, away);
      await expect(capped.admission.admit({ userId: 'u1', phones: gb })).rejects.toThrow();
      // The worker's check throws too: the dispatch job is retried and nothing is sent meanwhile.
      await expect(capped.guard.check(text())).rejects.toThrow();
    } finally {
      away.disconnect();
    }
  });

  it('settings saves and client IPs take their own budgets through the same section', async () => {
    const g = guardWith({ RATE_LIMIT_USER_SETTINGS_HOUR: '1', RATE_LIMIT_CLIENT_IP_MIN: '1' });
    await g.limits.settingsSave('u1');
    expect((await refusal(g.limits.settingsSave('u1'))).extra.limit).toBe('user_settings_saves');
    await g.limits.settingsSave('u2');
    await g.limits.clientRequest('203.0.113.7');
    expect((await refusal(g.limits.clientRequest('203.0.113.7'))).extra.limit).toBe('client_ip');
    await g.limits.clientRequest('203.0.113.8');
  });
});

