/**
 * Live mode — Twilio credentials set — against the sandbox standing in for api.twilio.com: REST requests
 * authenticated with an API key (SK…:secret), webhooks verified with the Auth Token, PUBLIC_URL as the base of
 * every URL handed to Twilio, and signatures checked against PUBLIC_URL behind a reverse proxy.
 */
import { SANDBOX_ACCOUNT_SID, SANDBOX_API_KEY, SANDBOX_API_SECRET, SANDBOX_AUTH_TOKEN, SANDBOX_FROM } from '@redial/config';
import { ChallengeRepository } from '@redial/database';
import { signTwilioRequest } from '@redial/telephony';
import { eventually, getChallenge, latestCode, registerVerified, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

const LIVE_ENV = {
  TWILIO_ACCOUNT_SID: SANDBOX_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: SANDBOX_AUTH_TOKEN,
  TWILIO_API_KEY: SANDBOX_API_KEY,
  TWILIO_API_SECRET: SANDBOX_API_SECRET,
  TWILIO_FROM: SANDBOX_FROM,
  // The stack listens on a port chosen at start-up and sets PUBLIC_URL to it; tests may use http on loopback.
  PUBLIC_URL: 'http://127.0.0.1:9',
  ALLOW_INSECURE_PUBLIC_URL: '1',
  API_KEYS: 'live-mode-test-key',
  OPERATOR_TOKEN: 'live-mode-operator-token',
  CALLS_PER_SECOND: '100',
};

describe('live mode through the official SDK with API-key credentials', () => {
  let stack: Stack;
  let n = 0;
  const phone = () => `+1203555${String(3000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: LIVE_ENV });
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
    stack = await startStack({ sandbox: true, worker: true, env: { ...LIVE_ENV, TWILIO_API_SECRET: 'revoked-secret' } });
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
