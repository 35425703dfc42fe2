/**
 * Live mode — Twilio credentials set — against the sandbox standing in for api.twilio.com: REST requests
 * authenticated with an API key (SK…:secret), webhooks verified with the Auth Token, PUBLIC_URL as the base of
 * every URL handed to Twilio, and signatures checked against PUBLIC_URL behind a reverse proxy. Also the operator
 * token on the two routes of the settings page's "Try a sign-in" (no API key is handed out in live mode).
 */
import { SANDBOX_ACCOUNT_SID, SANDBOX_API_KEY, SANDBOX_API_SECRET, SANDBOX_AUTH_TOKEN } from '@redial/config';
import { ChallengeRepository } from '@redial/database';
import { signTwilioRequest } from '@redial/telephony';
import { eventually, getChallenge, inbox, latestCode, registerVerified, signIn, waitForStatus } from './support/flows';
import { LIVE_MODE_ENV } from './support/live-mode';
import { startStack, Stack } from './support/stack';

describe('live mode through the official SDK with API-key credentials', () => {
  let stack: Stack;
  let n = 0;
  const phone = () => `+1203555${String(3000 + n++).padStart(4, '0')}`;
  const operator = { authorization: `Bearer ${LIVE_MODE_ENV.OPERATOR_TOKEN}` };
  const USER_CHALLENGES_HOUR = 3;

  beforeAll(async () => {
    // A small per-user budget, so the operator's share of it shows in a few requests (no user here starts more).
    stack = await startStack({ sandbox: true, worker: true, env: { ...LIVE_MODE_ENV, RATE_LIMIT_USER_CHALLENGES_HOUR: String(USER_CHALLENGES_HOUR) } });
  });
  afterAll(() => stack.close());

  it('runs in live mode with the API key for REST and the Auth Token for webhooks', () => {
    expect(stack.config.twilio.mode).toBe('live');
    expect(stack.config.twilio.apiKey).toEqual({ sid: SANDBOX_API_KEY, secret: SANDBOX_API_SECRET });
  });

  it('a text and a call verify end to end: the SDK authenticates with the key, callbacks verify with the token', async () => {
    const mobile = phone();
    await registerVerified(stack, 'live-sms', { number: mobile, method: 'sms' });
    const c = await signIn(stack, 'live-sms');
    const code = await latestCode(stack, mobile, 1);
    await eventually('the text to be delivered', async () => (await getChallenge(stack, c.id)).steps[0].attempts[0]?.status === 'delivered');
    const checked = await stack.request('POST', `/v1/challenges/${c.id}/check`, { code });
    expect(checked.body.status).toBe('approved');

    await registerVerified(stack, 'live-call', { number: phone(), method: 'call' });
    const call = await signIn(stack, 'live-call');
    expect((await waitForStatus(stack, call.id, 'approved')).steps[0]).toMatchObject({ status: 'succeeded', method: 'call' });
  });

  it('never mounts the sandbox proxy and never hands out an API key (the sandbox is running and reachable)', async () => {
    // The sandbox this suite uses stands in for api.twilio.com: its control API answers directly...
    expect((await fetch(`${stack.sandboxUrl}/sandbox/inbox/+12035550000`)).status).toBe(200);
    // ...but the api has no route to it in live mode.
    for (const [method, path] of [
      ['GET', '/sandbox/inbox/+12035550000'],
      ['GET', '/sandbox/numbers'],
      ['PUT', '/sandbox/faults'],
      ['DELETE', '/sandbox/state'],
    ]) {
      const res = await stack.request(method, path, method === 'PUT' ? { rate500: 1 } : undefined, {});
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.body.error).toBe('not_found');
      expect(JSON.stringify(res.body)).not.toMatch(/messages|calls/);
    }
    // Not a route that refuses: no route at all.
    const fastify = stack.api.getHttpAdapter().getInstance();
    expect(fastify.hasRoute({ method: 'GET', url: '/sandbox/*' })).toBe(false);
    expect(fastify.hasRoute({ method: 'GET', url: '/ui-config.json' })).toBe(true);
    const ui = await stack.request('GET', '/ui-config.json', undefined, {});
    expect(ui.status).toBe(200);
    expect(ui.body.sandbox).toBe(false);
    expect(ui.body).not.toHaveProperty('demoApiKey');
    expect(JSON.stringify(ui.body)).not.toContain('live-mode-test-key');
  });

  /** The user's challenges, newest first, as the operators' search finds them. */
  async function challengesOf(userId: string): Promise<Array<{ id: string; status: string }>> {
    const res = await stack.request('GET', `/v1/ops/challenges?query=${userId}`, undefined, operator);
    expect(res.status).toBe(200);
    return res.body.items;
  }

  it('the operator token loads a user (phones masked) and starts a sign-in: 201 with token and statusUrl, texted once', async () => {
    const mobile = phone();
    const office = phone();
    await registerVerified(stack, 'op-try', { number: mobile, method: 'sms' }, [{ number: office, method: 'call', label: 'office', extension: '12' }]);

    const loaded = await stack.request('GET', '/v1/users/op-try/phones', undefined, operator);
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ userId: 'op-try', status: 'verified', primary: { masked: '+1 ••• ••• ••' + mobile.slice(-2), method: 'sms' } });
    expect(loaded.body.backups).toEqual([expect.objectContaining({ masked: '+1 ••• ••• ••' + office.slice(-2), method: 'call', extension: '12' })]);
    // Operators see masked numbers only; an API key still gets the numbers it saved.
    for (const shown of [loaded.body.primary, ...loaded.body.backups]) expect(shown).not.toHaveProperty('e164');
    expect(JSON.stringify(loaded.body)).not.toMatch(new RegExp(`${mobile.slice(-7)}|${office.slice(-7)}`));
    expect((await stack.request('GET', '/v1/users/op-try/phones')).body.primary.e164).toBe(mobile);

    const texts = (await inbox(stack, mobile)).messages.length;
    const started = await stack.request('POST', '/v1/challenges', { userId: 'op-try' }, { ...operator, 'idempotency-key': 'op-try-1' });
    expect(started.status).toBe(201);
    const { id, token } = started.body;
    expect(started.body).toMatchObject({ userId: 'op-try', purpose: 'sign_in', status: 'pending', token: expect.any(String) });
    expect(started.body.statusUrl).toBe(`${stack.apiUrl}/status/${id}?token=${encodeURIComponent(token)}`);

    // A retry with its Idempotency-Key gets the first answer: the operator's requests have a scope of their own.
    const replayed = await stack.request('POST', '/v1/challenges', { userId: 'op-try' }, { ...operator, 'idempotency-key': 'op-try-1' });
    expect([replayed.status, replayed.headers.get('idempotent-replayed'), replayed.body.id]).toEqual([201, 'true', id]);
    expect((await challengesOf('op-try')).map((c) => c.id)[0]).toBe(id);
    expect(await challengesOf('op-try')).toHaveLength(2); // the verification of the settings, and this sign-in

    // The person's side works with the challenge's own token: the one text's code approves it.
    const code = await latestCode(stack, mobile, texts);
    const checked = await stack.request('POST', `/v1/challenges/${id}/check`, { code }, { authorization: `Bearer ${token}` });
    expect(checked.body.status).toBe('approved');
    expect((await inbox(stack, mobile)).messages).toHaveLength(texts + 1);

    // The same key from an API key is another caller's key: a sign-in of its own, not the operator's answer.
    const byKey = await stack.request('POST', '/v1/challenges', { userId: 'op-try' }, { ...stack.auth, 'idempotency-key': 'op-try-1' });
    expect(byKey.status).toBe(201);
    expect(byKey.headers.get('idempotent-replayed')).toBeNull();
    expect(byKey.body.id).not.toBe(id);
  });

  it('a wrong token is 401 on both routes, and the operator token is still refused where it was (saving, verifying a backup)', async () => {
    const mobile = phone();
    await registerVerified(stack, 'op-refused', { number: mobile, method: 'call' }, [{ number: phone(), method: 'call' }]);
    const wrong = { authorization: 'Bearer not-the-operator-token' };
    for (const [method, path, body, headers] of [
      ['GET', '/v1/users/op-refused/phones', undefined, wrong],
      ['POST', '/v1/challenges', { userId: 'op-refused' }, wrong],
      ['GET', '/v1/users/op-refused/phones', undefined, {}],
      ['PUT', '/v1/users/op-refused/phones', { primary: { number: phone(), method: 'call' } }, operator],
      ['POST', '/v1/users/op-refused/phones/backups/0/verify', {}, operator],
    ] as const) {
      const res = await stack.request(method, path, body, headers);
      expect([method, path, res.status, res.body.error]).toEqual([method, path, 401, 'unauthorized']);
    }
    // Nothing was started or changed: the verification of the settings is the user's only challenge.
    expect(await challengesOf('op-refused')).toHaveLength(1);
    expect((await stack.request('GET', '/v1/users/op-refused/phones')).body).toMatchObject({ status: 'verified', primary: { e164: mobile } });
  });

  it("an operator's sign-ins count against the user's hourly limit, shared with API-key callers", async () => {
    await registerVerified(stack, 'op-limited', { number: phone(), method: 'call' });
    const start = (headers: Record<string, string>) => stack.request('POST', '/v1/challenges', { userId: 'op-limited' }, headers);
    const allowed = [await start(stack.auth), ...(await Promise.all(Array.from({ length: USER_CHALLENGES_HOUR - 1 }, () => start(operator))))];
    expect(allowed.map((r) => r.status)).toEqual(Array(USER_CHALLENGES_HOUR).fill(201));

    for (const refused of [await start(operator), await start(stack.auth)]) {
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: 'rate_limited', limit: 'user_challenges' });
      expect(refused.headers.get('retry-after')).toBe(String(refused.body.retryAfter));
    }
    expect(await challengesOf('op-limited')).toHaveLength(1 + USER_CHALLENGES_HOUR);
  });

  it('the API document says so: those two routes take an API key or the operator token, the rest as before', async () => {
    const doc = (await stack.request('GET', '/docs-json', undefined, {})).body;
    const either = [{ apiKey: [] }, { operatorToken: [] }];
    expect(doc.paths['/v1/users/{userId}/phones'].get.security).toEqual(either);
    expect(doc.paths['/v1/challenges'].post.security).toEqual(either);
    expect(doc.paths['/v1/users/{userId}/phones'].put.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/users/{userId}/phones/backups/{index}/verify'].post.security).toEqual([{ apiKey: [] }]);
  });

  it('checks a webhook against PUBLIC_URL + path, as signed by Twilio in front of a reverse proxy', async () => {
    const number = phone();
    await registerVerified(stack, 'proxy-user', { number, method: 'sms' });
    const c = await signIn(stack, 'proxy-user');
    const attempt = await eventually('the text attempt', async () => (await stack.api.get(ChallengeRepository).find(c.id))?.attempts.find((a) => a.providerSid));
    const path = `/webhooks/twilio/sms-status?attempt=${attempt.id}`;
    const params = { MessageSid: attempt.providerSid as string, MessageStatus: 'delivered', AccountSid: SANDBOX_ACCOUNT_SID };
    const post = (signature: string) =>
      fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, host: 'verify.example.com' },
        body: new URLSearchParams(params).toString(),
      });
    const local = stack.config.publicUrl;
    stack.config.publicUrl = 'https://verify.example.com';
    try {
      // Twilio signed the public URL; the request reached this process on another host and scheme.
      expect((await post(signTwilioRequest(SANDBOX_AUTH_TOKEN, `https://verify.example.com${path}`, params))).status).toBe(200);
      // A signature over the address the process listens on is not what Twilio signed.
      expect((await post(signTwilioRequest(SANDBOX_AUTH_TOKEN, `${local}${path}`, params))).status).toBe(403);
    } finally {
      stack.config.publicUrl = local;
    }
  });
});

describe('live mode with a revoked API key', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: { ...LIVE_MODE_ENV, TWILIO_API_SECRET: 'revoked-secret' } });
  });
  afterAll(() => stack.close());

  it('the key (not the Auth Token) is what REST uses: a wrong secret fails the step as a configuration error', async () => {
    const saved = await stack.request('PUT', '/v1/users/revoked/phones', { primary: { number: '+12035559999', method: 'sms' } });
    expect(saved.status).toBe(200);
    const done = await waitForStatus(stack, saved.body.verification.challengeId, 'failed');
    expect(done.steps[0]).toMatchObject({ status: 'failed', reason: 'auth_failed' });
    expect(done.steps[0].attempts[0]).toMatchObject({ errorCode: 20003 });
  });
});
