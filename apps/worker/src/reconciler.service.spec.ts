import { Logger } from '@nestjs/common';
import type { AppConfig } from '@redial/config';
import { jobId, QueueName } from '@redial/contracts';
import type { AttemptRecord, ChallengeRecord, ChallengeRepository, StepRecord } from '@redial/database';
import type { ChallengeEngine } from '@redial/engine';
import type { QueueService } from '@redial/queue';
import { strictFake } from '../../../test/support/strict-fake';
import { ReconcilerService } from './reconciler.service';

const NOW = new Date('2026-06-01T12:00:00Z');
const ID = 'c0ffee00-0000-4000-8000-000000000001';
const later = (ms: number) => new Date(NOW.getTime() + ms);

/** A fake with only `members`; anything else throws (and the reconciler's warning for it fails the test). */
const fake = <T extends object>(name: string, members: object = {}): T => strictFake<T>(name, members as Partial<T>);

let warn: jest.SpyInstance;
beforeAll(() => Logger.overrideLogger(false));
beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn')));
// The reconciler logs and carries on when a challenge fails: a fake's "unexpected call" would end up here.
afterEach(() => {
  expect(warn).not.toHaveBeenCalled();
  warn.mockRestore();
});

type Overdue = Pick<ChallengeRecord, 'id' | 'nextAction' | 'nextActionAt' | 'expiresAt' | 'currentStep'>;
const overdue = (fields: Partial<Overdue>): Overdue => ({ id: ID, nextAction: 'dispatch', nextActionAt: later(-10_000), expiresAt: later(300_000), currentStep: 0, ...fields });

function step(index: number, method: 'sms' | 'call'): StepRecord {
  return { index, role: 'primary', e164: '+12015550100', masked: '+1 ••• ••• ••00', country: 'US', method, extension: null, label: null, status: 'active', reason: null, startedAt: null, endedAt: null };
}

function record(fields: Partial<ChallengeRecord>): ChallengeRecord {
  return {
    id: ID, userId: 'u1', purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, wrongCodes: 0,
    sends: 1, fraudReported: false, nextActionAt: later(-10_000), nextAction: 'dispatch', expiresAt: later(300_000), approvedAt: null, finishedAt: null,
    firstDeliveryAt: null, lastSeq: 1, version: 1, requestId: null, createdAt: later(-60_000), updatedAt: later(-60_000), steps: [step(0, 'sms')], attempts: [],
    ...fields,
  };
}

const attemptId = (stepIndex: number, attemptNo: number) => `a0000000-0000-4000-8000-0000000000${stepIndex}${attemptNo}`;
const attemptOf = (stepIndex: number, attemptNo: number, finishedAt: Date | null = null) => ({ id: attemptId(stepIndex, attemptNo), stepIndex, attemptNo, method: 'sms', finishedAt }) as AttemptRecord;

/** The reconciler over strict fakes; `engine.apply` runs the reconciler's check against `locked`. */
function setUp(scenario: { due: Overdue[]; locked?: ChallengeRecord; found?: ChallengeRecord; jobState?: string; queues?: object }) {
  const config = fake<AppConfig>('config', { reconcileIntervalMs: 300 });
  const challenges = fake<ChallengeRepository>('challenges', {
    overdue: jest.fn(async () => scenario.due),
    ...(scenario.found ? { find: jest.fn(async () => scenario.found) } : {}),
  });
  const outcomes: unknown[] = [];
  const engine = fake<ChallengeEngine>('engine', {
    apply: jest.fn(async (id: string, outcome: unknown, before?: (writes: unknown, record: ChallengeRecord) => Promise<unknown>) => {
      expect(id).toBe(ID);
      const decided = before ? await before(fake('writes'), scenario.locked as ChallengeRecord) : outcome;
      outcomes.push(decided);
      return decided ? { decision: { changed: true } } : undefined;
    }),
  });
  const queue = fake<{ getJobState: jest.Mock; remove: jest.Mock }>('queue', {
    getJobState: jest.fn(async () => scenario.jobState),
    remove: jest.fn(async () => 1),
  });
  const queues = fake<QueueService>('queues', { queue: jest.fn(() => queue), ...scenario.queues });
  return { reconciler: new ReconcilerService(config, challenges, engine, queues), challenges, engine, outcomes, queue, queues };
}

it('asks for the pending challenges overdue by more than the grace period (at least 2 s), or expired', async () => {
  const { reconciler, challenges } = setUp({ due: [] });
  expect(await reconciler.reconcile(NOW)).toBe(0);
  expect(challenges.overdue).toHaveBeenCalledWith(later(-2000), NOW, 500);
});

it('expires an expired challenge', async () => {
  const { reconciler, outcomes } = setUp({ due: [overdue({ expiresAt: later(-1), nextAction: 'step_timeout' })] });
  expect(await reconciler.reconcile(NOW)).toBe(1);
  expect(outcomes).toEqual([{ type: 'expire' }]);
});

describe('an overdue step deadline', () => {
  const deadline = later(-5000);

  it('times the step out, for its latest attempt', async () => {
    const locked = record({ nextAction: 'step_timeout', nextActionAt: deadline, attempts: [attemptOf(0, 1), attemptOf(0, 2), attemptOf(1, 1)] });
    const { reconciler, outcomes } = setUp({ due: [overdue({ nextAction: 'step_timeout', nextActionAt: deadline })], locked });
    expect(await reconciler.reconcile(NOW)).toBe(1);
    expect(outcomes).toEqual([{ type: 'step_timeout', step: 0, attemptNo: 2 }]);
  });

  it.each([
    ['the deadline moved meanwhile', record({ nextAction: 'step_timeout', nextActionAt: later(60_000) })],
    ['the step is no longer waiting for a deadline', record({ nextAction: 'dispatch', nextActionAt: deadline })],
  ])('does nothing when %s', async (_name, locked) => {
    const { reconciler, outcomes } = setUp({ due: [overdue({ nextAction: 'step_timeout', nextActionAt: deadline })], locked });
    expect(await reconciler.reconcile(NOW)).toBe(0);
    expect(outcomes).toEqual([null]);
  });
});

describe('an overdue dispatch', () => {
  // The new job may follow one that sent and died before recording it: it looks at the provider first.
  const data = { challengeId: ID, step: 0, attemptNo: 1, attemptId: attemptId(0, 1), mayHaveSent: true };

  it.each([['unknown'], ['completed'], ['failed']])('whose job is %s is enqueued again under its deterministic id, for the attempt the challenge waits on', async (state) => {
    const dispatch = jest.fn(async () => ({}));
    const { reconciler, queue, queues } = setUp({ due: [overdue({})], found: record({ attempts: [attemptOf(0, 1)] }), jobState: state, queues: { dispatch } });
    expect(await reconciler.reconcile(NOW)).toBe(1);
    expect(queues.queue).toHaveBeenCalledWith(QueueName.Texts);
    expect(queue.getJobState).toHaveBeenCalledWith(jobId.dispatch(data));
    // A job left with that id would swallow the new one: it goes first — finished, or in no list at all (what is
    // left of a job whose keys Redis lost while a worker was moving it reads as `unknown`).
    expect(queue.remove).toHaveBeenCalledWith(jobId.dispatch(data));
    expect(dispatch).toHaveBeenCalledWith('sms', data);
  });

  it('goes to the calls queue for a call step, with the step`s latest attempt (a retry the transition wrote)', async () => {
    const dispatch = jest.fn(async () => ({}));
    const found = record({ steps: [step(0, 'sms'), step(1, 'call')], currentStep: 1, attempts: [attemptOf(0, 1), attemptOf(1, 1, later(-5_000)), attemptOf(1, 2)] });
    const { reconciler, queues } = setUp({ due: [overdue({ currentStep: 1 })], found, jobState: 'unknown', queues: { dispatch } });
    expect(await reconciler.reconcile(NOW)).toBe(1);
    expect(queues.queue).toHaveBeenCalledWith(QueueName.Calls);
    expect(dispatch).toHaveBeenCalledWith('call', { challengeId: ID, step: 1, attemptNo: 2, attemptId: attemptId(1, 2), mayHaveSent: true });
  });

  it.each([['waiting'], ['active'], ['delayed'], ['prioritized'], ['waiting-children']])('whose job is %s is left alone', async (state) => {
    const { reconciler, queue } = setUp({ due: [overdue({})], found: record({ attempts: [attemptOf(0, 1)] }), jobState: state });
    expect(await reconciler.reconcile(NOW)).toBe(0);
    expect(queue.remove).not.toHaveBeenCalled();
  });

  it.each([
    ['the challenge is no longer pending', record({ status: 'approved', attempts: [attemptOf(0, 1)] })],
    ['its next action is no longer a dispatch', record({ nextAction: 'step_timeout', attempts: [attemptOf(0, 1)] })],
    ['its attempt has ended', record({ attempts: [attemptOf(0, 1, later(-5_000))] })],
  ])('is skipped when %s by the time it is read', async (_name, found) => {
    const { reconciler, queues } = setUp({ due: [overdue({})], found });
    expect(await reconciler.reconcile(NOW)).toBe(0);
    expect(queues.queue).not.toHaveBeenCalled();
  });
});

it('one challenge failing does not stop the pass: it is logged and the next one is reconciled', async () => {
  const second = 'c0ffee00-0000-4000-8000-000000000002';
  const apply = jest
    .fn()
    .mockRejectedValueOnce(new Error('deadlock detected'))
    .mockResolvedValueOnce({ decision: { changed: true } });
  const reconciler = new ReconcilerService(
    fake<AppConfig>('config', { reconcileIntervalMs: 300 }),
    fake<ChallengeRepository>('challenges', { overdue: jest.fn(async () => [overdue({ expiresAt: later(-1) }), overdue({ id: second, expiresAt: later(-1) })]) }),
    fake<ChallengeEngine>('engine', { apply }),
    fake<QueueService>('queues'),
  );
  expect(await reconciler.reconcile(NOW)).toBe(1);
  expect(apply.mock.calls.map(([id]) => id)).toEqual([ID, second]);
  expect(warn).toHaveBeenCalledWith(expect.stringContaining('deadlock detected'));
  warn.mockClear();
});
