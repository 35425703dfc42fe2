/**
 * The verification call as a person meets it on a real network, with the sandbox's `<Gather>` following
 * Twilio's documented rules (a lone finish key or silence never reaches `action`): which keys approve, deny or
 * repeat, and what happens to a call its challenge moves on from.
 */
import { ChallengeRepository } from '@redial/database';
import { ChallengeEngine } from '@redial/engine';
import { eventually, getChallenge, inbox, registerVerified, setNumber, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

describe('the verification call under Twilio’s <Gather> rules', () => {
  let stack: Stack;
  let n = 0;
  const phone = () => `+1204555${String(4000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: { CALLS_PER_SECOND: '200' } });
  });
  afterAll(() => stack.close());

  const eventsOf = async (id: string) => stack.api.get(ChallengeRepository).events(id);

  /** A user whose one phone is a call; the phone then answers with `keys`. */
  async function callWith(keys: string, extra: Record<string, unknown> = {}) {
    const number = phone();
    const user = `keys-${n}`;
    await registerVerified(stack, user, { number, method: 'call' }, [{ number: phone(), method: 'sms' }]);
    await setNumber(stack, number, { voice: 'press-pound', keys, ...extra });
    const c = await signIn(stack, user);
    return { c, number };
  }

  it.each([
    ['#', 'approved', '#'],
    ['0#', 'denied', '0#'],
    ['1#', 'approved', '1#'],
    ['##', 'approved', '#'],
    ['w#', 'approved', '#'],
  ])('keys %p → %s (the Gathers took %p)', async (keys, status, taken) => {
    const { c, number } = await callWith(keys);
    const done = await waitForStatus(stack, c.id, status as 'approved' | 'denied');
    expect(done.steps[0].status).toBe(status === 'approved' ? 'succeeded' : 'failed');
    // The phone's newest call (the first one verified the settings).
    const call = await eventually('the call to end', async () => {
      const newest = (await inbox(stack, number)).calls.at(-1);
      return newest?.status === 'completed' ? newest : undefined;
    });
    expect(call.digits).toBe(taken);
  });

  it('silence: the prompt plays twice, then the step fails as no answer and the backup text goes out', async () => {
    const { c, number } = await callWith('');
    const moved = await eventually('failover', async () => {
      const view = await getChallenge(stack, c.id);
      return view.currentStep === 1 ? view : undefined;
    });
    expect(moved.steps[0]).toMatchObject({ status: 'failed', reason: 'no_answer' });
    const record = await stack.api.get(ChallengeRepository).find(c.id);
    expect(record?.attempts.find((a) => a.stepIndex === 0)?.promptsPlayed).toBe(2);
    expect((await inbox(stack, number)).calls.at(-1)?.digits).toBe('');
  });

  it('0 then silence goes back to the prompt; # there approves (a stray 0 is not a fraud report)', async () => {
    // 17 half-second pauses outlast the confirmation Gather's 8 s timeout.
    const { c } = await callWith(`0${'w'.repeat(17)}#`);
    const done = await waitForStatus(stack, c.id, ['approved', 'denied', 'failed']);
    expect(done.status).toBe('approved');
    expect((await eventsOf(c.id)).map((e) => e.type)).not.toContain('challenge.denied');
  });

  it('an answering machine is not the person: voicemail, and the backup is tried', async () => {
    const number = phone();
    await registerVerified(stack, 'machine', { number, method: 'call' }, [{ number: phone(), method: 'sms' }]);
    await setNumber(stack, number, { voice: 'voicemail' });
    const c = await signIn(stack, 'machine');
    const moved = await eventually('failover', async () => ((await getChallenge(stack, c.id)).currentStep === 1 ? getChallenge(stack, c.id) : undefined));
    expect(moved.steps[0]).toMatchObject({ status: 'failed', reason: 'voicemail' });
  });

  describe('a challenge that moves on ends its call at once', () => {
    /** A call step whose phone rings for two minutes (or, `interactive`, answers and waits for keys). */
    async function ringing(user: string, voice: 'no-answer' | 'interactive', backup = true) {
      const number = phone();
      await registerVerified(stack, user, { number, method: 'call' }, backup ? [{ number: phone(), method: 'sms' }] : []);
      await setNumber(stack, number, voice === 'no-answer' ? { voice, ringMs: 120_000 } : { voice });
      const c = await signIn(stack, user);
      const want = voice === 'no-answer' ? 'ringing' : 'in-progress';
      const call = await eventually(`the call to be ${want}`, async () => (await inbox(stack, number)).calls.find((x) => x.status === want));
      expect((await inbox(stack, number)).calls.at(-1)?.sid).toBe(call.sid);
      return { c, number, sid: call.sid };
    }

    const callStatus = async (number: string, sid: string) => (await inbox(stack, number)).calls.find((x) => x.sid === sid)?.status;

    /** Nothing the ended call reports afterwards reaches the challenge as a failure of its step. */
    async function expectNoLateFailure(challengeId: string) {
      const record = await stack.api.get(ChallengeRepository).find(challengeId);
      const attempt = record?.attempts.find((a) => a.stepIndex === 0);
      await eventually('the call attempt to record its end', async () => (await stack.api.get(ChallengeRepository).find(challengeId))?.attempts.find((a) => a.id === attempt?.id)?.finishedAt);
      const failed = (await eventsOf(challengeId)).filter((e) => e.type === 'attempt.failed' && (e.payload as { step?: number }).step === 0);
      expect(failed).toEqual([]);
      expect((await getChallenge(stack, challengeId)).steps[0].reason).not.toBe('no_answer');
    }

    it('"use a different verification option" cancels the ringing call', async () => {
      const { c, number, sid } = await ringing('skip-ringing', 'no-answer');
      const res = await stack.request('POST', `/v1/challenges/${c.id}/advance`, {}, { authorization: `Bearer ${c.token}` });
      expect(res.body.currentStep).toBe(1);
      expect(await eventually('the call to be canceled', async () => ((await callStatus(number, sid)) === 'canceled' ? 'canceled' : undefined))).toBe('canceled');
      await expectNoLateFailure(c.id);
      expect((await getChallenge(stack, c.id)).steps[0]).toMatchObject({ status: 'skipped', reason: 'user_skipped' });
    });

    it('cancel hangs up an answered call (completed)', async () => {
      const { c, number, sid } = await ringing('cancel-answered', 'interactive');
      expect((await stack.request('POST', `/v1/challenges/${c.id}/cancel`, {})).body.status).toBe('canceled');
      expect(await eventually('the call to be completed', async () => ((await callStatus(number, sid)) === 'completed' ? 'completed' : undefined))).toBe('completed');
      await expectNoLateFailure(c.id);
      expect((await getChallenge(stack, c.id)).status).toBe('canceled');
    });

    it('expiry ends the ringing call', async () => {
      const { c, number, sid } = await ringing('expire-ringing', 'no-answer', false);
      // What the expiry job does when the challenge's time is up.
      await stack.api.get(ChallengeEngine).apply(c.id, { type: 'expire' });
      expect(await eventually('the call to be canceled', async () => ((await callStatus(number, sid)) === 'canceled' ? 'canceled' : undefined))).toBe('canceled');
      await expectNoLateFailure(c.id);
      expect((await getChallenge(stack, c.id)).status).toBe('expired');
    });

    it('a step timeout ends its call before the backup is tried', async () => {
      const { c, number, sid } = await ringing('timeout-ringing', 'no-answer');
      const record = await stack.api.get(ChallengeRepository).find(c.id);
      const attempt = record!.attempts.find((a) => a.stepIndex === 0)!;
      await stack.api.get(ChallengeEngine).apply(c.id, { type: 'step_timeout', step: 0, attemptNo: attempt.attemptNo });
      expect(await eventually('the call to be canceled', async () => ((await callStatus(number, sid)) === 'canceled' ? 'canceled' : undefined))).toBe('canceled');
      const view = await getChallenge(stack, c.id);
      expect(view.currentStep).toBe(1);
      expect(view.steps[0]).toMatchObject({ status: 'failed', reason: 'timeout' });
    });
  });
});
