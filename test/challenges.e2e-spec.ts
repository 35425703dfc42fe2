import type { AppConfig } from '@redial/config';
import { type ChallengeStatus, JobName, jobId, QueueName, type StepTimeoutJob } from '@redial/contracts';
import { ChallengeRepository, PhoneSettingsRepository, PrismaService, SqlService } from '@redial/database';
import { callStepTimeoutMs, isFinal, textCode } from '@redial/domain';
import { policyFromConfig } from '@redial/engine';
import { QueueService } from '@redial/queue';
import { deleteKeys, dumpKeys } from './support/redis';
import { testConfig } from './support/config';
import { eventually, getChallenge, inbox, latestCode, registerVerified, setFaults, setNumber, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';
import { HEARTBEAT_MS, WorkerHost } from '../apps/worker/src/worker.host';
import { jobLockMs } from '../apps/worker/src/worker.options';

const STACK_ENV = { RECONCILE_INTERVAL_MS: '300', SMS_STEP_TIMEOUT: '5', CALLS_PER_SECOND: '200' };

/**
 * The longest a challenge can stay pending after Redis lost every key, while the system works. Its work is back in
 * hand within `recovery`: a worker's heartbeat (HEARTBEAT_MS) puts the reconciler's job scheduler back, the
 * reconciler (every RECONCILE_INTERVAL_MS) re-enqueues a dispatch overdue by its grace, and a job a worker held when
 * its keys vanished runs on or waits out its lock (jobLockMs). Its call then ends the step, or the step's deadline
 * (CALL_RING_TIMEOUT + the answer window) does — applied by the reconciler within another `recovery` if its timer job
 * was lost. So no challenge is still pending after this; a slow machine takes longer but stays inside it.
 */
function redisLossBoundMs(config: AppConfig): number {
  const reconcilerGraceMs = Math.max(2000, config.reconcileIntervalMs); // ReconcilerService acts on work overdue by this
  const recovery = HEARTBEAT_MS + reconcilerGraceMs + config.reconcileIntervalMs + jobLockMs(config.dependencyTimeoutMs);
  return 2 * recovery + callStepTimeoutMs(policyFromConfig(config));
}
const REDIS_LOSS_BOUND_MS = redisLossBoundMs(testConfig('postgresql://127.0.0.1/unused', 'unused', STACK_ENV));

describe('verification engine end to end (api, worker, PostgreSQL, Redis, sandbox over HTTP)', () => {
  let stack: Stack;
  let n = 0;
  /** A fresh valid US number for each phone in this suite. */
  const phone = () => `+1201555${String(1000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: STACK_ENV });
  });
  afterAll(() => stack.close());
  afterEach(() => setFaults(stack, { rate429: 0, rate500: 0, latencyMs: 0 }));

  const events = async (id: string) => (await stack.api.get(ChallengeRepository).events(id)).map((e) => ({ seq: e.seq, type: e.type }));
  const post = (id: string, action: string, body?: unknown, token?: string) =>
    stack.request('POST', `/v1/challenges/${id}/${action}`, body ?? {}, token ? { authorization: `Bearer ${token}` } : stack.auth);

  it('SMS: the code from the inbox approves, a second use fails, events come with seq 1..n', async () => {
    const primary = phone();
    await registerVerified(stack, 'sms-user', { number: primary, method: 'sms' });
    const before = (await inbox(stack, primary)).messages.length;
    const challenge = await signIn(stack, 'sms-user');
    expect(challenge).toMatchObject({ userId: 'sms-user', purpose: 'sign_in', status: 'pending', currentStep: 0 });
    expect(challenge.steps[0]).toMatchObject({ role: 'primary', method: 'sms', phone: '+1 ••• ••• ••' + primary.slice(-2) });
    const code = await latestCode(stack, primary, before);

    const checked = await post(challenge.id, 'check', { code }, challenge.token);
    expect(checked.status).toBe(200);
    expect(checked.body).toEqual({ status: 'approved', attemptsLeft: 5 });
    const again = await post(challenge.id, 'check', { code }, challenge.token);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('challenge_not_pending');

    const list = await events(challenge.id);
    expect(list.map((e) => e.seq)).toEqual(list.map((_, i) => i + 1));
    expect(list[0].type).toBe('challenge.created');
    expect(list.map((e) => e.type)).toEqual(expect.arrayContaining(['attempt.queued', 'attempt.sent', 'challenge.approved']));
    expect(list.at(-1)?.type).toBe('challenge.approved');
  });

  it('the text carries a 6-digit code with the WebOTP line last; the code is derived from its attempt and stored nowhere, not in PostgreSQL, not in Redis', async () => {
    const primary = phone();
    await registerVerified(stack, 'otp-user', { number: primary, method: 'sms' });
    const before = (await inbox(stack, primary)).messages.length;
    const challenge = await signIn(stack, 'otp-user');
    const code = await latestCode(stack, primary, before);
    const body = (await inbox(stack, primary)).messages.at(-1)?.body ?? '';
    expect(body.split('\n').at(-1)).toBe(`@127.0.0.1 #${code}`);
    const row = await stack.api.get(PrismaService).client.challenge.findUnique({ where: { id: challenge.id }, include: { attempts: true, events: true } });
    expect(row?.attempts).toHaveLength(1);
    expect(textCode(stack.config.keys.smsCodes, row?.attempts[0].id ?? '')).toBe(code);
    expect(JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(code);
    const redis = await dumpKeys(stack.prefix);
    expect(redis).toContain(row?.attempts[0].id); // the dispatch job's payload is in the dump…
    expect(redis).not.toContain(code); // …and the code is not
  });

  it('a call answered with # approves; 0# denies and marks fraud', async () => {
    const good = phone();
    await registerVerified(stack, 'call-user', { number: good, method: 'call' });
    const approved = await signIn(stack, 'call-user');
    const done = await waitForStatus(stack, approved.id, 'approved');
    expect(done.steps[0]).toMatchObject({ status: 'succeeded', method: 'call' });
    expect(done.approvedAt).toBeDefined();

    await setNumber(stack, good, { voice: 'report-fraud' });
    const denied = await signIn(stack, 'call-user');
    const final = await waitForStatus(stack, denied.id, 'denied');
    expect(final.steps[0]).toMatchObject({ status: 'failed', reason: 'fraud_reported' });
    const row = await stack.api.get(PrismaService).client.challenge.findUnique({ where: { id: denied.id } });
    expect(row?.fraudReported).toBe(true);
  });

  it('silence on the primary call fails over to the backup text, which approves', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'failover-user', { number: primary, method: 'call' }, [{ number: backup, method: 'sms', label: 'mobile' }]);
    await setNumber(stack, primary, { voice: 'silence' });
    const challenge = await signIn(stack, 'failover-user');
    const code = await latestCode(stack, backup);
    const during = await getChallenge(stack, challenge.id);
    expect(during.currentStep).toBe(1);
    expect(during.steps[0]).toMatchObject({ status: 'failed', reason: 'no_answer' });
    const checked = await post(challenge.id, 'check', { code }, challenge.token);
    expect(checked.body.status).toBe('approved');
    const done = await getChallenge(stack, challenge.id);
    expect(done.steps.map((s) => [s.role, s.method, s.status, s.reason])).toEqual([
      ['primary', 'call', 'failed', 'no_answer'],
      ['backup', 'sms', 'succeeded', undefined],
    ]);
    expect((await events(challenge.id)).map((e) => e.type)).toContain('step.failover');
  });

  it.each([
    ['busy', { voice: 'busy' as const }, 'busy'],
    ['no answer', { voice: 'no-answer' as const }, 'no_answer'],
    ['voicemail', { voice: 'voicemail' as const }, 'voicemail'],
  ])('a %s primary call fails over with that reason', async (_name, behaviour, reason) => {
    const primary = phone();
    const backup = phone();
    const user = `reason-${reason}`;
    await registerVerified(stack, user, { number: primary, method: 'call' }, [{ number: backup, method: 'call' }]);
    await setNumber(stack, primary, behaviour);
    const challenge = await signIn(stack, user);
    const done = await waitForStatus(stack, challenge.id, 'approved');
    expect(done.steps[0]).toMatchObject({ status: 'failed', reason });
    expect(done.steps[1]).toMatchObject({ status: 'succeeded' });
  });

  it('an invalid primary (Twilio 21211) moves to the backup at once; every phone failing ends failed with a reason per step', async () => {
    const settings = stack.api.get(PhoneSettingsRepository);
    const sql = stack.api.get(SqlService);
    const backup = phone();
    const pending = await settings.savePending('magic-user', [
      { role: 'primary', position: 0, e164: '+15005550001', country: 'US', method: 'sms' },
      { role: 'backup', position: 1, e164: backup, country: 'US', method: 'sms' },
    ]);
    await sql.transaction((tx) => settings.activate(pending.id, tx, new Date()));
    await setNumber(stack, backup, { sms: 'undelivered', smsErrorCode: 30003 });
    const challenge = await signIn(stack, 'magic-user');
    const done = await waitForStatus(stack, challenge.id, 'failed');
    expect(done.steps[0]).toMatchObject({ status: 'failed', reason: 'invalid_number' });
    expect(done.steps[0].attempts[0]).toMatchObject({ errorCode: 21211, reason: 'invalid_number' });
    expect(done.steps[1]).toMatchObject({ status: 'failed' });
    expect(done.steps[1].reason).toEqual(expect.any(String));
    expect(done.steps[1].attempts[0].errorCode).toBe(30003);
  });

  it('with 50% 500s and 429s every challenge still completes and no attempt sends two texts', async () => {
    const users = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const number = phone();
        await registerVerified(stack, `faulty-${i}`, { number, method: 'sms' });
        return { user: `faulty-${i}`, number, before: (await inbox(stack, number)).messages.length };
      }),
    );
    await setFaults(stack, { rate429: 0.25, rate500: 0.25 });
    const challenges = await Promise.all(users.map((u) => signIn(stack, u.user)));
    // Each code is entered as soon as its text arrives: retried sends arrive seconds apart, and a text that waited
    // for another challenge's retries could outlive this suite's 5-s SMS_STEP_TIMEOUT.
    const checks = await Promise.all(
      challenges.map(async (c, i) => {
        const code = await latestCode(stack, users[i].number, users[i].before);
        const checked = await post(c.id, 'check', { code }, c.token);
        return { status: checked.status, body: checked.body, texts: (await inbox(stack, users[i].number)).messages.length - users[i].before };
      }),
    );
    for (const checked of checks) expect(checked).toMatchObject({ status: 200, body: { status: 'approved' }, texts: 1 });
  });

  it('5 wrong codes end the challenge as max_attempts_reached, and it never changes afterwards', async () => {
    const number = phone();
    await registerVerified(stack, 'guesser', { number, method: 'sms' });
    const before = (await inbox(stack, number)).messages.length;
    const c = await signIn(stack, 'guesser');
    const code = await latestCode(stack, number, before);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      expect((await post(c.id, 'check', { code: wrong }, c.token)).body).toEqual({ status: 'pending', attemptsLeft: left });
    }
    expect((await post(c.id, 'check', { code: wrong }, c.token)).body).toEqual({ status: 'max_attempts_reached', attemptsLeft: 0 });
    expect((await post(c.id, 'check', { code }, c.token)).status).toBe(409);
    expect((await post(c.id, 'cancel')).status).toBe(409);
    expect((await getChallenge(stack, c.id)).status).toBe('max_attempts_reached');
  });

  it('bad check bodies get a 4xx naming the field', async () => {
    const number = phone();
    await registerVerified(stack, 'typo', { number, method: 'sms' });
    const c = await signIn(stack, 'typo');
    for (const body of [{}, { code: '12' }, { code: 'abcdef' }, { code: true }, { code: '123456', extra: 1 }]) {
      const res = await post(c.id, 'check', body, c.token);
      expect(res.status).toBe(400);
      expect(res.body.field).toBeDefined();
    }
  });

  it('expiry turns a pending challenge expired (through the reconciler), and it stays expired', async () => {
    const number = phone();
    await registerVerified(stack, 'late', { number, method: 'sms' });
    const c = await signIn(stack, 'late');
    await stack.api.get(PrismaService).client.challenge.update({ where: { id: c.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await stack.worker!.get(WorkerHost).reconcileOnce();
    const done = await waitForStatus(stack, c.id, 'expired');
    expect((await events(c.id)).at(-1)?.type).toBe('challenge.expired');
    expect((await post(c.id, 'advance', undefined, c.token)).status).toBe(409);
    expect((await getChallenge(stack, c.id)).status).toBe(done.status);
  });

  it('advance moves to the next phone now; on the last phone it is refused; cancel works with the token', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'chooser', { number: primary, method: 'sms' }, [{ number: backup, method: 'sms' }]);
    const c = await signIn(stack, 'chooser');
    const moved = await post(c.id, 'advance', undefined, c.token);
    expect(moved.status).toBe(200);
    expect(moved.body.currentStep).toBe(1);
    expect(moved.body.steps[0]).toMatchObject({ status: 'skipped', reason: 'user_skipped' });
    expect((await post(c.id, 'advance', undefined, c.token)).body.error).toBe('no_other_option');
    const canceled = await post(c.id, 'cancel', undefined, c.token);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect((await getChallenge(stack, c.id)).status).toBe('canceled');
  });

  it('a token only opens its own challenge; a user without verified phones gets 409', async () => {
    const a = phone();
    await registerVerified(stack, 'owner', { number: a, method: 'sms' });
    const mine = await signIn(stack, 'owner');
    const other = await signIn(stack, 'owner');
    expect((await stack.request('GET', `/v1/challenges/${other.id}`, undefined, { authorization: `Bearer ${mine.token}` })).status).toBe(401);
    expect((await stack.request('GET', `/v1/challenges/${mine.id}`, undefined, { authorization: `Bearer ${mine.token}` })).status).toBe(200);
    expect((await stack.request('POST', '/v1/challenges', { userId: 'stranger' })).body).toMatchObject({ error: 'no_verified_phone' });
    expect((await stack.request('POST', '/v1/challenges', { userId: 'owner', purpose: 'other' })).body).toMatchObject({ field: 'purpose' });
    expect((await stack.request('GET', '/v1/challenges/not-a-uuid')).status).toBe(404);
  });

  it('settings: saving starts the verification, approval activates, a failed verification keeps the old phones', async () => {
    const first = phone();
    await registerVerified(stack, 'mover', { number: first, method: 'call' });
    expect((await stack.request('GET', '/v1/users/mover/phones')).body).toMatchObject({ status: 'verified', primary: { e164: first } });

    const second = phone();
    await setNumber(stack, second, { voice: 'busy' });
    const saved = await stack.request('PUT', '/v1/users/mover/phones', { primary: { number: second, method: 'call' } });
    expect(saved.body.verification.challengeId).toEqual(expect.any(String));
    const pendingView = await stack.request('GET', '/v1/users/mover/phones');
    expect(pendingView.body).toMatchObject({ status: 'verified', primary: { e164: first }, pending: { primary: { e164: second } } });
    await waitForStatus(stack, saved.body.verification.challengeId, 'failed');
    const kept = await stack.request('GET', '/v1/users/mover/phones');
    expect(kept.body).toMatchObject({ status: 'verified', primary: { e164: first } });
    expect(kept.body.pending).toBeUndefined();

    const third = phone();
    const ok = await stack.request('PUT', '/v1/users/mover/phones', { primary: { number: third, method: 'call' } });
    await waitForStatus(stack, ok.body.verification.challengeId, 'approved');
    expect((await stack.request('GET', '/v1/users/mover/phones')).body).toMatchObject({ status: 'verified', primary: { e164: third } });
    const c = await signIn(stack, 'mover');
    expect(c.steps[0].phone.endsWith(third.slice(-2))).toBe(true);
  });

  it('a dispatch job Redis lost half of (its hash left in no list) does not keep the reconciler from sending the text', async () => {
    const number = phone();
    await registerVerified(stack, 'stray-job', { number, method: 'sms' });
    const queues = stack.api.get(QueueService);
    const texts = queues.queue(QueueName.Texts);
    await texts.pause();
    let c: Awaited<ReturnType<typeof signIn>>;
    try {
      c = await signIn(stack, 'stray-job');
      const [attempt] = (await stack.api.get(ChallengeRepository).find(c.id))!.attempts;
      const id = jobId.dispatch({ challengeId: c.id, step: 0, attemptNo: 1, attemptId: attempt.id });
      // What losing keys mid-move leaves: the job's hash, in no list (BullMQ then reads its state as unknown).
      expect(await queues.connection.lrem(texts.keys.wait, 0, id)).toBe(1);
      expect(await texts.getJobState(id)).toBe('unknown');
      await stack.api.get(SqlService).query("UPDATE challenges SET next_action_at = now() - interval '1 minute' WHERE id = $1", [c.id]);
      await stack.worker!.get(WorkerHost).reconcileOnce();
    } finally {
      await texts.resume();
    }
    await eventually('the text sent', async () => (await stack.api.get(ChallengeRepository).find(c.id))?.attempts[0].sentAt ?? undefined, 10000);
  });

  it('deleting every Redis key under the prefix mid-flight delays 20 challenges but loses none', async () => {
    const users = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const number = phone();
        await registerVerified(stack, `survivor-${i}`, { number, method: 'call' });
        await setNumber(stack, number, { voice: 'press-pound', delayMs: 400 });
        return `survivor-${i}`;
      }),
    );
    const challenges = await Promise.all(users.map((u) => signIn(stack, u)));
    await deleteKeys(stack.prefix);
    // One query for the 20 per reconciler interval (not a request per challenge every few ms, which would load the
    // very processes that recover them), until none is pending; bounded by what the configuration guarantees.
    const ids = challenges.map((c) => c.id);
    await eventually('all 20 challenges to leave pending', async () => {
      const rows = await stack.api.get(PrismaService).client.challenge.findMany({ where: { id: { in: ids } }, select: { status: true } });
      const pending = ids.length - rows.filter((r) => isFinal(r.status as ChallengeStatus)).length;
      if (pending > 0) throw new Error(`${pending} still pending`);
      return true;
    }, redisLossBoundMs(stack.config), stack.config.reconcileIntervalMs);
    const finals = await Promise.all(ids.map((id) => getChallenge(stack, id)));
    expect(finals.filter((c) => c.status !== 'approved').map((c) => [c.id, c.status])).toEqual([]);
  }, REDIS_LOSS_BOUND_MS + 60000);

  it('a text with no code entered times out after SMS_STEP_TIMEOUT and fails over', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'slow', { number: primary, method: 'sms' }, [{ number: backup, method: 'call' }]);
    const c = await signIn(stack, 'slow');
    const done = await eventually('failover after the SMS step timeout', async () => {
      const v = await getChallenge(stack, c.id);
      return v.status === 'approved' ? v : undefined;
    }, 30000, 200);
    expect(done.steps[0]).toMatchObject({ status: 'failed', reason: 'timeout' });
  }, 40000);

  it('a delivered text waits SMS_STEP_TIMEOUT from its delivery with one wake-up queued per attempt: the wake-up for the send finds the later deadline and queues the next', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'late-deadline', { number: primary, method: 'sms' }, [{ number: backup, method: 'call' }]);
    const c = await signIn(stack, 'late-deadline');
    const repo = stack.api.get(ChallengeRepository);
    const delivered = await eventually('the text delivered and sent', async () => {
      const r = await repo.find(c.id);
      return r?.attempts[0]?.deliveredAt && r.attempts[0].sentAt && r.nextAction === 'step_timeout' ? r : undefined;
    }, 10000);
    const timers = stack.api.get(QueueService).queue(QueueName.Timers);
    const ofChallenge = (jobs: Array<{ name: string; data: StepTimeoutJob }>) => jobs.filter((j) => j.name === JobName.StepTimeout && j.data.challengeId === c.id);
    // The send and the delivery each set the step's deadline; only the first queued a wake-up.
    const queued = ofChallenge(await timers.getDelayed());
    expect(queued).toHaveLength(1);
    expect(queued[0].data.deadline).toBeLessThan(delivered.nextActionAt?.getTime() ?? 0);

    const done = await eventually('failover after the step deadline', async () => {
      const v = await getChallenge(stack, c.id);
      return v.status === 'approved' ? v : undefined;
    }, 30000, 200);
    expect(done.steps[0]).toMatchObject({ status: 'failed', reason: 'timeout' });
    const step = (await repo.find(c.id))?.steps[0];
    expect(step?.endedAt?.getTime()).toBeGreaterThanOrEqual(delivered.nextActionAt?.getTime() ?? Infinity);
    // The first wake-up queued the second; the second timed the step out (not the reconciler).
    const fired = ofChallenge(await timers.getCompleted()) as unknown as Array<{ returnvalue: string; data: StepTimeoutJob }>;
    expect(fired.map((j) => j.returnvalue).sort()).toEqual([expect.stringMatching(/^deadline moved to /), 'timed out'].sort());
  }, 40000);
});
