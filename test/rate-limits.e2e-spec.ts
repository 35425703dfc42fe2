import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PhoneSettingsRepository, SqlService } from '@redial/database';
import { createApiApp } from '../apps/api/src/api.app';
import { getChallenge, inbox, latestCode, registerVerified, setNumber, waitForStatus } from './support/flows';
import { readSamples, sampleValue } from './support/prometheus-lint';
import { startStack, Stack } from './support/stack';

/**
 * Issue 13, rate limits: each limit refuses the request past it with 429, Retry-After and the limit's name,
 * creates and sends nothing, and counts in /metrics; the budgets live in Redis, so two api processes (two Nest
 * apps on the same configuration and prefix) share them; a phone over its budget fails its step with
 * `rate_limited` and the challenge fails over. Small limits keep the suite fast; nothing waits for a window.
 */
const MAIN_KEY = 'rl-main-key-0001';
const OTHER_KEY = 'rl-other-key-0002';

describe('rate limits (two api processes, worker, PostgreSQL, Redis, sandbox over HTTP)', () => {
  let stack: Stack;
  let api2: NestFastifyApplication;
  let api2Url: string;
  let n = 0;
  const phone = () => `+1201556${String(1000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({
      sandbox: true,
      worker: true,
      env: {
        API_KEYS: `${MAIN_KEY},${OTHER_KEY}`,
        CALLS_PER_SECOND: '200',
        RATE_LIMIT_PHONE_10MIN: '3',
        RATE_LIMIT_USER_CHALLENGES_HOUR: '2',
        RATE_LIMIT_USER_SETTINGS_HOUR: '2',
        RATE_LIMIT_API_KEY_MIN: '12',
        RATE_LIMIT_CLIENT_IP_MIN: '5',
        RATE_LIMIT_WRONG_CODES: '3',
        RATE_LIMIT_WRONG_CODES_LOCK_SEC: '600',
      },
    });
    // A second api process on the same configuration (Redis, prefix, database).
    api2 = await createApiApp(stack.config, { logger: false });
    await api2.listen({ port: 0, host: '127.0.0.1' });
    api2Url = `http://127.0.0.1:${(api2.getHttpServer().address() as AddressInfo).port}`;
  }, 60000);
  afterAll(async () => {
    await api2?.close();
    await stack?.close();
  });

  /** A request to either api process. */
  async function call(api: 1 | 2, method: string, path: string, body?: unknown, headers: Record<string, string> = stack.auth) {
    const res = await fetch(`${api === 1 ? stack.apiUrl : api2Url}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** 429 rate_limited naming `limit`, with Retry-After equal to the body's retryAfter and within the window. */
  function expectRefused(res: { status: number; body: any; headers: Headers }, limit: string, windowSec: number): void {
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: 'rate_limited', message: expect.any(String), retryAfter: expect.any(Number), limit });
    expect(res.headers.get('retry-after')).toBe(String(res.body.retryAfter));
    expect(res.body.retryAfter).toBeGreaterThanOrEqual(1);
    expect(res.body.retryAfter).toBeLessThanOrEqual(windowSec);
  }

  async function challengeCount(userId: string): Promise<number> {
    const rows = await stack.api.get(SqlService).query<{ n: string }>('SELECT count(*) AS n FROM challenges WHERE user_id = $1', [userId]);
    return Number(rows[0].n);
  }

  async function seedUser(userId: string, e164: string, method: 'sms' | 'call'): Promise<void> {
    const settings = stack.api.get(PhoneSettingsRepository);
    const pending = await settings.savePending(userId, [{ role: 'primary', position: 0, e164, country: 'US', method }]);
    await stack.api.get(SqlService).transaction((tx) => settings.activate(pending.id, tx, new Date()));
  }

  async function metric(api: 1 | 2, name: string, limit: string): Promise<number> {
    const res = await fetch(`${api === 1 ? stack.apiUrl : api2Url}/metrics`);
    return sampleValue(readSamples(await res.text()), name, { limit }) ?? 0;
  }
  /** Counters reach Redis in batches (at most a second later): wait for the refusal to show on both apis. */
  async function expectRefusalCounted(limit: string): Promise<void> {
    for (let i = 0; i < 100 && (await metric(1, 'redial_rate_limit_refusals_total', limit)) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await metric(1, 'redial_rate_limit_refusals_total', limit)).toBeGreaterThanOrEqual(1);
    expect(await metric(2, 'redial_rate_limit_refusals_total', limit)).toBeGreaterThanOrEqual(1);
    expect(await metric(2, 'redial_rate_limit_checks_total', limit)).toBeGreaterThanOrEqual(await metric(2, 'redial_rate_limit_refusals_total', limit));
  }

  it('per user: challenges per hour, shared by both apis; the refused one creates and sends nothing', async () => {
    const number = phone();
    await registerVerified(stack, 'rl-starter', { number, method: 'call' });
    const first = await call(1, 'POST', '/v1/challenges', { userId: 'rl-starter' });
    const second = await call(2, 'POST', '/v1/challenges', { userId: 'rl-starter' });
    expect([first.status, second.status]).toEqual([201, 201]);
    await waitForStatus(stack, first.body.id, 'approved');
    await waitForStatus(stack, second.body.id, 'approved');
    const calls = (await inbox(stack, number)).calls.length;
    const challenges = await challengeCount('rl-starter');

    expectRefused(await call(1, 'POST', '/v1/challenges', { userId: 'rl-starter' }), 'user_challenges', 3600);
    expectRefused(await call(2, 'POST', '/v1/challenges', { userId: 'rl-starter' }), 'user_challenges', 3600);
    expect(await challengeCount('rl-starter')).toBe(challenges);
    expect((await inbox(stack, number)).calls.length).toBe(calls);
    await expectRefusalCounted('user_challenges');
  });

  it('per user: settings saves that send a verification; the refused save stores and sends nothing', async () => {
    const [a, b, c] = [phone(), phone(), phone()];
    expect((await call(1, 'PUT', '/v1/users/rl-saver/phones', { primary: { number: a, method: 'call' } })).status).toBe(200);
    // An invalid save sends nothing and does not count.
    expect((await call(2, 'PUT', '/v1/users/rl-saver/phones', { primary: { number: 'nope', method: 'call' } })).status).toBe(400);
    const saved = await call(2, 'PUT', '/v1/users/rl-saver/phones', { primary: { number: b, method: 'call' } });
    expect(saved.status).toBe(200);
    await waitForStatus(stack, saved.body.verification.challengeId, 'approved');

    expectRefused(await call(1, 'PUT', '/v1/users/rl-saver/phones', { primary: { number: c, method: 'call' } }), 'user_settings_saves', 3600);
    const view = await call(1, 'GET', '/v1/users/rl-saver/phones');
    expect(view.body).toMatchObject({ status: 'verified', primary: { e164: b } });
    expect(view.body.pending).toBeUndefined();
    expect((await inbox(stack, c)).calls).toEqual([]);
    await expectRefusalCounted('user_settings_saves');
  });

  it('per API key: challenges per minute, across users and both apis; other keys keep their budget', async () => {
    const users = Array.from({ length: 7 }, (_, i) => ({ userId: `rl-keyed-${i}`, e164: phone() }));
    for (const u of users) await seedUser(u.userId, u.e164, 'sms');
    const other = { authorization: `Bearer ${OTHER_KEY}` };
    for (const u of users.slice(0, 6)) {
      expect((await call(1, 'POST', '/v1/challenges', { userId: u.userId }, other)).status).toBe(201);
      expect((await call(2, 'POST', '/v1/challenges', { userId: u.userId }, other)).status).toBe(201);
    }
    const last = users[6];
    expectRefused(await call(2, 'POST', '/v1/challenges', { userId: last.userId }, other), 'api_key_challenges', 60);
    expect(await challengeCount(last.userId)).toBe(0);
    expect((await inbox(stack, last.e164)).messages).toEqual([]);
    // The user's own budget was given back: with the main key, the same user starts a challenge.
    expect((await call(1, 'POST', '/v1/challenges', { userId: last.userId })).status).toBe(201);
    await expectRefusalCounted('api_key_challenges');
  });

  it('per client IP: requests made with a challenge token, from X-Forwarded-For behind a trusted (loopback) proxy', async () => {
    const number = phone();
    await seedUser('rl-browser', number, 'call');
    await setNumber(stack, number, { voice: 'interactive' });
    const created = await call(1, 'POST', '/v1/challenges', { userId: 'rl-browser' });
    const ip = (addr: string) => ({ ...bearer(created.body.token), 'x-forwarded-for': addr });
    for (let i = 0; i < 5; i++) expect((await call(i % 2 === 0 ? 1 : 2, 'GET', `/v1/challenges/${created.body.id}`, undefined, ip('203.0.113.7'))).status).toBe(200);

    expectRefused(await call(1, 'GET', `/v1/challenges/${created.body.id}`, undefined, ip('203.0.113.7')), 'client_ip', 60);
    // A client cannot pick another address by prepending one: the proxy's own entry is the one believed.
    expectRefused(await call(2, 'GET', `/v1/challenges/${created.body.id}`, undefined, ip('198.51.100.9, 203.0.113.7')), 'client_ip', 60);
    const advanced = await call(2, 'POST', `/v1/challenges/${created.body.id}/cancel`, undefined, ip('203.0.113.7'));
    expectRefused(advanced, 'client_ip', 60);
    expect((await getChallenge(stack, created.body.id)).status).not.toBe('canceled');
    // Another address has its own budget; the server's API key is not limited by IP.
    expect((await call(1, 'GET', `/v1/challenges/${created.body.id}`, undefined, ip('203.0.113.8'))).status).toBe(200);
    expect((await call(1, 'GET', `/v1/challenges/${created.body.id}`, undefined, { ...stack.auth, 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
    await expectRefusalCounted('client_ip');
  });

  it('wrong codes per user across challenges: locked after 3, without spending the challenge’s attempts', async () => {
    // Two settings verifications of one user, each a text to a new phone with its own code.
    const [a, b] = [phone(), phone()];
    const first = await call(1, 'PUT', '/v1/users/rl-guesser/phones', { primary: { number: a, method: 'sms' } });
    const codeA = await latestCode(stack, a);
    const second = await call(2, 'PUT', '/v1/users/rl-guesser/phones', { primary: { number: b, method: 'sms' } });
    const codeB = await latestCode(stack, b);
    const [c1, c2] = [first.body.verification.challengeId, second.body.verification.challengeId];
    const wrongA = codeA === '000000' ? '111111' : '000000';
    const wrongB = codeB === '000000' ? '111111' : '000000';
    expect((await call(1, 'POST', `/v1/challenges/${c1}/check`, { code: wrongA })).body).toEqual({ status: 'pending', attemptsLeft: 4 });
    expect((await call(2, 'POST', `/v1/challenges/${c1}/check`, { code: wrongA })).body).toEqual({ status: 'pending', attemptsLeft: 3 });
    expect((await call(1, 'POST', `/v1/challenges/${c2}/check`, { code: wrongB })).body).toEqual({ status: 'pending', attemptsLeft: 4 });

    // Locked: even the right code is not compared, and the challenge keeps its attempts.
    expectRefused(await call(2, 'POST', `/v1/challenges/${c2}/check`, { code: codeB }), 'wrong_codes', 600);
    expectRefused(await call(1, 'POST', `/v1/challenges/${c1}/check`, { code: codeA }), 'wrong_codes', 600);
    expect((await getChallenge(stack, c2)).attemptsLeft).toBe(4);
    expect((await getChallenge(stack, c2)).status).toBe('pending');
    await expectRefusalCounted('wrong_codes');
  });

  it('a correct code ends the run of wrong codes (and the phone’s text cool-down)', async () => {
    const number = phone();
    const saved = await call(1, 'PUT', '/v1/users/rl-forgetful/phones', { primary: { number, method: 'sms' } });
    const code = await latestCode(stack, number);
    const wrong = code === '000000' ? '111111' : '000000';
    const id = saved.body.verification.challengeId;
    for (const left of [4, 3]) expect((await call(1, 'POST', `/v1/challenges/${id}/check`, { code: wrong })).body).toEqual({ status: 'pending', attemptsLeft: left });
    expect((await call(2, 'POST', `/v1/challenges/${id}/check`, { code })).body.status).toBe('approved');
    // The next text to the same phone goes at once (the cool-down ended with the code), and two more wrong
    // codes do not lock: the run started again.
    const signIn = await call(2, 'POST', '/v1/challenges', { userId: 'rl-forgetful' });
    const next = await latestCode(stack, number, 1);
    const wrongNext = next === '000000' ? '111111' : '000000';
    for (const left of [4, 3]) expect((await call(1, 'POST', `/v1/challenges/${signIn.body.id}/check`, { code: wrongNext })).body).toEqual({ status: 'pending', attemptsLeft: left });
    expect((await call(1, 'POST', `/v1/challenges/${signIn.body.id}/check`, { code: next })).body.status).toBe('approved');
  });

  it('per phone, in the worker: a failover step to a phone over its 10-minute budget fails with rate_limited and fails over', async () => {
    const [busy, spent, spare] = [phone(), phone(), phone()];
    // `spent` gets its 3 sends of 10 minutes: a verification call and two sign-ins of another user.
    await registerVerified(stack, 'rl-spender', { number: spent, method: 'call' });
    for (let i = 0; i < 2; i++) await waitForStatus(stack, (await call(1, 'POST', '/v1/challenges', { userId: 'rl-spender' })).body.id, 'approved');
    expect((await inbox(stack, spent)).calls).toHaveLength(3);

    await registerVerified(stack, 'rl-failover', { number: busy, method: 'call' }, [{ number: spent, method: 'call' }, { number: spare, method: 'call' }]);
    await setNumber(stack, busy, { voice: 'busy' });
    const created = await call(2, 'POST', '/v1/challenges', { userId: 'rl-failover' });
    const done = await waitForStatus(stack, created.body.id, 'approved');
    expect(done.steps.map((s) => [s.status, s.reason])).toEqual([
      ['failed', 'busy'],
      ['failed', 'rate_limited'],
      ['succeeded', undefined],
    ]);
    expect(done.steps[1].attempts).toEqual([expect.objectContaining({ status: 'failed', reason: 'rate_limited' })]);
    expect((await inbox(stack, spent)).calls).toHaveLength(3);
    await expectRefusalCounted('phone_10min');
  });

  it('per phone, in the worker: a second text within the cool-down is refused (rate_limited), nothing is sent', async () => {
    const number = phone();
    await seedUser('rl-texted', number, 'sms');
    const first = await call(1, 'POST', '/v1/challenges', { userId: 'rl-texted' });
    await latestCode(stack, number);
    const second = await call(2, 'POST', '/v1/challenges', { userId: 'rl-texted' });
    const failed = await waitForStatus(stack, second.body.id, 'failed');
    expect(failed.steps[0]).toMatchObject({ status: 'failed', reason: 'rate_limited' });
    expect((await inbox(stack, number)).messages).toHaveLength(1);
    expect((await getChallenge(stack, first.body.id)).status).toBe('pending');
    await expectRefusalCounted('sms_cooldown');
  });
});
