import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { type AppConfig, deriveKeys } from '@redial/config';
import type { DispatchJob } from '@redial/contracts';
import type { AttemptRecord, ChallengeRecord, ChallengeRepository, StepRecord } from '@redial/database';
import { codeMatches } from '@redial/domain';
import type { ChallengeEngine } from '@redial/engine';
import type { QueueService } from '@redial/queue';
import { rankOf, type ProviderVerdict, type TelephonyProvider } from '@redial/telephony';
import { CostEstimator, type SendGuard, type SendRefusal } from '@redial/guard';
import { strictFake } from '../../../test/support/strict-fake';
import { DispatchProcessor } from './dispatch.processor';

const ID = '0b5c8f1e-5d1f-4f8e-9b3a-6a1d2c3b4a50';
const ATTEMPT = 'a7a1c2d3-0000-4000-8000-000000000001';
const SECRET = 'unit-test-secret-0123456789';
/** The transaction is only passed through: a token the fakes check they get back. */
const TX_TOKEN = Object.freeze({ transaction: 'tx' });
const KEYS = deriveKeys(SECRET);
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

function challenge(fields: Partial<ChallengeRecord> = {}): ChallengeRecord {
  const at = new Date();
  return {
    id: ID, userId: 'u1', purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, codeHash: null, codeAttemptId: null,
    wrongCodes: 0, sends: 0, fraudReported: false, nextActionAt: null, nextAction: 'dispatch', expiresAt: new Date(Date.now() + 600_000),
    approvedAt: null, finishedAt: null, firstDeliveryAt: null, lastSeq: 1, version: 1, requestId: null, createdAt: at, updatedAt: at,
    steps: [step(0, 'sms'), step(1, 'call')], attempts: [], ...fields,
  };
}

const job = (data: Partial<DispatchJob> = {}, attemptsMade = 0, attempts = 8) =>
  ({ data: { challengeId: ID, step: 0, attemptNo: 1, ...data }, attemptsMade, opts: { attempts } }) as unknown as Job<DispatchJob>;

type Applied = { outcome: unknown; updates: Array<[string, Record<string, unknown>]> };

/**
 * The processor over strict fakes. `locked` is the challenge as `withLock` finds it; `afterSend` as the engine's
 * lock finds it once the provider answered. Only the members a scenario passes exist.
 */
function setUp(scenario: {
  locked: ChallengeRecord | undefined;
  afterSend?: ChallengeRecord;
  provider?: Partial<Record<keyof TelephonyProvider, unknown>>;
  queues?: Partial<Record<keyof QueueService, unknown>>;
  repo?: Partial<Record<keyof ChallengeRepository, unknown>>;
  /** The abuse and cost controls: by default every check allows the send. */
  refusal?: SendRefusal;
}) {
  const TX = TX_TOKEN;
  const created: AttemptRecord[] = [];
  const repo = fake<ChallengeRepository>('challenges', {
    withLock: jest.fn(async (id: string, fn: (tx: object, record: ChallengeRecord | undefined) => Promise<unknown>) => {
      expect(id).toBe(ID);
      return fn(TX, scenario.locked);
    }),
    createAttempt: jest.fn(async (tx: object, fresh: Omit<AttemptRecord, 'providerSid'>) => {
      expect(tx).toBe(TX);
      const row = attempt({ ...fresh });
      created.push(row);
      return row;
    }),
    ...scenario.repo,
  });
  const applied: Applied[] = [];
  const engine = fake<ChallengeEngine>('engine', {
    apply: jest.fn(async (id: string, outcome: unknown, before?: (writes: unknown, record: ChallengeRecord) => Promise<unknown>) => {
      expect(id).toBe(ID);
      const updates: Applied['updates'] = [];
      const writes = fake('writes', { update: (attemptId: string, patch: Record<string, unknown>) => updates.push([attemptId, patch]) });
      const decided = before ? await before(writes, scenario.afterSend ?? (scenario.locked as ChallengeRecord)) : outcome;
      applied.push({ outcome: decided, updates });
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
  return { processor, repo, engine, applied, created, guard };
}

const verdict = (v: ProviderVerdict) => jest.fn(() => v);

describe('DispatchProcessor acts only while the challenge is pending on that step', () => {
  it.each([
    ['the challenge is gone', undefined, 'challenge gone'],
    ['the challenge is approved', challenge({ status: 'approved' }), 'no longer current'],
    ['the challenge moved to another step', challenge({ currentStep: 1 }), 'no longer current'],
    ['the step is no longer active', challenge({ steps: [step(0, 'sms', 'failed'), step(1, 'call')] }), 'no longer current'],
    ['the challenge has expired', challenge({ expiresAt: new Date(Date.now() - 1000) }), 'expired'],
    ['the attempt already failed', challenge({ attempts: [attempt({ status: 'failed', statusRank: rankOf('failed') })] }), 'attempt failed'],
  ])('%s: nothing is written or sent', async (_name, locked, answer) => {
    const { processor, applied } = setUp({ locked });
    await expect(processor.process(job())).resolves.toBe(answer);
    expect(applied).toEqual([]);
  });
});

describe('DispatchProcessor sends', () => {
  it('a text: writes the attempt with a code hash, sends the code, stores the SID and records `sent`', async () => {
    const sendSms = jest.fn(async () => ({ sid: 'SM1', status: 'queued' }));
    const { processor, repo, applied, created } = setUp({ locked: challenge(), provider: { sendSms } });
    await expect(processor.process(job())).resolves.toBe('SM1');
    expect(repo.createAttempt).toHaveBeenCalledWith(TX_TOKEN, expect.objectContaining({ challengeId: ID, stepIndex: 0, attemptNo: 1, method: 'sms', status: 'queued' }), expect.any(String), true);
    const [, , codeHash] = (repo.createAttempt as jest.Mock).mock.calls[0];
    const request = sendSms.mock.calls[0] as unknown as [{ to: string; body: string; statusCallbackUrl: string }];
    const code = /\b(\d{6})\b/.exec(request[0].body)?.[1] as string;
    expect(codeMatches(code, codeHash, KEYS.codeHashes, ID, created[0].id)).toBe(true);
    expect(request[0]).toMatchObject({ to: '+12015550100', statusCallbackUrl: `https://redial.example/webhooks/twilio/sms-status?attempt=${created[0].id}` });
    expect(applied).toEqual([{ outcome: { type: 'sent', step: 0, attemptNo: 1 }, updates: [[created[0].id, expect.objectContaining({ providerSid: 'SM1', status: 'queued' })]] }]);
  });

  it('writes the estimated cost into the attempt when the text went out (one segment to the US)', async () => {
    const sendSms = jest.fn(async () => ({ sid: 'SM4', status: 'queued' }));
    const { processor, applied } = setUp({ locked: challenge(), provider: { sendSms } });
    await processor.process(job());
    expect(applied[0].updates[0][1]).toMatchObject({ costUsd: 0.0079, costUnits: 1 });
  });

  it('a text the provider refused costs nothing: no estimate is written', async () => {
    const sendSms = jest.fn(async () => Promise.reject(new Error('no')));
    const { processor, applied } = setUp({ locked: challenge(), provider: { sendSms, classifyError: jest.fn(() => ({ action: 'fail_step', reason: 'invalid_number', code: 21211 })) } });
    await processor.process(job()).catch(() => undefined);
    expect(applied[0].updates[0][1]).not.toHaveProperty('costUsd');
  });

  it('a retried text reuses the attempt row and mints a new code for it', async () => {
    const sendSms = jest.fn(async () => ({ sid: 'SM2', status: 'queued' }));
    const update = jest.fn(async () => undefined);
    const { processor, repo } = setUp({ locked: challenge({ attempts: [attempt()] }), provider: { sendSms }, repo: { update } });
    await expect(processor.process(job({}, 1))).resolves.toBe('SM2');
    expect(repo.createAttempt).not.toHaveBeenCalled();
    expect(update).toHaveBeenCalledWith(TX_TOKEN, ID, { codeHash: expect.any(String), codeAttemptId: ATTEMPT });
  });

  it('keeps a status a callback already moved forward when it records the SID', async () => {
    const sendSms = jest.fn(async () => ({ sid: 'SM3', status: 'queued' }));
    const afterSend = challenge({ attempts: [attempt({ status: 'delivered', statusRank: rankOf('delivered') })] });
    const { processor, applied } = setUp({ locked: challenge({ attempts: [attempt()] }), afterSend, provider: { sendSms }, repo: { update: jest.fn(async () => undefined) } });
    await processor.process(job());
    expect(applied[0].updates[0][1]).not.toHaveProperty('status');
    expect(applied[0].updates[0][1]).toMatchObject({ providerSid: 'SM3' });
  });
});

describe('DispatchProcessor after a crash between sending and recording', () => {
  it('an attempt that already has a SID is not sent again: `sent` is confirmed while the step still waits for it', async () => {
    const { processor, applied } = setUp({ locked: challenge({ attempts: [attempt({ providerSid: 'SM9' })] }) });
    await expect(processor.process(job())).resolves.toBe('already sent');
    expect(applied).toEqual([{ outcome: { type: 'sent', step: 0, attemptNo: 1 }, updates: [] }]);
  });

  it('confirms nothing once the step has its deadline', async () => {
    const locked = challenge({ nextAction: 'step_timeout', attempts: [attempt({ providerSid: 'SM9' })] });
    const { processor, applied } = setUp({ locked });
    await expect(processor.process(job())).resolves.toBe('already sent');
    expect(applied).toEqual([{ outcome: null, updates: [] }]);
  });
});

describe('DispatchProcessor on a provider error', () => {
  const refused = () => jest.fn(async () => Promise.reject(new Error('provider said no')));

  it('a transient error throws for BullMQ to retry, and changes nothing', async () => {
    const { processor, applied } = setUp({ locked: challenge(), provider: { sendSms: refused(), classifyError: verdict({ action: 'retry', reason: 'rate_limited', code: 20429 }) } });
    const error = await processor.process(job({}, 2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(applied).toEqual([]);
  });

  it('a transient error on the last try fails the step (`provider_error`) and is not retried', async () => {
    const { processor, applied, created } = setUp({ locked: challenge(), provider: { sendSms: refused(), classifyError: verdict({ action: 'retry', reason: 'rate_limited', code: 20429 }) } });
    await expect(processor.process(job({}, 7, 8))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(applied).toEqual([
      {
        outcome: { type: 'step_failed', step: 0, attemptNo: 1, reason: 'provider_error', errorCode: 20429 },
        updates: [[created[0].id, expect.objectContaining({ status: 'failed', statusRank: rankOf('failed'), errorCode: 20429, reason: 'provider_error' })]],
      },
    ]);
  });

  it('asks the abuse and cost controls before sending, and tells them once the text went out', async () => {
    const sendSms = jest.fn(async () => ({ sid: 'SM1', status: 'queued' }));
    const { processor, guard, created } = setUp({ locked: challenge(), provider: { sendSms } });
    await processor.process(job());
    const context = { challengeId: ID, userId: expect.any(String), purpose: expect.any(String), attemptId: created[0].id, stepIndex: 0, attemptNo: 1, method: 'sms', e164: '+12015550100', country: expect.any(String), cost: { usd: 0.0079, units: 1 } };
    expect(guard.check).toHaveBeenCalledWith(context);
    expect(guard.sent).toHaveBeenCalledWith(context);
  });

  it.each(['rate_limited', 'geo_blocked', 'destination_suspended', 'spend_cap_reached'] as const)(
    'a send the controls refuse (%s) goes nowhere: the step fails with that reason, not retried',
    async (reason) => {
      const { processor, applied, created, guard } = setUp({ locked: challenge(), refusal: { reason, detail: 'test' } });
      await expect(processor.process(job())).resolves.toBe(`refused: ${reason}`);
      expect(guard.sent).not.toHaveBeenCalled();
      expect(applied).toEqual([
        {
          outcome: { type: 'step_failed', step: 0, attemptNo: 1, reason, errorCode: undefined },
          updates: [[created[0].id, expect.objectContaining({ status: 'failed', reason, errorCode: null })]],
        },
      ]);
    },
  );

  it('a permanent error fails the step at once, with its reason, on the first try', async () => {
    const { processor, applied, created } = setUp({ locked: challenge(), provider: { sendSms: refused(), classifyError: verdict({ action: 'fail_step', reason: 'invalid_number', code: 21211 }) } });
    await expect(processor.process(job({}, 0))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(applied).toEqual([
      {
        outcome: { type: 'step_failed', step: 0, attemptNo: 1, reason: 'invalid_number', errorCode: 21211 },
        updates: [[created[0].id, expect.objectContaining({ status: 'failed', errorCode: 21211, reason: 'invalid_number' })]],
      },
    ]);
  });
});

describe('DispatchProcessor placing a call', () => {
  const onCallStep = (fields: Partial<ChallengeRecord> = {}) => challenge({ steps: [step(0, 'call')], ...fields });

  it('asks for machine detection and the voice URL of its attempt; ends nothing while the challenge is still on the step', async () => {
    const placeCall = jest.fn(async () => ({ sid: 'CA1', status: 'queued' }));
    const { processor, created } = setUp({ locked: onCallStep(), provider: { placeCall } });
    await expect(processor.process(job())).resolves.toBe('CA1');
    expect(placeCall).toHaveBeenCalledWith(expect.objectContaining({ to: '+12015550100', twimlUrl: `https://redial.example/webhooks/twilio/voice/${created[0].id}`, machineDetection: true, ringTimeoutSec: 30 }));
  });

  it.each([
    ['was canceled', onCallStep({ status: 'canceled' })],
    ['moved to the next step', onCallStep({ currentStep: 1 })],
  ])('the challenge %s while the call was being placed: the call is ended (end-call job)', async (_name, afterSend) => {
    const placeCall = jest.fn(async () => ({ sid: 'CA2', status: 'queued' }));
    const endCall = jest.fn(async () => ({}));
    const { processor, created } = setUp({ locked: onCallStep(), afterSend, provider: { placeCall }, queues: { endCall } });
    await expect(processor.process(job())).resolves.toBe('CA2');
    expect(endCall).toHaveBeenCalledWith({ challengeId: ID, attemptId: created[0].id });
  });
});
