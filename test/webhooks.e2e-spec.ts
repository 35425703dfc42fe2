import { ChallengeRepository, PrismaService, SqlService } from '@redial/database';
import { signTwilioRequest } from '@redial/telephony';
import { eventually, latestCode, registerVerified, setFaults, setNumber, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

describe('Twilio webhooks: signatures, idempotence and order', () => {
  let stack: Stack;
  let n = 0;
  const phone = () => `+1202555${String(2000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: { CALLS_PER_SECOND: '100' } });
  });
  afterAll(() => stack.close());

  const attemptOf = async (challengeId: string) => {
    const record = await stack.api.get(ChallengeRepository).find(challengeId);
    return record!.attempts[0];
  };

  const post = (path: string, params: Record<string, string>, signature?: string) =>
    fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      body: new URLSearchParams(params).toString(),
    });

  async function deliveredSms(user: string) {
    const number = phone();
    await registerVerified(stack, user, { number, method: 'sms' });
    const c = await signIn(stack, user);
    await eventually('the text to be delivered', async () => (await attemptOf(c.id))?.status === 'delivered');
    return { c, number, attempt: await attemptOf(c.id) };
  }

  it('refuses a missing signature, a wrong auth token, tampered parameters and a signature for another URL — nothing stored', async () => {
    const { c, attempt } = await deliveredSms('sig-user');
    const path = `/webhooks/twilio/sms-status?attempt=${attempt.id}`;
    const url = `${stack.apiUrl}${path}`;
    const token = stack.config.twilio.authToken;
    const params = { MessageSid: attempt.providerSid as string, MessageStatus: 'undelivered', ErrorCode: '30003', AccountSid: stack.config.twilio.accountSid };
    const cases: Array<[string, string | undefined, Record<string, string>]> = [
      ['missing', undefined, params],
      ['wrong token', signTwilioRequest('not-the-token', url, params), params],
      ['tampered', signTwilioRequest(token, url, { ...params, MessageStatus: 'delivered' }), params],
      ['other URL', signTwilioRequest(token, `${stack.apiUrl}/webhooks/twilio/sms-status?attempt=other`, params), params],
    ];
    for (const [name, signature, body] of cases) {
      const res = await post(path, body, signature);
      expect({ name, status: res.status }).toEqual({ name, status: 403 });
      expect(await res.json()).toMatchObject({ error: 'invalid_signature' });
    }
    expect(await attemptOf(c.id)).toMatchObject({ status: 'delivered', errorCode: null });
    const voice = await post(`/webhooks/twilio/voice/${attempt.id}`, { CallSid: 'CA1' });
    expect(voice.status).toBe(403);
  });

  it('accepts unknown parameters when signed, and a late `sent` never overwrites `delivered`', async () => {
    const { c, attempt } = await deliveredSms('late-user');
    const path = `/webhooks/twilio/sms-status?attempt=${attempt.id}`;
    const params = { MessageSid: attempt.providerSid as string, MessageStatus: 'sent', SmsStatus: 'sent', SomethingNew: 'x y+z' };
    const res = await post(path, params, signTwilioRequest(stack.config.twilio.authToken, `${stack.apiUrl}${path}`, params));
    expect(res.status).toBe(200);
    expect(await attemptOf(c.id)).toMatchObject({ status: 'delivered' });
    const events = await stack.api.get(ChallengeRepository).events(c.id);
    expect(events.filter((e) => e.type === 'attempt.delivered')).toHaveLength(1);
  });

  it('form bodies are parsed by Fastify alone: repeated keys arrive as arrays (and so sign), `__proto__` is refused, no Nest middleware layer runs', async () => {
    const { attempt } = await deliveredSms('form-user');
    const path = `/webhooks/twilio/sms-status?attempt=${attempt.id}`;
    const params = { MessageSid: attempt.providerSid as string, MessageStatus: 'sent', Repeated: ['a', 'b'] };
    const body = 'MessageSid=' + encodeURIComponent(params.MessageSid) + '&MessageStatus=sent&Repeated=a&Repeated=b';
    const signed = (text: string, signature: string) =>
      fetch(`${stack.apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature }, body: text });
    expect((await signed(body, signTwilioRequest(stack.config.twilio.authToken, `${stack.apiUrl}${path}`, params))).status).toBe(200);
    const poisoned = await signed(`__proto__=x&${body}`, 'irrelevant');
    expect(poisoned.status).toBe(400);
    expect(await poisoned.json()).toMatchObject({ error: 'bad_request' });
    // Nest's @fastify/middie (its onRequest hook on every request) is only there for Nest middleware; the api has none.
    expect(stack.api.getHttpAdapter().getInstance().hasPlugin('@fastify/middie')).toBe(false);
  });

  it('a text on its way (`sending`, `sent`) moves its attempt without the challenge lock, and changes nothing else', async () => {
    const number = phone();
    await registerVerified(stack, 'transit-user', { number, method: 'sms' });
    // The network holds the text: no callback of its own comes in during the test.
    await setNumber(stack, number, { sms: 'silent', delayMs: 600_000 });
    const c = await signIn(stack, 'transit-user');
    const attempt = await eventually('the send recorded', async () => ((await attemptOf(c.id))?.providerSid ? attemptOf(c.id) : undefined));
    const challenges = stack.api.get(ChallengeRepository);
    const before = await challenges.find(c.id);
    const events = await challenges.events(c.id);
    const path = `/webhooks/twilio/sms-status?attempt=${attempt.id}`;
    const callback = (status: string) => {
      const params = { MessageSid: attempt.providerSid as string, MessageStatus: status, AccountSid: stack.config.twilio.accountSid };
      return post(path, params, signTwilioRequest(stack.config.twilio.authToken, `${stack.apiUrl}${path}`, params));
    };
    // A transaction holds the challenge's row lock while both callbacks are answered: neither waits for it.
    const statuses = await stack.api.get(SqlService).transaction(async (tx) => {
      await tx.query('SELECT id FROM challenges WHERE id = $1 FOR UPDATE', [c.id]);
      return [(await callback('sending')).status, (await callback('sent')).status, (await attemptOf(c.id)).status];
    });
    expect(statuses).toEqual([200, 200, 'sent']);
    // A late `sending` changes nothing; the challenge itself (version, events) is as the send left it.
    expect((await callback('sending')).status).toBe(200);
    const after = await challenges.find(c.id);
    expect(after?.attempts[0]).toMatchObject({ status: 'sent', statusRank: 2, providerSid: attempt.providerSid });
    expect({ ...after, attempts: [] }).toEqual({ ...before, attempts: [] });
    expect(await challenges.events(c.id)).toEqual(events);
  });

  it('a callback naming an attempt that does not exist falls back to the SID; one with neither is ignored', async () => {
    const { c, attempt } = await deliveredSms('fallback-user');
    const other = '00000000-0000-4000-8000-000000000000';
    const path = `/webhooks/twilio/sms-status?attempt=${other}`;
    const send = async (sid: string) => {
      const params = { MessageSid: sid, MessageStatus: 'sent' };
      return (await post(path, params, signTwilioRequest(stack.config.twilio.authToken, `${stack.apiUrl}${path}`, params))).status;
    };
    expect(await send(attempt.providerSid as string)).toBe(200);
    expect(await send('SMnobody')).toBe(200);
    expect(await attemptOf(c.id)).toMatchObject({ status: 'delivered', providerSid: attempt.providerSid });
  });

  it('duplicate and reordered callbacks end in the same states as in-order ones', async () => {
    const smsNumber = phone();
    const callNumber = phone();
    const failing = phone();
    await registerVerified(stack, 'dup-sms', { number: smsNumber, method: 'sms' });
    await registerVerified(stack, 'dup-call', { number: callNumber, method: 'call' });
    await registerVerified(stack, 'dup-fail', { number: failing, method: 'call' }, [{ number: phone(), method: 'call' }]);
    await setNumber(stack, failing, { voice: 'busy' });
    await setFaults(stack, { duplicateCallbacks: 1, reorderCallbacks: true });
    try {
      const sms = await signIn(stack, 'dup-sms');
      const code = await latestCode(stack, smsNumber, 1);
      await eventually('the text to be delivered', async () => (await attemptOf(sms.id)).status === 'delivered');
      expect((await stack.request('POST', `/v1/challenges/${sms.id}/check`, { code })).body.status).toBe('approved');

      const call = await signIn(stack, 'dup-call');
      expect((await waitForStatus(stack, call.id, 'approved')).steps[0].status).toBe('succeeded');

      const failover = await signIn(stack, 'dup-fail');
      const done = await waitForStatus(stack, failover.id, 'approved');
      expect(done.steps[0]).toMatchObject({ status: 'failed', reason: 'busy' });
      const events = await stack.api.get(ChallengeRepository).events(failover.id);
      expect(events.filter((e) => e.type === 'step.failover')).toHaveLength(1);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    } finally {
      await setFaults(stack, { duplicateCallbacks: 0, reorderCallbacks: false });
    }
  });

  it('a tampered Gather cannot approve: only a signed one does', async () => {
    const number = phone();
    await registerVerified(stack, 'gather-user', { number, method: 'call' });
    await setNumber(stack, number, { voice: 'interactive' });
    const c = await signIn(stack, 'gather-user');
    const attempt = await eventually('the call attempt', async () => (await attemptOf(c.id))?.providerSid ? attemptOf(c.id) : undefined);
    const path = `/webhooks/twilio/voice/${attempt.id}/gather`;
    const params = { CallSid: attempt.providerSid as string, Digits: '#', FinishedOnKey: '' };
    expect((await post(path, params, signTwilioRequest('forged', `${stack.apiUrl}${path}`, params))).status).toBe(403);
    expect((await stack.request('GET', `/v1/challenges/${c.id}`)).body.status).toBe('pending');
    const ok = await post(path, params, signTwilioRequest(stack.config.twilio.authToken, `${stack.apiUrl}${path}`, params));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<Hangup/>');
    expect((await stack.request('GET', `/v1/challenges/${c.id}`)).body.status).toBe('approved');
    const row = await stack.api.get(PrismaService).client.challenge.findUnique({ where: { id: c.id } });
    expect(row?.approvedAt).not.toBeNull();
  });
});
