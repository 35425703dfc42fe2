import { DeadlineSubject, needsWakeUp, pendingStepDeadline, stepWakeUp } from './step-wake-up';

const T = Date.UTC(2026, 10, 30, 12, 0, 0);

function subject(over: Partial<DeadlineSubject> = {}): DeadlineSubject {
  return {
    status: 'pending',
    currentStep: 0,
    nextAction: 'step_timeout',
    nextActionAt: new Date(T),
    attempts: [{ stepIndex: 0, attemptNo: 1 }],
    ...over,
  };
}

describe('pendingStepDeadline', () => {
  it.each<[string, Partial<DeadlineSubject>, ReturnType<typeof pendingStepDeadline>]>([
    ['a pending step deadline: the current step, its latest attempt', {}, { step: 0, attemptNo: 1, deadline: T }],
    ['the latest attempt of the current step', { currentStep: 1, attempts: [{ stepIndex: 0, attemptNo: 1 }, { stepIndex: 1, attemptNo: 1 }, { stepIndex: 1, attemptNo: 2 }] }, { step: 1, attemptNo: 2, deadline: T }],
    ['waiting for a dispatch', { nextAction: 'dispatch' }, undefined],
    ['no deadline', { nextAction: null, nextActionAt: null }, undefined],
    ['finished', { status: 'approved' }, undefined],
  ])('%s', (_name, over, expected) => {
    expect(pendingStepDeadline(subject(over))).toEqual(expected);
  });
});

describe('needsWakeUp', () => {
  const after = { step: 0, attemptNo: 1, deadline: T + 5000 };
  it.each<[string, Parameters<typeof needsWakeUp>[0], boolean]>([
    ['no deadline before (a step just sent)', undefined, true],
    ['the same attempt, an earlier deadline (a text delivered after it was sent): its wake-up defers', { step: 0, attemptNo: 1, deadline: T }, false],
    ['the same attempt, the same deadline', { step: 0, attemptNo: 1, deadline: T + 5000 }, false],
    ['the same attempt, a later deadline: it would wake too late', { step: 0, attemptNo: 1, deadline: T + 9000 }, true],
    ['another attempt of the step (a retry)', { step: 0, attemptNo: 2, deadline: T }, true],
    ['another step (failover)', { step: 1, attemptNo: 1, deadline: T }, true],
  ])('%s → %s', (_name, before, expected) => {
    expect(needsWakeUp(before, after)).toBe(expected);
  });
});

describe('stepWakeUp', () => {
  const job = { step: 0, attemptNo: 1, deadline: T };
  it.each<[string, Partial<DeadlineSubject>, ReturnType<typeof stepWakeUp>]>([
    ['its deadline is the one set: time out', {}, { kind: 'time_out' }],
    ['the deadline moved later (delivered): wake up again then', { nextActionAt: new Date(T + 60_000) }, { kind: 'later', deadline: T + 60_000 }],
    ['the deadline moved earlier: that deadline has its own wake-up', { nextActionAt: new Date(T - 1000) }, { kind: 'none' }],
    ['another attempt of the step waits', { attempts: [{ stepIndex: 0, attemptNo: 1 }, { stepIndex: 0, attemptNo: 2 }] }, { kind: 'none' }],
    ['failover moved to another step', { currentStep: 1, attempts: [{ stepIndex: 0, attemptNo: 1 }, { stepIndex: 1, attemptNo: 1 }] }, { kind: 'none' }],
    ['waiting for a dispatch', { nextAction: 'dispatch' }, { kind: 'none' }],
    ['approved', { status: 'approved', nextAction: null, nextActionAt: null }, { kind: 'none' }],
  ])('%s', (_name, over, expected) => {
    expect(stepWakeUp(subject(over), job)).toEqual(expected);
  });
});
