import { attemptToDispatch, callsToEnd, challengeStateOf, latestTextAttempt, StoredChallenge, stepAttemptNo } from './challenge-state';

const DONE = new Date('2026-12-01T10:00:00Z');

function stored(patch: Partial<StoredChallenge> = {}): StoredChallenge {
  return {
    status: 'pending',
    currentStep: 0,
    sends: 1,
    wrongCodes: 0,
    nextAction: 'step_timeout',
    steps: [
      { index: 0, method: 'call', status: 'active', reason: null },
      { index: 1, method: 'sms', status: 'waiting', reason: null },
    ],
    attempts: [],
    ...patch,
  };
}

const attempt = (stepIndex: number, attemptNo: number, method = 'call', finishedAt: Date | null = null) => ({ stepIndex, attemptNo, method, finishedAt });

describe('stepAttemptNo (the attempt a step is on)', () => {
  const rows: Array<[string, StoredChallenge, number, number]> = [
    ['a step never started: 0', stored(), 1, 0],
    ['the highest stored attempt', stored({ attempts: [attempt(0, 1, 'call', DONE), attempt(0, 2)] }), 0, 2],
    ['attempts of other steps do not count', stored({ attempts: [attempt(1, 3, 'sms'), attempt(0, 1)] }), 0, 1],
  ];
  it.each(rows)('%s', (_name, record, step, expected) => {
    expect(stepAttemptNo(record, step)).toBe(expected);
  });
});

describe('latestTextAttempt (the attempt whose code a check compares against)', () => {
  const rows: Array<[string, ReturnType<typeof attempt>[], [number, number] | undefined]> = [
    ['nothing texted', [attempt(0, 1)], undefined],
    ['the one text', [attempt(0, 1), attempt(1, 1, 'sms')], [1, 1]],
    ['a later step replaces an earlier text', [attempt(2, 1, 'sms'), attempt(0, 1, 'sms'), attempt(1, 1)], [2, 1]],
    ['a re-sent text replaces the first', [attempt(0, 2, 'sms'), attempt(0, 1, 'sms', DONE)], [0, 2]],
    ['a call after the text leaves the text the latest', [attempt(0, 1, 'sms'), attempt(1, 1)], [0, 1]],
  ];
  it.each(rows)('%s', (_name, attempts, expected) => {
    const latest = latestTextAttempt(attempts);
    expect(latest === undefined ? undefined : [latest.stepIndex, latest.attemptNo]).toEqual(expected);
  });
});

describe('attemptToDispatch (the attempt whose job the reconciler re-creates)', () => {
  const waiting = { nextAction: 'dispatch' };
  const rows: Array<[string, StoredChallenge, [number, number] | undefined]> = [
    ['the current step\'s unfinished attempt', stored({ ...waiting, attempts: [attempt(0, 1)] }), [0, 1]],
    ['its latest one after a retry', stored({ ...waiting, attempts: [attempt(0, 1, 'call', DONE), attempt(0, 2)] }), [0, 2]],
    ['none once the attempt finished', stored({ ...waiting, attempts: [attempt(0, 1, 'call', DONE)] }), undefined],
    ['none while the step waits for its deadline', stored({ attempts: [attempt(0, 1)] }), undefined],
    ['none for a final challenge', stored({ ...waiting, status: 'canceled', attempts: [attempt(0, 1)] }), undefined],
    ['an earlier step\'s attempt is not the current one', stored({ ...waiting, currentStep: 1, attempts: [attempt(0, 1)] }), undefined],
  ];
  it.each(rows)('%s', (_name, record, expected) => {
    const found = attemptToDispatch(record);
    expect(found === undefined ? undefined : [found.stepIndex, found.attemptNo]).toEqual(expected);
  });
});

describe('challengeStateOf', () => {
  it('reads the state machine state from a stored challenge', () => {
    const state = challengeStateOf(stored({ sends: 2, wrongCodes: 1, attempts: [attempt(0, 1)] }));
    expect(state).toEqual({
      status: 'pending',
      currentStep: 0,
      steps: [
        { index: 0, method: 'call', status: 'active', reason: undefined, attempts: 1 },
        { index: 1, method: 'sms', status: 'waiting', reason: undefined, attempts: 0 },
      ],
      sends: 2,
      wrongCodes: 1,
      hasCode: false,
    });
  });

  it('has a code once a text attempt exists', () => {
    expect(challengeStateOf(stored({ attempts: [attempt(0, 1), attempt(1, 1, 'sms')] })).hasCode).toBe(true);
  });
});

describe('callsToEnd', () => {
  const a = (id: string, stepIndex: number, providerSid: string | null, finishedAt: Date | null) => ({ id, stepIndex, providerSid, finishedAt });
  const rows: Array<[string, ReturnType<typeof a>[], string[]]> = [
    ['a placed, unfinished call of the step', [a('x', 0, 'CA1', null)], ['x']],
    ['a call still being placed (no SID) is left to its dispatch job', [a('x', 0, null, null)], []],
    ['a call that ended is not ended again', [a('x', 0, 'CA1', DONE)], []],
    ['calls of other steps are not touched', [a('x', 1, 'CA1', null)], []],
    ['a retried step: only the live call', [a('x', 0, 'CA1', DONE), a('y', 0, 'CA2', null)], ['y']],
  ];
  it.each(rows)('%s', (_name, attempts, expected) => {
    expect(callsToEnd(attempts, 0).map((x) => x.id)).toEqual(expected);
  });
});
