import type { ChallengeUpdated } from '@redial/contracts';
import { ChallengeRecord, ChallengeRepository, PrismaService, SqlService } from '@redial/database';
import { ChallengeEngine } from '@redial/engine';
import { EventPublisher } from '@redial/queue';
import { signTwilioRequest } from '@redial/telephony';
import { eventually, inbox, latestCode, registerVerified, setFaults, setNumber, signIn, waitForStatus } from './support/flows';
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

  describe('a delivery or a failure naming its attempt: read once without a lock, written in one guarded statement while the challenge is at the version read', () => {
    /**
     * A signed-in text whose send is recorded and whose network stays silent (no callback of its own during the
     * test): the challenge as the `sent` transition left it, and its text attempt.
     */
    async function textSent(user: string, backups: Array<{ number: string; method: 'sms' | 'call' }> = []) {
      const number = phone();
      await registerVerified(stack, user, { number, method: 'sms' }, backups);
      await setNumber(stack, number, { sms: 'silent', delayMs: 600_000 });
      const c = await signIn(stack, user);
      const challenges = stack.api.get(ChallengeRepository);
      const before = await eventually('the send recorded', async () => {
        const r = await challenges.find(c.id);
        return r?.nextAction === 'step_timeout' && r.attempts[0]?.providerSid ? r : undefined;
      });
      return { c, before, attempt: before.attempts[0] };
    }

    const callback = (attempt: { id: string; providerSid: string | null }, status: string, extra: Record<string, string> = {}) => {
      const path = `/webhooks/twilio/sms-status?attempt=${attempt.id}`;
      const params = { MessageSid: attempt.providerSid as string, MessageStatus: status, AccountSid: stack.config.twilio.accountSid, ...extra };
      return post(path, params, signTwilioRequest(stack.config.twilio.authToken, `${stack.apiUrl}${path}`, params));
    };

    /**
     * The api's PostgreSQL work while `fn` runs: the statements on the pool that name this challenge or attempt
     * (each its own implicit transaction), and the transactions begun (BEGIN … COMMIT on a connection of its own).
     */
    async function counted<T>(ids: string[], fn: () => Promise<T>): Promise<{ result: T; statements: string[]; transactions: number }> {
      const sql = stack.api.get(SqlService);
      const statements = jest.spyOn(sql.pool, 'query');
      const transactions = jest.spyOn(sql, 'transaction');
      try {
        const result = await fn();
        const ours = statements.mock.calls
          .map(([query]) => query as unknown as { text: string; values: unknown[] })
          .filter((q) => q.values.some((v) => ids.includes(v as string)))
          .map((q) => (/^\s*WITH c AS \(UPDATE challenges/.test(q.text) ? 'guarded write' : /FROM challenges c WHERE c\.id = \(SELECT challenge_id FROM delivery_attempts WHERE id = \$1\)$/.test(q.text) ? 'read' : q.text.slice(0, 40)));
        return { result, statements: ours, transactions: transactions.mock.calls.length };
      } finally {
        statements.mockRestore();
        transactions.mockRestore();
      }
    }

    /** What the api publishes for `challengeId` while `fn` runs (the real publisher, watched). */
    async function published<T>(challengeId: string, fn: () => Promise<T>): Promise<{ result: T; updates: ChallengeUpdated[] }> {
      const spy = jest.spyOn(stack.api.get(EventPublisher), 'challengeUpdated');
      try {
        const result = await fn();
        return { result, updates: spy.mock.calls.map(([u]) => u).filter((u) => u.challenge.id === challengeId) };
      } finally {
        spy.mockRestore();
      }
    }

    /** Resolves once `n` guarded writes (from any process) wait for a row lock. */
    async function guardedWritesWaiting(n: number): Promise<void> {
      const admin = stack.worker!.get(SqlService);
      await eventually(`${n} guarded write(s) waiting for the row lock`, async () => {
        const [row] = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH c AS (UPDATE challenges %'`,
        );
        return row.n >= n;
      }, 10_000, 5);
    }

    /** Holds the challenge's row lock (as a transition does) until `during` resolves; commits nothing else. */
    function holdingLock<T>(challengeId: string, during: () => Promise<T>): Promise<T> {
      return stack.worker!.get(SqlService).transaction(async (tx) => {
        await tx.query('SELECT id FROM challenges WHERE id = $1 FOR UPDATE', [challengeId]);
        return during();
      });
    }

    const types = async (challengeId: string) => (await stack.api.get(ChallengeRepository).events(challengeId)).map((e) => [e.seq, e.type]);

    it('a delivered text: one read and one guarded write, no transaction; the transition and its one event as under the lock', async () => {
      const { c, before, attempt } = await textSent('guarded-delivered');
      const { result, updates } = await published(c.id, () => counted([c.id, attempt.id], () => callback(attempt, 'delivered')));
      expect(result.result.status).toBe(200);
      expect(result.statements).toEqual(['read', 'guarded write']);
      expect(result.transactions).toBe(0);

      const after = (await stack.api.get(ChallengeRepository).find(c.id)) as ChallengeRecord;
      expect(after).toMatchObject({ status: 'pending', version: before.version + 1, lastSeq: before.lastSeq + 1, nextAction: 'step_timeout', firstDeliveryAt: expect.any(Date) });
      // A delivered text waits SMS_STEP_TIMEOUT for its code from its delivery: the deadline moved later.
      expect(after.nextActionAt!.getTime()).toBeGreaterThan(before.nextActionAt!.getTime());
      expect(after.attempts[0]).toMatchObject({ id: attempt.id, status: 'delivered', statusRank: 5, deliveredAt: expect.any(Date), finishedAt: expect.any(Date) });
      expect((await types(c.id)).slice(-1)).toEqual([[before.lastSeq + 1, 'attempt.delivered']]);
      expect(updates.map((u) => [u.seq, u.type])).toEqual([[before.lastSeq + 1, 'attempt.delivered']]);
      expect(updates[0].challenge.steps[0]).toMatchObject({ status: 'active' });

      // A duplicate afterwards changes nothing (the locked path finds the attempt delivered) and publishes nothing.
      const again = await published(c.id, () => callback(attempt, 'delivered'));
      expect(again.result.status).toBe(200);
      expect(again.updates).toEqual([]);
      expect(await stack.api.get(ChallengeRepository).find(c.id)).toEqual(after);
    });

    it('the challenge moved on between the read and the write (a wrong code checked under the lock): the guarded write applies nothing and the locked path decides again', async () => {
      const { c, before, attempt } = await textSent('guarded-raced');
      const engine = stack.worker!.get(ChallengeEngine);
      let answered!: Promise<Response>;
      const run = counted([c.id, attempt.id], async () => {
        // The wrong code holds the challenge's lock while the callback reads (no lock) and then waits with its write.
        const checked = await engine.apply(c.id, { type: 'code_checked', correct: false }, async () => {
          answered = callback(attempt, 'delivered');
          await guardedWritesWaiting(1);
          return null;
        });
        expect(checked?.decision.changed).toBe(true);
        return answered;
      });
      const { result, updates } = await published(c.id, () => run);
      expect(result.result.status).toBe(200);
      // Its read and guarded write, then the locked transaction.
      expect(result.statements).toEqual(['read', 'guarded write']);
      expect(result.transactions).toBe(1);

      const after = (await stack.api.get(ChallengeRepository).find(c.id)) as ChallengeRecord;
      // Both transitions: the wrong code (version +1, no event) and then the delivery (version +1, one event).
      expect(after).toMatchObject({ status: 'pending', wrongCodes: 1, version: before.version + 2, lastSeq: before.lastSeq + 1, firstDeliveryAt: expect.any(Date) });
      expect(after.attempts[0]).toMatchObject({ status: 'delivered', statusRank: 5 });
      const events = await types(c.id);
      expect(events.filter(([, type]) => type === 'attempt.delivered')).toEqual([[before.lastSeq + 1, 'attempt.delivered']]);
      expect(events.map(([seq]) => seq)).toEqual(events.map((_, i) => i + 1));
      expect(updates.map((u) => [u.seq, u.type])).toEqual([[before.lastSeq + 1, 'attempt.delivered']]);
      expect(updates[0].challenge).toMatchObject({ attemptsLeft: expect.any(Number) });
    });

    it('the same delivery twice at once: both read the same version, one guarded write applies, the other falls back and changes nothing — one transition, one event', async () => {
      const { c, before, attempt } = await textSent('guarded-twice');
      const run = counted([c.id, attempt.id], () =>
        holdingLock(c.id, async () => {
          const both = [callback(attempt, 'delivered'), callback(attempt, 'delivered')];
          await guardedWritesWaiting(2);
          return both;
        }).then((both) => Promise.all(both)),
      );
      const { result, updates } = await published(c.id, () => run);
      expect(result.result.map((r) => r.status)).toEqual([200, 200]);
      expect(result.statements.sort()).toEqual(['guarded write', 'guarded write', 'read', 'read']);
      // The write that found the version moved on took the lock, and found the attempt delivered.
      expect(result.transactions).toBe(1);
      const after = (await stack.api.get(ChallengeRepository).find(c.id)) as ChallengeRecord;
      expect(after).toMatchObject({ version: before.version + 1, lastSeq: before.lastSeq + 1 });
      expect(after.attempts[0]).toMatchObject({ status: 'delivered', statusRank: 5 });
      expect((await types(c.id)).filter(([, type]) => type === 'attempt.delivered')).toHaveLength(1);
      expect(updates.map((u) => u.type)).toEqual(['attempt.delivered']);
    });

    it('an undelivered text that fails over to the backup: the locked path starts the backup attempt and its text goes out', async () => {
      const backup = phone();
      const { c, before, attempt } = await textSent('guarded-failover', [{ number: backup, method: 'sms' }]);
      const { result, updates } = await published(c.id, () => counted([c.id, attempt.id], () => callback(attempt, 'undelivered', { ErrorCode: '30003' })));
      expect(result.result.status).toBe(200);
      // Read once; no guarded write (the transition starts an attempt); the engine's locked transaction instead.
      expect(result.statements).toEqual(['read']);
      expect(result.transactions).toBe(1);
      const after = (await stack.api.get(ChallengeRepository).find(c.id)) as ChallengeRecord;
      expect(after).toMatchObject({ status: 'pending', currentStep: 1, version: before.version + 1 });
      expect(after.steps.map((s) => [s.index, s.status, s.reason])).toEqual([
        [0, 'failed', 'unreachable'],
        [1, 'active', null],
      ]);
      expect(after.attempts.map((a) => [a.stepIndex, a.attemptNo, a.status])).toEqual([
        [0, 1, 'undelivered'],
        [1, 1, expect.any(String)],
      ]);
      expect(after.attempts[0]).toMatchObject({ errorCode: 30003, reason: 'unreachable' });
      expect(updates.map((u) => u.type)).toEqual(['attempt.failed', 'step.failover', 'attempt.queued']);
      // The backup's dispatch job was enqueued: its text reaches the backup phone.
      await latestCode(stack, backup);
      expect((await inbox(stack, backup)).messages).toHaveLength(1);
    });
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
