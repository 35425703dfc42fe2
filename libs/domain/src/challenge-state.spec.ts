import { callsToEnd, challengeStateOf, StoredChallenge, stepAttemptNo } from './challenge-state';

const DONE = new Date('2026-12-01T10:00:00Z');

function stored(patch: Partial<StoredChallenge> = {}): StoredChallenge {
  return {
    status: 'pending',
    currentStep: 0,
    sends: 1,
    wrongCodes: 0,
    codeHash: null,
    nextAction: 'step_timeout',
    steps: [
      { index: 0, method: 'call', status: 'active', reason: null },
      { index: 1, method: 'sms', status: 'waiting', reason: null },
    ],
    attempts: [],
    ...patch,
  };
}

describe('stepAttemptNo (the attempt a step is on)', () => {
  const failedOver = [
    { index: 0, method: 'call', status: 'failed', reason: 'busy' },
    { index: 1, method: 'sms', status: 'active', reason: null },
  ];
  const rows: Array<[string, StoredChallenge, number, number]> = [
    ['a step never started: 0', stored(), 1, 0],
    ['a started step before its dispatch wrote the row: 1', stored({ nextAction: 'dispatch' }), 0, 1],
    ['the highest stored attempt', stored({ attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: DONE }, { stepIndex: 0, attemptNo: 2, finishedAt: null }] }), 0, 2],
    ['attempts of other steps do not count', stored({ attempts: [{ stepIndex: 1, attemptNo: 3, finishedAt: null }] }), 0, 1],
    ['a retry decided, not yet dispatched: the next one', stored({ nextAction: 'dispatch', attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: DONE }] }), 0, 2],
    ['the retry dispatched (its row exists): that one', stored({ nextAction: 'dispatch', attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: DONE }, { stepIndex: 0, attemptNo: 2, finishedAt: null }] }), 0, 2],
    ['a finished attempt waiting for its deadline is no retry', stored({ nextAction: 'step_timeout', attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: DONE }] }), 0, 1],
    ['a finished attempt of a step left behind is no retry', stored({ currentStep: 1, nextAction: 'dispatch', steps: failedOver, attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: DONE }] }), 0, 1],
    ['nor is one of a final challenge', stored({ status: 'approved', nextAction: null, steps: [{ index: 0, method: 'call', status: 'succeeded', reason: null }], attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: DONE }] }), 0, 1],
  ];
  it.each(rows)('%s', (_name, record, step, expected) => {
    expect(stepAttemptNo(record, step)).toBe(expected);
  });
});

describe('challengeStateOf', () => {
  it('reads the state machine state from a stored challenge', () => {
    const state = challengeStateOf(stored({ sends: 2, wrongCodes: 1, codeHash: 'h', attempts: [{ stepIndex: 0, attemptNo: 1, finishedAt: null }] }));
    expect(state).toEqual({
      status: 'pending',
      currentStep: 0,
      steps: [
        { index: 0, method: 'call', status: 'active', reason: undefined, attempts: 1 },
        { index: 1, method: 'sms', status: 'waiting', reason: undefined, attempts: 0 },
      ],
      sends: 2,
      wrongCodes: 1,
      hasCode: true,
    });
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
