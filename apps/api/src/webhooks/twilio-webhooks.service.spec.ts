/**
 * TwilioWebhooksService over fakes that fail on any call not set up (no Redis, no PostgreSQL): the engine runs
 * the service's hook on a given record and reports the outcome and attempt updates it produced; the repository
 * answers the one-statement update of a text on its way, and the read of a delivered or failed text's challenge,
 * as it is told to.
 */
import { Logger } from '@nestjs/common';
import type { AppConfig } from '@redial/config';
import type { AttemptPatch, AttemptRecord, ChallengeRecord, ChallengeRepository, StepRecord } from '@redial/database';
import { CALL_GOODBYE, MAX_PROMPTS, Outcome } from '@redial/domain';
import { ApplyOptions, AttemptWrites, ChallengeEngine, DecideWith } from '@redial/engine';
import {
  buildFraudConfirmTwiml,
  buildGoodbyeTwiml,
  buildPromptTwiml,
  classifyCallCompletion,
  classifyProviderError,
  classifySmsCallback,
  parseCallStatusCallback,
  parseSmsStatusCallback,
  parseVoiceRequest,
  TelephonyProvider,
} from '@redial/telephony';
import { strictFake } from '../../../../test/support/strict-fake';
import { TwilioWebhooksService } from './twilio-webhooks.service';

const ID = '11111111-1111-4111-8111-111111111111';
const A1 = '22222222-2222-4222-8222-222222222222';
const BASE = `https://redial.example/webhooks/twilio/voice/${A1}`;
const config = { publicUrl: 'https://redial.example' } as AppConfig;

/** The adapter's reading and classification, and nothing else: a send, a call or a hang-up here would throw. */
const provider = strictFake<TelephonyProvider>('provider', {
  name: 'twilio',
  parseSmsStatusCallback,
  parseCallStatusCallback,
  parseVoiceRequest,
  classifyError: classifyProviderError,
  classifySmsCallback,
  classifyCallCompletion,
});

function step(index: number, method: 'call' | 'sms', status: string): StepRecord {
  return { index, role: 'primary', e164: '+15550000000', masked: '+1 ••• ••• ••00', country: 'US', method, extension: null, label: null, status, reason: null, startedAt: null, endedAt: null };
}

function attempt(patch: Partial<AttemptRecord> = {}): AttemptRecord {
  const at = new Date();
  return {
    id: A1, challengeId: ID, stepIndex: 0, attemptNo: 1, method: 'call', provider: 'twilio', providerSid: 'CA1', status: 'ringing', statusRank: 3, errorCode: null,
    reason: null, answeredBy: null, promptsPlayed: 0, createdAt: at, updatedAt: at, sentAt: at, deliveredAt: null, finishedAt: null, ...patch,
  };
}

function record(patch: Partial<ChallengeRecord> = {}, a: AttemptRecord = attempt()): ChallengeRecord {
  const at = new Date();
  return {
    id: ID, userId: 'u1', purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, wrongCodes: 0, sends: 1,
    fraudReported: false, nextActionAt: null, nextAction: 'step_timeout', expiresAt: new Date(at.getTime() + 600_000), approvedAt: null, finishedAt: null,
    firstDeliveryAt: null, lastSeq: 3, version: 4, requestId: null, createdAt: at, updatedAt: at,
    steps: [step(0, a.method as 'call' | 'sms', 'active'), step(1, 'sms', 'waiting')], attempts: [a], ...patch,
  };
}

/** Warnings are asserted where they matter, and kept out of the test output. */
const warnings: string[] = [];
beforeEach(() => {
  warnings.length = 0;
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
});
afterEach(() => jest.restoreAllMocks());

interface Applied {
  target: unknown;
  outcome: Outcome | null;
  patches: Map<string, AttemptPatch>;
  /** The record the caller read without the lock (ApplyOptions.expected). */
  expected?: ChallengeRecord;
}

type Advance = Parameters<ChallengeRepository['advanceAttempt']>;

/**
 * An engine that runs the hook under "the lock" on `locked` and records what it asked for — after running it on
 * the caller's `expected` record first, as the real engine does before it falls back to the lock; with `advanced`,
 * a repository whose one-statement attempt update answers that and records what it was asked; with `read`, one
 * whose read of an attempt's challenge (findForDispatch) answers that record. Without them, those calls throw:
 * the case at hand must not reach them.
 */
function service(locked: ChallengeRecord | undefined, advanced?: Awaited<ReturnType<ChallengeRepository['advanceAttempt']>>['result'], read?: ChallengeRecord | null) {
  const advances: Array<[Advance[0], Advance[1]]> = [];
  const reads: string[] = [];
  const challenges = strictFake<ChallengeRepository>('challenges', {
    ...(advanced !== undefined && {
      advanceAttempt: (async (attemptId: string, change: Advance[1]) => {
        advances.push([attemptId, change]);
        return { result: advanced, requestId: null };
      }) as ChallengeRepository['advanceAttempt'],
    }),
    ...(read !== undefined && {
      findForDispatch: (async (attemptId: string) => {
        reads.push(attemptId);
        const attempt = read?.attempts.find((a) => a.id === attemptId);
        return read && attempt && { challenge: read, attempt, step: read.steps[attempt.stepIndex] };
      }) as ChallengeRepository['findForDispatch'],
    }),
  });
  const applied: Applied[] = [];
  const engine = strictFake<ChallengeEngine>('engine', {
    applyWith: (async (target: unknown, hook: DecideWith<unknown>, options?: ApplyOptions) => {
      if (options?.expected) await hook(new AttemptWrites(), options.expected);
      if (!locked) return undefined;
      const writes = new AttemptWrites();
      const { outcome, result } = await hook(writes, locked);
      applied.push({ target, outcome, patches: new Map(writes.pending), ...(options?.expected && { expected: options.expected }) });
      return { transition: {} as never, result };
    }) as ChallengeEngine['applyWith'],
  });
  return { webhooks: new TwilioWebhooksService(config, provider, engine, challenges), applied, advances, reads };
}

describe('TwilioWebhooksService.smsStatus (forward-only)', () => {
  const text = (status: string, statusRank: number) => attempt({ method: 'sms', providerSid: 'SM1', status, statusRank });
  // A delivery or a failure can change the challenge: through the engine, decided first on the challenge as read
  // without the lock (the engine writes it in one guarded statement, or falls back to its lock).
  const rows: Array<[string, AttemptRecord, Record<string, string>, Outcome | null, AttemptPatch | undefined]> = [
    ['sent → delivered: delivered', text('sent', 2), { MessageSid: 'SM1', MessageStatus: 'delivered' }, { type: 'delivered', step: 0, attemptNo: 1 }, { status: 'delivered', statusRank: 5 }],
    ['queued → delivered (overtaken callbacks): delivered', text('queued', 0), { MessageSid: 'SM1', MessageStatus: 'delivered' }, { type: 'delivered', step: 0, attemptNo: 1 }, { status: 'delivered', statusRank: 5 }],
    ['delivered → delivered (duplicate): nothing', text('delivered', 5), { MessageSid: 'SM1', MessageStatus: 'delivered' }, null, undefined],
    ['delivered → undelivered: the first final status wins', text('delivered', 5), { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' }, null, undefined],
    [
      'sent → undelivered 30003: the step fails with the code',
      text('sent', 2),
      { MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' },
      { type: 'step_failed', reason: 'unreachable', errorCode: 30003, step: 0, attemptNo: 1 },
      { status: 'undelivered', statusRank: 5, errorCode: 30003, reason: 'unreachable' },
    ],
  ];
  it.each(rows)('%s', async (_name, a, params, outcome, patch) => {
    const read = record({}, a);
    const { webhooks, applied, reads } = service(record({}, a), undefined, read);
    await webhooks.smsStatus(params, A1);
    expect(reads).toEqual([A1]);
    expect(applied).toHaveLength(1);
    expect(applied[0].target).toEqual({ attemptId: A1, sid: 'SM1' });
    expect(applied[0].expected).toBe(read);
    expect(applied[0].outcome).toEqual(outcome);
    if (patch) expect(applied[0].patches.get(A1)).toMatchObject(patch);
    else expect(applied[0].patches.size).toBe(0);
  });

  // A text on its way changes its attempt alone: one statement, no lock, no engine (the engine's fake would record it).
  const inTransit: Array<[twilio: string, status: string, statusRank: number]> = [
    ['accepted', 'queued', 0],
    ['queued', 'queued', 0],
    ['sending', 'sending', 1],
    ['sent', 'sent', 2],
  ];
  it.each(inTransit)('%s with its attempt: one forward-only update of the attempt, with the SID, and no engine', async (twilio, status, statusRank) => {
    const { webhooks, applied, advances } = service(record(), 'advanced');
    await webhooks.smsStatus({ MessageSid: 'SM7', MessageStatus: twilio }, A1);
    expect(advances).toEqual([[A1, { status, statusRank, providerSid: 'SM7' }]]);
    expect(applied).toEqual([]);
  });

  it('a late or duplicate `sent` (the update changed nothing) is done with too', async () => {
    const { webhooks, applied, advances } = service(record(), 'unchanged');
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'sent' }, A1);
    expect(advances).toHaveLength(1);
    expect(applied).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('an error code on a text on its way is written with it', async () => {
    const { webhooks, advances } = service(record(), 'advanced');
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'sent', ErrorCode: '30008' }, A1);
    expect(advances).toEqual([[A1, { status: 'sent', statusRank: 2, providerSid: 'SM1', errorCode: 30008 }]]);
  });

  it('an attempt the update does not find: the locked path, which finds it by its SID', async () => {
    const { webhooks, applied, advances } = service(record({}, text('queued', 0)), 'unknown');
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'sent' }, 'not-our-attempt');
    expect(advances).toHaveLength(1);
    expect(applied[0]).toMatchObject({ target: { attemptId: 'not-our-attempt', sid: 'SM1' }, outcome: null });
    expect(applied[0].patches.get(A1)).toEqual({ status: 'sent', statusRank: 2 });
  });

  it('a text on its way named by its SID alone: the locked path (the update is never asked)', async () => {
    const { webhooks, applied } = service(record({}, text('queued', 0)));
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'sending' });
    expect(applied[0]).toMatchObject({ target: { sid: 'SM1' }, outcome: null });
    expect(applied[0].patches.get(A1)).toEqual({ status: 'sending', statusRank: 1 });
  });

  it('a body that is no message status callback reaches no challenge', async () => {
    const { webhooks, applied } = service(record());
    await webhooks.smsStatus({ MessageStatus: 'sent' });
    expect(applied).toEqual([]);
  });

  it('a delivery named by its SID alone: the locked path, with no read before it', async () => {
    const { webhooks, applied } = service(record({}, text('sent', 2)));
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'delivered' });
    expect(applied[0]).toMatchObject({ target: { sid: 'SM1' }, outcome: { type: 'delivered', step: 0, attemptNo: 1 } });
    expect(applied[0].expected).toBeUndefined();
  });

  it('a delivery whose attempt the read does not find: the locked path, which also looks for the SID', async () => {
    const { webhooks, applied, reads } = service(record({}, text('sent', 2)), undefined, null);
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'delivered' }, 'not-our-attempt');
    expect(reads).toEqual(['not-our-attempt']);
    expect(applied[0]).toMatchObject({ target: { attemptId: 'not-our-attempt', sid: 'SM1' }, outcome: { type: 'delivered' } });
    expect(applied[0].expected).toBeUndefined();
  });

  it('a configuration failure is logged once, though the hook ran on the record read and again under the lock', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { webhooks, applied } = service(record({}, text('sent', 2)), undefined, record({}, text('sent', 2)));
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30002' }, A1);
    expect(applied[0].outcome).toMatchObject({ type: 'step_failed', reason: 'account_suspended' });
    expect(errors.mock.calls).toEqual([['provider configuration problem on a text: account_suspended (30002)']]);
    // A failure that is a duplicate under the lock logs nothing.
    errors.mockClear();
    const late = service(record({}, text('failed', 5)), undefined, record({}, text('sent', 2)));
    await late.webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'failed', ErrorCode: '30002' }, A1);
    expect(late.applied[0].outcome).toBeNull();
    expect(errors).not.toHaveBeenCalled();
  });

  it('a callback for an attempt the challenge does not have changes nothing', async () => {
    const { webhooks, applied } = service(record({}, attempt({ id: 'other', providerSid: 'SM9' })), undefined, null);
    await webhooks.smsStatus({ MessageSid: 'SM1', MessageStatus: 'delivered' }, A1);
    expect(applied[0]).toMatchObject({ outcome: null });
    expect(applied[0].patches.size).toBe(0);
    expect(warnings).toEqual(['callback for an unknown attempt (SM1) ignored']);
  });

  it('the provider SID is recorded when the callback is the first to bring it', async () => {
    const first = () => record({}, attempt({ method: 'sms', providerSid: null, status: 'queued', statusRank: 0 }));
    const { webhooks, applied } = service(first(), undefined, first());
    await webhooks.smsStatus({ MessageSid: 'SM7', MessageStatus: 'delivered' }, A1);
    expect(applied[0].patches.get(A1)).toMatchObject({ providerSid: 'SM7', status: 'delivered' });
  });
});

describe('TwilioWebhooksService.callStatus', () => {
  const rows: Array<[string, ChallengeRecord, Record<string, string>, Outcome | null]> = [
    ['ringing', record({}, attempt({ status: 'sending', statusRank: 1 })), { CallSid: 'CA1', CallStatus: 'ringing' }, { type: 'ringing', step: 0, attemptNo: 1 }],
    ['answered', record(), { CallSid: 'CA1', CallStatus: 'in-progress' }, { type: 'answered', step: 0, attemptNo: 1 }],
    ['busy fails the step', record(), { CallSid: 'CA1', CallStatus: 'busy' }, { type: 'step_failed', reason: 'busy', step: 0, attemptNo: 1 }],
    ['failed, SIP 404: invalid number, no retry', record(), { CallSid: 'CA1', CallStatus: 'failed', SipResponseCode: '404' }, { type: 'step_failed', reason: 'invalid_number', step: 0, attemptNo: 1 }],
    ['failed, SIP 480: retryable', record(), { CallSid: 'CA1', CallStatus: 'failed', SipResponseCode: '480' }, { type: 'step_failed', reason: 'call_failed', retryable: true, step: 0, attemptNo: 1 }],
    ['failed, SIP 503: retryable', record(), { CallSid: 'CA1', CallStatus: 'failed', SipResponseCode: '503' }, { type: 'step_failed', reason: 'call_failed', retryable: true, step: 0, attemptNo: 1 }],
    ['completed by a machine: voicemail', record(), { CallSid: 'CA1', CallStatus: 'completed', AnsweredBy: 'machine_end_beep' }, { type: 'step_failed', reason: 'voicemail', step: 0, attemptNo: 1 }],
    // The challenge moved on: the call's end is no failure.
    ['completed after failover moved on: nothing', record({ currentStep: 1, steps: [step(0, 'call', 'failed'), step(1, 'sms', 'active')] }), { CallSid: 'CA1', CallStatus: 'completed' }, null],
    ['canceled after the challenge was approved: nothing', record({ status: 'approved' }), { CallSid: 'CA1', CallStatus: 'canceled' }, null],
    ['busy after advance moved on: nothing', record({ currentStep: 1, steps: [step(0, 'call', 'skipped'), step(1, 'sms', 'active')] }), { CallSid: 'CA1', CallStatus: 'busy' }, null],
    ['a late ringing after the answer: nothing', record({}, attempt({ status: 'answered', statusRank: 4 })), { CallSid: 'CA1', CallStatus: 'ringing' }, null],
  ];
  it.each(rows)('%s', async (_name, locked, params, outcome) => {
    const { webhooks, applied } = service(locked);
    await webhooks.callStatus(params, A1);
    expect(applied[0].outcome).toEqual(outcome);
  });

  it('after the challenge moved on, the attempt still records its end, with no reason', async () => {
    const { webhooks, applied } = service(record({ status: 'canceled' }));
    await webhooks.callStatus({ CallSid: 'CA1', CallStatus: 'completed' }, A1);
    expect(applied[0].patches.get(A1)).toEqual({ status: 'completed', statusRank: 5, finishedAt: expect.any(Date) });
  });
});

describe('TwilioWebhooksService.voice', () => {
  const prompt = buildPromptTwiml({ gatherActionUrl: `${BASE}/gather`, redirectUrl: BASE, purpose: 'sign_in' });

  it('answered: the prompt, counted, and the attempt answered', async () => {
    const { webhooks, applied } = service(record());
    expect(await webhooks.voice(A1, { CallSid: 'CA1', AnsweredBy: 'human' })).toBe(prompt);
    expect(applied[0].outcome).toEqual({ type: 'answered', step: 0, attemptNo: 1 });
    expect(applied[0].patches.get(A1)).toMatchObject({ promptsPlayed: 1, status: 'answered' });
  });

  it('a machine: goodbye, and the step fails as voicemail', async () => {
    const { webhooks, applied } = service(record());
    expect(await webhooks.voice(A1, { CallSid: 'CA1', AnsweredBy: 'machine_start' })).toBe(buildGoodbyeTwiml(CALL_GOODBYE.machine));
    expect(applied[0].outcome).toEqual({ type: 'step_failed', reason: 'voicemail', step: 0, attemptNo: 1 });
    expect(applied[0].patches.get(A1)).toEqual({ answeredBy: 'machine_start', reason: 'voicemail' });
  });

  it('the prompt limit: silence once more is no answer', async () => {
    const { webhooks, applied } = service(record({}, attempt({ status: 'answered', statusRank: 4, promptsPlayed: MAX_PROMPTS })));
    expect(await webhooks.voice(A1, { CallSid: 'CA1' })).toBe(buildGoodbyeTwiml(CALL_GOODBYE.noInput));
    expect(applied[0].outcome).toEqual({ type: 'step_failed', reason: 'no_answer', step: 0, attemptNo: 1 });
  });

  it('a challenge no longer pending: goodbye, nothing changes', async () => {
    const { webhooks, applied } = service(record({ status: 'expired' }));
    expect(await webhooks.voice(A1, { CallSid: 'CA1' })).toBe(buildGoodbyeTwiml(CALL_GOODBYE.inactive));
    expect(applied[0].outcome).toBeNull();
    expect(applied[0].patches.size).toBe(0);
  });

  it('an attempt nobody knows: goodbye', async () => {
    const { webhooks } = service(undefined);
    expect(await webhooks.voice(A1, { CallSid: 'CA1' })).toBe(buildGoodbyeTwiml(CALL_GOODBYE.inactive));
    expect(warnings).toEqual([`callback for an unknown attempt (${A1}) ignored`]);
  });
});

describe('TwilioWebhooksService.gather', () => {
  const answered = () => record({}, attempt({ status: 'answered', statusRank: 4, promptsPlayed: 1 }));

  it('# approves', async () => {
    const { webhooks, applied } = service(answered());
    expect(await webhooks.gather(A1, { Digits: '#' })).toBe(buildGoodbyeTwiml(CALL_GOODBYE.approved));
    expect(applied[0].outcome).toEqual({ type: 'approved_by_call', step: 0, attemptNo: 1 });
  });

  it('0 asks for # to confirm; that # reports fraud', async () => {
    const first = service(answered());
    expect(await first.webhooks.gather(A1, { Digits: '0' })).toBe(buildFraudConfirmTwiml({ gatherActionUrl: `${BASE}/gather?prompt=confirm_fraud`, redirectUrl: BASE }));
    expect(first.applied[0].outcome).toBeNull();
    expect(first.applied[0].patches.size).toBe(0);

    const second = service(answered());
    expect(await second.webhooks.gather(A1, { Digits: '#' }, 'confirm_fraud')).toBe(buildGoodbyeTwiml(CALL_GOODBYE.denied));
    expect(second.applied[0].outcome).toEqual({ type: 'fraud_reported', step: 0, attemptNo: 1 });
    expect(second.applied[0].patches.get(A1)).toEqual({ reason: 'fraud_reported' });
  });

  const others: Array<[string, string | undefined]> = [
    ['1', undefined],
    ['*', undefined],
    ['0', 'confirm_fraud'],
  ];
  it.each(others)('key %p (prompt %p) plays the prompt again, counted', async (digits, promptName) => {
    const { webhooks, applied } = service(answered());
    expect(await webhooks.gather(A1, { Digits: digits }, promptName)).toBe(buildPromptTwiml({ gatherActionUrl: `${BASE}/gather`, redirectUrl: BASE, purpose: 'sign_in' }));
    expect(applied[0].outcome).toBeNull();
    expect(applied[0].patches.get(A1)).toEqual({ promptsPlayed: 2 });
  });

  it('another key past the prompt limit is no answer', async () => {
    const { webhooks, applied } = service(record({}, attempt({ status: 'answered', statusRank: 4, promptsPlayed: MAX_PROMPTS })));
    expect(await webhooks.gather(A1, { Digits: '7' })).toBe(buildGoodbyeTwiml(CALL_GOODBYE.noInput));
    expect(applied[0].outcome).toEqual({ type: 'step_failed', reason: 'no_answer', step: 0, attemptNo: 1 });
  });
});
