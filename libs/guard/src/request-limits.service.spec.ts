import { Logger } from '@nestjs/common';
import { MemoryRateLimitStore } from '../../../test/support/rate-limit-store.fake';
import { PhoneSendCheck } from './phone-send.check';
import { RequestLimits } from './request-limits.service';
import { RequestRefusedError } from './request-refused.error';
import type { SendContext } from './send-guard';

beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
afterAll(() => jest.restoreAllMocks());

function limitsWith(env: Record<string, string>) {
  const { store, asStore, config } = MemoryRateLimitStore.withEnv(env);
  return { store, limits: new RequestLimits(config, asStore) };
}

async function refusal(p: Promise<unknown>): Promise<RequestRefusedError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RequestRefusedError);
  return err as RequestRefusedError;
}

describe('RequestLimits', () => {
  it('starts challenges within the user’s and the key’s budgets, then refuses with 429 naming the limit', async () => {
    const { store, limits } = limitsWith({ RATE_LIMIT_USER_CHALLENGES_HOUR: '2' });
    await limits.challengeStart('u1', 'key-a');
    await limits.challengeStart('u1', 'key-a');
    const err = await refusal(limits.challengeStart('u1', 'key-a'));
    expect({ status: err.status, code: err.code, extra: err.extra }).toEqual({ status: 429, code: 'rate_limited', extra: { limit: 'user_challenges', retryAfterSec: 90 } });
    expect(err.message).toMatch(/verifications started for this user in an hour \(limit 2\)/);
    // The refused request left both budgets as it found them.
    expect(store.budget('user_challenges', 'user=u1')).toBe(2);
    expect(store.budget('api_key_challenges', 'api_key=key-a')).toBe(2);
    expect(store.counted).toEqual([
      ['user_challenges', false], ['api_key_challenges', false],
      ['user_challenges', false], ['api_key_challenges', false],
      ['user_challenges', true], ['api_key_challenges', false],
    ]);
  });

  it('a spent API key refuses every user, and gives the user’s point back', async () => {
    const { store, limits } = limitsWith({ RATE_LIMIT_API_KEY_MIN: '1' });
    await limits.challengeStart('u1', 'key-a');
    const err = await refusal(limits.challengeStart('u2', 'key-a'));
    expect(err.extra).toEqual({ limit: 'api_key_challenges', retryAfterSec: 2 });
    expect(store.budget('user_challenges', 'user=u2')).toBe(0);
    await limits.challengeStart('u2', 'key-b');
    await limits.challengeStart('u2', undefined); // not an API-key caller: only the user's budget
    expect(store.budget('user_challenges', 'user=u2')).toBe(2);
  });

  it('settings saves and client IPs each have their own budget', async () => {
    const { limits } = limitsWith({ RATE_LIMIT_USER_SETTINGS_HOUR: '1', RATE_LIMIT_CLIENT_IP_MIN: '1' });
    await limits.settingsSave('u1');
    expect((await refusal(limits.settingsSave('u1'))).extra.limit).toBe('user_settings_saves');
    await limits.settingsSave('u2');
    await limits.clientRequest('203.0.113.7');
    expect((await refusal(limits.clientRequest('203.0.113.7'))).extra.limit).toBe('client_ip');
    await limits.clientRequest('203.0.113.8');
  });

  it('a limit of 0 is off: nothing is asked', async () => {
    const { store, limits } = limitsWith({ RATE_LIMIT_USER_CHALLENGES_HOUR: '0', RATE_LIMIT_API_KEY_MIN: '0', RATE_LIMIT_WRONG_CODES: '0' });
    await limits.challengeStart('u1', 'key-a');
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
    const { store, limits } = limitsWith({ RATE_LIMIT_USER_CHALLENGES_HOUR: '1' });
    store.failing = true;
    await limits.challengeStart('u1', 'key-a');
    await limits.challengeStart('u1', 'key-a');
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

  it('spends the counted budgets only when a send went out; refuses the send past them with rate_limited', async () => {
    const { store, check } = checkWith({ RATE_LIMIT_PHONE_10MIN: '2', RATE_LIMIT_SMS_COOLDOWN_SEC: '0' });
    for (let i = 0; i < 2; i++) {
      expect(await check.check(ctx({ attemptId: `a${i}` }))).toBeNull();
      await check.recordSent(ctx({ attemptId: `a${i}` }));
    }
    expect(await check.check(ctx({ attemptId: 'a9' }))).toEqual({ reason: 'rate_limited', detail: expect.stringMatching(/^phone_10min: texts and calls to this phone in 10 minutes \(limit 2\)/) });
    expect(store.budget('phone_10min', 'phone=+12015550123')).toBe(2);
    expect(store.budget('phone_day', 'phone=+12015550123')).toBe(2);
    expect(await check.check(ctx({ attemptId: 'a9', e164: '+12015550124' }))).toBeNull();
  });

  it('texts: the cool-down is claimed by the attempt (its retry passes), refuses another text, and is never claimed by a refused check', async () => {
    const { store, check } = checkWith({ RATE_LIMIT_PHONE_DAY: '1' });
    expect(await check.check(ctx({ attemptId: 'a1' }))).toBeNull();
    expect(await check.check(ctx({ attemptId: 'a1' }))).toBeNull(); // the same attempt's job, retried
    expect(await check.check(ctx({ attemptId: 'a2' }))).toEqual({ reason: 'rate_limited', detail: expect.stringMatching(/^sms_cooldown:/) });
    // Calls have no cool-down.
    expect(await check.check(ctx({ attemptId: 'a3', method: 'call' }))).toBeNull();
    await check.recordSent(ctx({ attemptId: 'a1' }));
    store.cooldowns.clear();
    store.calls.length = 0;
    expect(await check.check(ctx({ attemptId: 'a4' }))).toEqual({ reason: 'rate_limited', detail: expect.stringMatching(/^phone_day:/) });
    expect(store.calls).not.toContain('claimCooldown');
    expect(store.cooldowns.size).toBe(0);
  });
});
