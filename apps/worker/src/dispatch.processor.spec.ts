import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { type AppConfig, deriveKeys } from '@redial/config';
import type { DispatchJob } from '@redial/contracts';
import type { AttemptRecord, ChallengeRecord, ChallengeRepository, DispatchTarget, StepRecord } from '@redial/database';
import { textCode } from '@redial/domain';
import type { ApplyOptions, ChallengeEngine } from '@redial/engine';
import type { QueueService } from '@redial/queue';
import { rankOf, type ProviderReceipt, type ProviderVerdict, type SentQuery, type TelephonyProvider } from '@redial/telephony';
import { CostEstimator, type SendGuard, type SendRefusal } from '@redial/guard';
import { strictFake } from '../../../test/support/strict-fake';
import { DispatchProcessor } from './dispatch.processor';

const ID = '0b5c8f1e-5d1f-4f8e-9b3a-6a1d2c3b4a50';
const ATTEMPT = 'a7a1c2d3-0000-4000-8000-000000000001';
const SECRET = 'unit-test-secret-0123456789';
const KEYS = deriveKeys(SECRET);
const CODE = textCode(KEYS.smsCodes, ATTEMPT);
const config = { tokenSecret: SECRET, keys: KEYS, publicUrl: 'https://redial.example', callRingTimeoutSec: 30, spend: { pricesFile: undefined, dailyCapUsd: 100 } };
/** The real estimator over the default price table: US texts are one segment at $0.0079. */
const costs = new CostEstimator(config as unknown as AppConfig);

beforeAll(() => Logger.overrideLogger(false));

/** A fake with only `members`; anything else the processor touches throws, and the error reaches the test. */
const fake = <T extends object>(name: string, members: object = {}): T => strictFake<T>(name, members as Partial<T>);

function step(index: number, method: 'sms' | 'call', status = 'active'): StepRecord {
  return {
    index, role: index === 0 ? 'primary' : 'backup', e164: `+1201555010${index}`, masked: '+1 ••• ••• ••0', country: 'US', method, extension: null,
    label: null, status, reason: null, startedAt: null, endedAt: null,
  };
}

function attempt(fields: Partial<AttemptRecord> = {}): AttemptRecord {
  const at = new Date();
  return {
    id: ATTEMPT, challengeId: ID, stepIndex: 0, attemptNo: 1, method: 'sms', provider: 'twilio', providerSid: null, status: 'queued',
    statusRank: rankOf('queued'), errorCode: null, reason: null, answeredBy: null, promptsPlayed: 0, createdAt: at, updatedAt: at, sentAt: null,
    deliveredAt: null, finishedAt: null, ...fields,
  };
}

/** What the one read before a send finds: the attempt, its step, its challenge (whole). */
function target(fields: { challenge?: Partial<ChallengeRecord>; step?: StepRecord; attempt?: Partial<AttemptRecord> } = {}): DispatchTarget {
  const found = { step: fields.step ?? step(0, 'sms'), attempt: attempt(fields.attempt) };
  return { ...found, challenge: locked({ steps: [found.step, step(1, 'call', 'waiting')], attempts: [found.attempt], ...fields.challenge }) };
}

/** The challenge as the engine's lock finds it when the send is recorded (and, by default, as read before). */
function locked(fields: Partial<ChallengeRecord> = {}): ChallengeRecord {
  const at = new Date();
  return {
    id: ID, userId: 'u1', purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, wrongCodes: 0, sends: 1, fraudReported: false,
    nextActionAt: at, nextAction: 'dispatch', expiresAt: new Date(Date.now() + 600_000), approvedAt: null, finishedAt: null, firstDeliveryAt: null,
    lastSeq: 2, version: 1, requestId: null, createdAt: at, updatedAt: at, steps: [step(0, 'sms'), step(1, 'call', 'waiting')], attempts: [attempt()], ...fields,
  };
}

/** A BullMQ job of this attempt; `stalled`: its worker died mid-run before. */
function job(data: Partial<DispatchJob> = {}, opts: { attemptsMade?: number; attempts?: number; stalled?: number } = {}) {
  const updates: DispatchJob[] = [];
  const j = {
    data: { challengeId: ID, step: 0, attemptNo: 1, attemptId: ATTEMPT, ...data },
    attemptsMade: opts.attemptsMade ?? 0,
    stalledCounter: opts.stalled ?? 0,
    opts: { attempts: opts.attempts ?? 8 },
    updateData: jest.fn(async (d: DispatchJob) => void updates.push(d)),
  };
  return Object.assign(j as unknown as Job<DispatchJob>, { updates });
}

type Applied = { outcome: unknown; updates: Array<[string, Record<string, unknown>]>; options?: ApplyOptions };

/**
 * The processor over strict fakes. `found` is what the read before the send finds; `atRecord` the challenge as
 * the engine's lock finds it afterwards. The repository has only the read (and `claimedSids` when a scenario
 * gives it): nothing else may be written or read before the send. Only the members a scenario passes exist.
 */
function setUp(scenario: {
  found: DispatchTarget | undefined;
  atRecord?: ChallengeRecord;
  provider?: Partial<Record<keyof TelephonyProvider, unknown>>;
  queues?: Partial<Record<keyof QueueService, unknown>>;
  claimed?: string[];
  /** The abuse and cost controls: by default every check allows the send. */
  refusal?: SendRefusal;
}) {
  const repo = fake<ChallengeRepository>('challenges', {
    findForDispatch: jest.fn(async (attemptId: string) => {
      expect(attemptId).toBe(ATTEMPT);
      return scenario.found;
    }),
    ...(scenario.claimed && { claimedSids: jest.fn(async (sids: string[]) => new Set(sids.filter((s) => scenario.claimed?.includes(s)))) }),
  });
  const applied: Applied[] = [];
  const engine = fake<ChallengeEngine>('engine', {
    apply: jest.fn(async (id: string, outcome: unknown, before?: (writes: unknown, record: ChallengeRecord) => Promise<unknown>, options?: ApplyOptions) => {
      expect(id).toBe(ID);
      const updates: Applied['updates'] = [];
      const writes = fake('writes', { update: (attemptId: string, patch: Record<string, unknown>) => updates.push([attemptId, patch]) });
      const decided = before ? await before(writes, scenario.atRecord ?? locked()) : outcome;
      applied.push(options === undefined ? { outcome: decided, updates } : { outcome: decided, updates, options });
      return decided ? { decision: { changed: true } } : undefined;
    }),
  });
  const provider = fake<TelephonyProvider>('provider', { name: 'twilio', ...scenario.provider });
  const queues = fake<QueueService>('queues', scenario.queues);
  const guard = fake<SendGuard>('guard', {
    check: jest.fn(async () => scenario.refusal ?? null),
    sent: jest.fn(async () => undefined),
  });
  const processor = new DispatchProcessor(fake<AppConfig>('config', config), provider, repo, engine, queues, guard, costs);
  return { processor, repo, engine, applied, guard };
}

const verdict = (v: ProviderVerdict) => jest.fn(() => v);
const sent = (sid: string) => jest.fn(async (): Promise<ProviderReceipt> => ({ sid, status: 'queued' }));
const recorded = (sid: string) => ({
  outcome: { type: 'sent', step: 0, attemptNo: 1 },
  updates: [[ATTEMPT, { providerSid: sid, sentAt: expect.any(Date), costUsd: 0.0079, costUnits: 1 }]],
  options: { durable: false, expected: expect.objectContaining({ id: ID }) },
});

describe('DispatchProcessor acts only while the challenge wants the attempt', () => {
  it.each([
    ['the attempt is gone', undefined, 'attempt gone'],
    ['the challenge is approved', target({ challenge: { status: 'approved' } }), 'no longer current'],
    ['the challenge moved to another step', target({ challenge: { currentStep: 1 } }), 'no longer current'],
    ['the step is no longer active', target({ step: step(0, 'sms', 'failed') }), 'no longer current'],
    ['the challenge has expired', target({ challenge: { expiresAt: new Date(Date.now() - 1000) } }), 'expired'],
    ['the attempt already failed', target({ attempt: { status: 'failed', statusRank: rankOf('failed'), finishedAt: new Date() } }), 'attempt finished'],
  ])('%s: nothing is written or sent', async (_name, found, answer) => {
    const { processor, applied } = setUp({ found });
    await expect(processor.process(job())).resolves.toBe(answer);
    expect(applied).toEqual([]);
  });
});

describe('DispatchProcessor sends', () => {
  it('a text: one read, nothing written before the send, the attempt`s own code, then one write of the SID and `sent` that need not wait for the disk, decided on the challenge that read found', async () => {
    const sendSms = sent('SM1');
    const found = target();
    const { processor, repo, applied } = setUp({ found, provider: { sendSms } });
    await expect(processor.process(job())).resolves.toBe('SM1');
    expect(applied[0].options?.expected).toBe(found.challenge);
    expect(repo.findForDispatch).toHaveBeenCalledTimes(1);
    const [request] = sendSms.mock.calls[0] as unknown as [{ to: string; body: string; statusCallbackUrl: string }];
    expect(request).toMatchObject({ to: '+12015550100', statusCallbackUrl: `https://redial.example/webhooks/twilio/sms-status?attempt=${ATTEMPT}` });
    expect(request.body.split('\n').at(-1)).toBe(`@redial.example #${CODE}`);
    expect(request.body).toContain(`code is ${CODE}.`);
    expect(applied).toEqual([recorded('SM1')]);
  });

  it('the same attempt always texts the same code (a retry sends what the first try would have)', async () => {
    const sendSms = sent('SM2');
    const { processor } = setUp({ found: target(), provider: { sendSms } });
    await processor.process(job());
    await processor.process(job({}, { attemptsMade: 1 }));
    const bodies = (sendSms.mock.calls as unknown as Array<[{ body: string }]>).map(([r]) => r.body.split('\n').at(-1));
    expect(bodies).toEqual([`@redial.example #${CODE}`, `@redial.example #${CODE}`]);
  });

  it('a text the provider refused costs nothing: no estimate is written', async () => {
    const sendSms = jest.fn(async () => Promise.reject(new Error('no')));
    const { processor, applied } = setUp({ found: target(), provider: { sendSms, classifyError: verdict({ action: 'fail_step', reason: 'invalid_number', code: 21211 }) } });
    await processor.process(job()).catch(() => undefined);
    expect(applied[0].updates[0][1]).not.toHaveProperty('costUsd');
  });

  it('recording leaves the attempt`s status alone (the transition wrote it; a callback may have moved it on)', async () => {
    const { processor, applied } = setUp({ found: target(), provider: { sendSms: sent('SM3') } });
    await processor.process(job());
    expect(applied[0].updates[0][1]).not.toHaveProperty('status');
  });
});

describe('DispatchProcessor after a crash between sending and recording', () => {
  it('an attempt whose SID is recorded is not sent again: `sent` is confirmed while the step still waits for it', async () => {
    const { processor, applied } = setUp({ found: target({ attempt: { providerSid: 'SM9' } }) });
    await expect(processor.process(job())).resolves.toBe('already sent');
    expect(applied).toEqual([{ outcome: { type: 'sent', step: 0, attemptNo: 1 }, updates: [] }]);
  });

  it('confirms nothing once the step has its deadline', async () => {
    const { processor, applied } = setUp({ found: target({ attempt: { providerSid: 'SM9' } }), atRecord: locked({ nextAction: 'step_timeout' }) });
    await expect(processor.process(job())).resolves.toBe('already sent');
    expect(applied).toEqual([{ outcome: null, updates: [] }]);
  });

  it.each([
    ['a job that stalled (its worker died mid-run)', job({}, { stalled: 1 })],
    ['a job the reconciler re-created', job({ mayHaveSent: true })],
  ])('%s looks at the provider first, finds the text by its code line, and adopts it instead of sending', async (_name, rerun) => {
    const findSent = jest.fn(async (_q: SentQuery) => [{ sid: 'SM7', status: 'sent' }]);
    const found = target();
    const { processor, applied, guard } = setUp({ found, provider: { findSent }, claimed: [] });
    await expect(processor.process(rerun)).resolves.toBe('SM7');
    expect(findSent).toHaveBeenCalledWith({ channel: 'sms', to: '+12015550100', since: found.attempt.createdAt, bodyIncludes: `@redial.example #${CODE}` });
    expect(guard.check).not.toHaveBeenCalled();
    expect(guard.sent).toHaveBeenCalledTimes(1); // the budgets count what went out
    expect(applied).toEqual([recorded('SM7')]);
  });

  it('a re-run that finds nothing at the provider sends', async () => {
    const sendSms = sent('SM8');
    const { processor, applied } = setUp({ found: target(), provider: { findSent: jest.fn(async () => []), sendSms }, claimed: [] });
    await expect(processor.process(job({ mayHaveSent: true }))).resolves.toBe('SM8');
    expect(sendSms).toHaveBeenCalledTimes(1);
    expect(applied).toEqual([recorded('SM8')]);
  });

  it('a call found at the provider is adopted only if no other attempt holds it', async () => {
    const findSent = jest.fn(async (_q: SentQuery) => [{ sid: 'CA1', status: 'completed' }, { sid: 'CA2', status: 'ringing' }]);
    const found = target({ step: step(0, 'call'), attempt: { method: 'call' } });
    const { processor } = setUp({ found, provider: { findSent }, claimed: ['CA1'] });
    await expect(processor.process(job({}, { stalled: 1 }))).resolves.toBe('CA2');
    expect(findSent).toHaveBeenCalledWith({ channel: 'call', to: '+12015550100', since: found.attempt.createdAt });
  });

  it('a send whose record fails (PostgreSQL away) marks the job: its next try looks at the provider instead of sending again', async () => {
    const j = job();
    const { processor, engine } = setUp({ found: target(), provider: { sendSms: sent('SM1') } });
    (engine.apply as jest.Mock).mockRejectedValueOnce(new Error('connection refused'));
    await expect(processor.process(j)).rejects.toThrow('connection refused');
    expect(j.updates).toEqual([{ ...j.data, mayHaveSent: true }]);
  });

  it('a first run does not look', async () => {
    const { processor } = setUp({ found: target(), provider: { sendSms: sent('SM1') } });
    await expect(processor.process(job())).resolves.toBe('SM1');
  });
});

describe('DispatchProcessor on a provider error', () => {
  const refused = () => jest.fn(async () => Promise.reject(new Error('provider said no')));

  it('a transient error throws for BullMQ to retry, and changes nothing', async () => {
    const j = job({}, { attemptsMade: 2 });
    const { processor, applied } = setUp({ found: target(), provider: { sendSms: refused(), classifyError: verdict({ action: 'retry', reason: 'rate_limited', code: 20429 }) } });
    const error = await processor.process(j).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(applied).toEqual([]);
    expect(j.updates).toEqual([]); // a 429 was never processed: the next try need not look
  });

  it('an ambiguous one (the request may have been processed) marks the job so the next try looks before sending', async () => {
    const j = job();
    const { processor, applied } = setUp({ found: target(), provider: { sendSms: refused(), classifyError: verdict({ action: 'retry', reason: 'network_error', ambiguous: true }) } });
    await expect(processor.process(j)).rejects.toThrow(/transient/);
    expect(j.updates).toEqual([{ ...j.data, mayHaveSent: true }]);
    expect(applied).toEqual([]);
  });

  it('a transient error on the last try fails the step (`provider_error`) and is not retried', async () => {
    const { processor, applied } = setUp({ found: target(), provider: { sendSms: refused(), classifyError: verdict({ action: 'retry', reason: 'rate_limited', code: 20429 }) } });
    await expect(processor.process(job({}, { attemptsMade: 7, attempts: 8 }))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(applied).toEqual([
      {
        outcome: { type: 'step_failed', step: 0, attemptNo: 1, reason: 'provider_error', errorCode: 20429 },
        updates: [[ATTEMPT, expect.objectContaining({ status: 'failed', statusRank: rankOf('failed'), errorCode: 20429, reason: 'provider_error' })]],
      },
    ]);
  });

  it('asks the abuse and cost controls before sending, and tells them once the text went out', async () => {
    const { processor, guard } = setUp({ found: target(), provider: { sendSms: sent('SM1') } });
    await processor.process(job());
    const context = { challengeId: ID, userId: 'u1', purpose: 'sign_in', attemptId: ATTEMPT, stepIndex: 0, attemptNo: 1, method: 'sms', e164: '+12015550100', country: 'US', cost: { usd: 0.0079, units: 1 } };
    expect(guard.check).toHaveBeenCalledWith(context);
    expect(guard.sent).toHaveBeenCalledWith(context);
  });

  it.each(['rate_limited', 'geo_blocked', 'destination_suspended', 'spend_cap_reached'] as const)(
    'a send the controls refuse (%s) goes nowhere: the step fails with that reason, not retried',
    async (reason) => {
      const { processor, applied, guard } = setUp({ found: target(), refusal: { reason, detail: 'test' } });
      await expect(processor.process(job())).resolves.toBe(`refused: ${reason}`);
      expect(guard.sent).not.toHaveBeenCalled();
      expect(applied).toEqual([
        {
          outcome: { type: 'step_failed', step: 0, attemptNo: 1, reason, errorCode: undefined },
          updates: [[ATTEMPT, expect.objectContaining({ status: 'failed', reason, errorCode: null })]],
        },
      ]);
    },
  );

  it('a permanent error fails the step at once, with its reason, on the first try', async () => {
    const { processor, applied } = setUp({ found: target(), provider: { sendSms: refused(), classifyError: verdict({ action: 'fail_step', reason: 'invalid_number', code: 21211 }) } });
    await expect(processor.process(job())).rejects.toBeInstanceOf(UnrecoverableError);
    expect(applied).toEqual([
      {
        outcome: { type: 'step_failed', step: 0, attemptNo: 1, reason: 'invalid_number', errorCode: 21211 },
        updates: [[ATTEMPT, expect.objectContaining({ status: 'failed', errorCode: 21211, reason: 'invalid_number' })]],
      },
    ]);
  });
});

describe('DispatchProcessor placing a call', () => {
  const onCallStep = () => target({ step: step(0, 'call'), attempt: { method: 'call' } });

  it('asks for machine detection and the voice URL of its attempt; ends nothing while the challenge is still on the step', async () => {
    const placeCall = sent('CA1');
    const { processor } = setUp({ found: onCallStep(), provider: { placeCall } });
    await expect(processor.process(job())).resolves.toBe('CA1');
    expect(placeCall).toHaveBeenCalledWith(expect.objectContaining({ to: '+12015550100', twimlUrl: `https://redial.example/webhooks/twilio/voice/${ATTEMPT}`, machineDetection: true, ringTimeoutSec: 30 }));
  });

  it.each([
    ['was canceled', locked({ status: 'canceled' })],
    ['moved to the next step', locked({ currentStep: 1 })],
  ])('the challenge %s while the call was being placed: the call is ended (end-call job)', async (_name, atRecord) => {
    const endCall = jest.fn(async () => ({}));
    const { processor } = setUp({ found: onCallStep(), atRecord, provider: { placeCall: sent('CA2') }, queues: { endCall } });
    await expect(processor.process(job())).resolves.toBe('CA2');
    expect(endCall).toHaveBeenCalledWith({ challengeId: ID, attemptId: ATTEMPT });
  });
});
