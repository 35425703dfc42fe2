import { Logger } from '@nestjs/common';
import { MemoryRateLimitStore } from '../../../test/support/rate-limit-store.fake';
import { strictFake } from '../../../test/support/strict-fake';
import type { GuardScripts } from './guard.scripts';
import { PhoneSendCheck } from './phone-send.check';
import { RequestLimits } from './request-limits.service';
import { RequestRefusedError } from './request-refused.error';
import type { SendContext } from './send-guard';

beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

function limitsWith(env: Record<string, string>) {
  const { store, asStore, config } = MemoryRateLimitStore.withEnv(env);
  return { store, limits: new RequestLimits(config, asStore, strictFake<GuardScripts>('scripts', {})) };
}

async function refusal(p: Promise<unknown>): Promise<RequestRefusedError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RequestRefusedError);
  return err as RequestRefusedError;
}

describe('RequestLimits', () => {
  it('asks the user’s and the key’s budgets together when a challenge starts; a spent one refuses with 429 naming it and its wait', () => {
    const { store, limits } = limitsWith({ RATE_LIMIT_USER_CHALLENGES_HOUR: '2' });
    const ask = limits.challengeStart('u1', 'key-a');
    expect(ask?.keys).toEqual(['user_challenges/user=u1', 'api_key_challenges/api_key=key-a']);
    expect(ask?.verdict([0, 1, 3_599_000, 1, 59_000])).toBeNull();
    const err = ask?.verdict([1, 3, 90_000, 3, 1500]) as RequestRefusedError;
    expect({ status: err.status, code: err.code, extra: err.extra }).toEqual({ status: 429, code: 'rate_limited', extra: { limit: 'user_challenges', retryAfterSec: 90 } });
    expect(err.message).toMatch(/verifications started for this user in an hour \(limit 2\)/);
    expect(store.counted).toEqual([
      ['user_challenges', false], ['api_key_challenges', false],
      ['user_challenges', true], ['api_key_challenges', false],
    ]);
    // Not an API-key caller: only the user's budget.
    expect(limits.challengeStart('u1', undefined)?.keys).toEqual(['user_challenges/user=u1']);
  });

  it('of two spent budgets, refuses with the longer wait', () => {
    const { limits } = limitsWith({ RATE_LIMIT_USER_CHALLENGES_HOUR: '1', RATE_LIMIT_API_KEY_MIN: '1' });
    expect(limits.challengeStart('u1', 'key-a')?.verdict([1, 2, 5000, 2, 30_000])?.extra).toEqual({ limit: 'api_key_challenges', retryAfterSec: 30 });
  });

  it('a limit of 0 is off: nothing is asked', async () => {
    const { store, limits } = limitsWith({ RATE_LIMIT_USER_CHALLENGES_HOUR: '0', RATE_LIMIT_API_KEY_MIN: '0', RATE_LIMIT_WRONG_CODES: '0', RATE_LIMIT_USER_SETTINGS_HOUR: '0' });
    expect(limits.challengeStart('u1', 'key-a')).toBeNull();
    await limits.settingsSave('u1');
    await limits.assertCodesAllowed('u1');
    await limits.codeChecked('u1', false, undefined);
    expect(store.calls).toEqual([]);
  });

  it('wrong codes: the run locks /check at the limit for the lock’s length; a correct code resets it and ends the phone’s cool-down', async () => {
    const { store, limits } = limitsWith({ RATE_LIMIT_WRONG_CODES: '3', RATE_LIMIT_WRONG_CODES_LOCK_SEC: '900' });
    store.cooldowns.set('phone=+12015550123', 'attempt-1');
    for (let i = 0; i < 2; i++) {
      await limits.assertCodesAllowed('u1');
      await limits.codeChecked('u1', false, undefined);
    }
    await limits.codeChecked('u1', true, '+12015550123');
    expect(store.budget('wrong_codes', 'user=u1')).toBe(0);
    expect(store.cooldowns.size).toBe(0);

    for (let i = 0; i < 3; i++) {
      await limits.assertCodesAllowed('u1');
      await limits.codeChecked('u1', false, undefined);
    }
    expect(store.calls.at(-1)).toBe('block wrong_codes 900');
    const err = await refusal(limits.assertCodesAllowed('u1'));
    expect(err.extra.limit).toBe('wrong_codes');
    expect(err.message).toMatch(/Too many wrong codes in a row \(3\)/);
    await limits.assertCodesAllowed('u2');
  });

  it('allows the request when Redis cannot be reached (an outage must not refuse every sign-in)', async () => {
    const { store, limits } = limitsWith({});
    store.failing = true;
    await limits.assertCodesAllowed('u1');
    await limits.codeChecked('u1', false, undefined);
  });
});

describe('PhoneSendCheck', () => {
  const ctx = (over: Partial<SendContext> = {}): SendContext => ({
    challengeId: 'c1', userId: 'u1', purpose: 'sign_in', attemptId: 'a1', stepIndex: 0, attemptNo: 1, method: 'sms', e164: '+12015550123', country: 'US', ...over,
  });
  function checkWith(env: Record<string, string>) {
    const { store, asStore } = MemoryRateLimitStore.withEnv(env);
    return { store, check: new PhoneSendCheck(asStore) };
  }

  it('asks for both counted budgets and, for a text, the cool-down claimed by the attempt', () => {
    const { check } = checkWith({});
    const budgets = ['phone_10min/phone=+12015550123', 'phone_day/phone=+12015550123'];
    expect(check.check(ctx())).toMatchObject({ keys: budgets, args: ['a1', 30_000] });
    expect(check.check(ctx({ method: 'call' }))).toMatchObject({ keys: budgets, args: [] });
    expect(check.recordSent(ctx())).toMatchObject({ lua: 'spendPhone', keys: budgets });
  });

  it.each([
    { reply: [0], detail: null, counted: [['phone_10min', false], ['phone_day', false], ['sms_cooldown', false]] },
    { reply: [1, 1, 61_000], detail: 'phone_10min: texts and calls to this phone in 10 minutes (limit 10), 61 s left', counted: [['phone_10min', true]] },
    { reply: [1, 2, 3_600_000], detail: 'phone_day: texts and calls to this phone in a day (limit 30), 3600 s left', counted: [['phone_10min', false], ['phone_day', true]] },
    { reply: [1, 3, 12_345], detail: 'sms_cooldown: texts to this phone in a row (limit 1), 13 s left', counted: [['phone_10min', false], ['phone_day', false], ['sms_cooldown', true]] },
  ])('reads its reply $reply: refuses with rate_limited naming the limit, and counts each limit read', ({ reply, detail, counted }) => {
    const { store, check } = checkWith({});
    expect(check.check(ctx())?.verdict(reply)).toEqual(detail === null ? null : { reason: 'rate_limited', detail });
    expect(store.counted).toEqual(counted);
  });

  it('with every per-phone limit off, asks nothing', () => {
    const { check } = checkWith({ RATE_LIMIT_PHONE_10MIN: '0', RATE_LIMIT_PHONE_DAY: '0', RATE_LIMIT_SMS_COOLDOWN_SEC: '0' });
    expect(check.check(ctx())).toBeNull();
    expect(check.recordSent(ctx())).toBeNull();
  });
});
