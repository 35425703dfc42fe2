import { ChallengeState, decideNext, initialState, Outcome } from './challenge.machine';
import { DEFAULT_POLICY } from './challenge.policy';

const policy = DEFAULT_POLICY;

/** State after `start` with the given step methods, optionally advanced to step `at`. */
function running(methods: Array<'call' | 'sms'>, patch: Partial<ChallengeState> = {}): ChallengeState {
  const started = decideNext(initialState(methods), { type: 'start' }, policy).state;
  return { ...started, ...patch };
}

function onStep(methods: Array<'call' | 'sms'>, index: number, extra: Partial<ChallengeState> = {}): ChallengeState {
  const s = running(methods);
  s.steps = s.steps.map((st, i) => (i < index ? { ...st, status: 'failed', reason: 'no_answer', attempts: 1 } : i === index ? { ...st, status: 'active', attempts: 1 } : st));
  s.currentStep = index;
  s.sends = index + 1;
  return { ...s, ...extra };
}

/** Step 0 on its second attempt (a retry already made). */
function retried(methods: Array<'call' | 'sms'>, extra: Partial<ChallengeState> = {}): ChallengeState {
  const s = running(methods);
  s.steps = s.steps.map((st, i) => (i === 0 ? { ...st, attempts: 2 } : st));
  return { ...s, sends: 2, ...extra };
}

type Row = [
  string,
  ChallengeState,
  Outcome,
  {
    status: string;
    currentStep?: number;
    events: string[];
    effects?: string[];
    changed?: boolean;
    rejected?: string;
    wrongCodes?: number;
    stepStatus?: [number, string, string?];
    /** The dispatch effect's step and attempt number. */
    dispatched?: [number, number];
    sends?: number;
  },
];

const A = { step: 0, attemptNo: 1 };

const rows: Row[] = [
  ['start dispatches the primary', initialState(['call', 'sms']), { type: 'start' }, { status: 'pending', currentStep: 0, events: ['challenge.created', 'attempt.queued'], effects: ['dispatch'], stepStatus: [0, 'active'] }],
  ['start twice is a no-op', running(['call']), { type: 'start' }, { status: 'pending', events: [], changed: false }],
  ['sent sets the step deadline', running(['sms']), { type: 'sent', ...A }, { status: 'pending', events: ['attempt.sent'], effects: ['step_deadline'] }],
  ['sent for a stale attempt is ignored', running(['sms']), { type: 'sent', step: 0, attemptNo: 2 }, { status: 'pending', events: [], changed: false }],
  ['delivered text restarts the code wait', running(['sms']), { type: 'delivered', ...A }, { status: 'pending', events: ['attempt.delivered'], effects: ['step_deadline'] }],
  ['delivered call (answered) has no deadline change', running(['call']), { type: 'delivered', ...A }, { status: 'pending', events: ['attempt.delivered'], effects: [] }],
  ['ringing', running(['call']), { type: 'ringing', ...A }, { status: 'pending', events: ['call.ringing'] }],
  ['answered', running(['call']), { type: 'answered', ...A }, { status: 'pending', events: ['call.answered'] }],
  ['# approves', running(['call', 'sms']), { type: 'approved_by_call', ...A }, { status: 'approved', events: ['challenge.approved'], effects: ['clear_deadline'], stepStatus: [0, 'succeeded'] }],
  ['# from an earlier step after failover still approves', onStep(['call', 'sms'], 1), { type: 'approved_by_call', ...A }, { status: 'approved', events: ['challenge.approved'], stepStatus: [1, 'skipped'] }],
  ['# from a step never started is ignored', running(['call', 'call']), { type: 'approved_by_call', step: 1, attemptNo: 1 }, { status: 'pending', events: [], changed: false }],
  ['0# denies', running(['call', 'sms']), { type: 'fraud_reported', ...A }, { status: 'denied', events: ['challenge.denied'], stepStatus: [0, 'failed', 'fraud_reported'] }],
  ['no answer fails over to the backup', running(['call', 'sms']), { type: 'step_failed', reason: 'no_answer', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'], effects: ['dispatch'], stepStatus: [0, 'failed', 'no_answer'] }],
  ['busy fails over', running(['call', 'call']), { type: 'step_failed', reason: 'busy', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'] }],
  ['voicemail fails over', running(['call', 'sms']), { type: 'step_failed', reason: 'voicemail', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'] }],
  ['undelivered fails over', running(['sms', 'call']), { type: 'step_failed', reason: 'undelivered', errorCode: 30003, ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'] }],
  ['permanent provider error fails over', running(['sms', 'call']), { type: 'step_failed', reason: 'invalid_number', errorCode: 21211, ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'] }],
  ['transport retries exhausted fail over', running(['sms', 'call']), { type: 'step_failed', reason: 'provider_error', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'] }],
  ['last step failing fails the challenge', onStep(['call', 'sms'], 1), { type: 'step_failed', reason: 'undelivered', step: 1, attemptNo: 1 }, { status: 'failed', events: ['attempt.failed', 'challenge.failed'], effects: ['clear_deadline'], stepStatus: [1, 'failed', 'undelivered'] }],
  ['failure of a step that is no longer current is ignored', onStep(['call', 'sms'], 1), { type: 'step_failed', reason: 'busy', ...A }, { status: 'pending', events: [], changed: false }],
  ['step timeout fails over with reason timeout', running(['sms', 'call']), { type: 'step_timeout', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'], stepStatus: [0, 'failed', 'timeout'] }],
  ['stale step timeout is ignored', onStep(['sms', 'call'], 1), { type: 'step_timeout', ...A }, { status: 'pending', events: [], changed: false }],
  ['advance moves on now', running(['sms', 'call']), { type: 'advance' }, { status: 'pending', currentStep: 1, events: ['step.failover', 'attempt.queued'], stepStatus: [0, 'skipped', 'user_skipped'] }],
  ['advance on the last step is refused', running(['sms']), { type: 'advance' }, { status: 'pending', events: [], changed: false, rejected: 'no_other_option' }],
  ['right code approves', running(['sms'], { hasCode: true }), { type: 'code_checked', correct: true }, { status: 'approved', events: ['challenge.approved'], stepStatus: [0, 'succeeded'] }],
  ['wrong code costs one attempt', running(['sms'], { hasCode: true }), { type: 'code_checked', correct: false }, { status: 'pending', events: [], wrongCodes: 1 }],
  ['fifth wrong code ends the challenge', running(['sms'], { hasCode: true, wrongCodes: 4 }), { type: 'code_checked', correct: false }, { status: 'max_attempts_reached', events: ['challenge.max_attempts_reached'], wrongCodes: 5 }],
  ['a code check before any text is refused', running(['call']), { type: 'code_checked', correct: false }, { status: 'pending', events: [], changed: false, rejected: 'no_code_sent' }],
  ['expiry', running(['sms']), { type: 'expire' }, { status: 'expired', events: ['challenge.expired'], stepStatus: [0, 'failed', 'expired'] }],
  ['cancel', running(['sms']), { type: 'cancel' }, { status: 'canceled', events: ['challenge.canceled'], stepStatus: [0, 'skipped', 'canceled'] }],
  // A call that the challenge leaves behind is ended; one that ended the step itself is not.
  ['advance from a ringing call ends it', running(['call', 'sms']), { type: 'advance' }, { status: 'pending', currentStep: 1, events: ['step.failover', 'attempt.queued'], effects: ['dispatch', 'end_call'] }],
  ['a call step timing out ends its call', running(['call', 'sms']), { type: 'step_timeout', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'], effects: ['dispatch', 'end_call'] }],
  ['cancel ends the call', running(['call']), { type: 'cancel' }, { status: 'canceled', events: ['challenge.canceled'], effects: ['clear_deadline', 'end_call'] }],
  ['expiry ends the call', running(['call']), { type: 'expire' }, { status: 'expired', events: ['challenge.expired'], effects: ['clear_deadline', 'end_call'] }],
  ['# on an earlier call ends the current one', onStep(['call', 'call'], 1), { type: 'approved_by_call', ...A }, { status: 'approved', events: ['challenge.approved'], effects: ['clear_deadline', 'end_call'] }],
  ['# on the call itself leaves it to say goodbye', running(['call', 'sms']), { type: 'approved_by_call', ...A }, { status: 'approved', events: ['challenge.approved'], effects: ['clear_deadline'] }],
  ['0# on the call itself leaves it to say goodbye', running(['call']), { type: 'fraud_reported', ...A }, { status: 'denied', events: ['challenge.denied'], effects: ['clear_deadline'] }],
  ['a call failing by itself is not ended again', running(['call', 'sms']), { type: 'step_failed', reason: 'no_answer', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'], effects: ['dispatch'] }],
  ['a text step moving on ends nothing', running(['sms', 'call']), { type: 'advance' }, { status: 'pending', currentStep: 1, events: ['step.failover', 'attempt.queued'], effects: ['dispatch'] }],
  ['max sends stops failover', onStep(['call', 'call', 'call'], 1, { sends: 5 }), { type: 'step_failed', reason: 'busy', step: 1, attemptNo: 1 }, { status: 'failed', events: ['attempt.failed', 'challenge.failed'] }],
  // A failure the provider calls retryable (a call that failed in the network, SIP 480/408/5xx) re-dials the same
  // phone once as a new attempt; past one retry per step, or at MAX_SENDS, it fails over like any failure.
  ['a retryable failure re-dials the same step as attempt 2', running(['call', 'sms']), { type: 'step_failed', reason: 'call_failed', retryable: true, ...A }, { status: 'pending', currentStep: 0, events: ['attempt.failed', 'attempt.queued'], effects: ['dispatch'], stepStatus: [0, 'active'], dispatched: [0, 2], sends: 2 }],
  ['a retryable failure on the only step re-dials too', running(['call']), { type: 'step_failed', reason: 'call_failed', retryable: true, ...A }, { status: 'pending', currentStep: 0, events: ['attempt.failed', 'attempt.queued'], dispatched: [0, 2] }],
  ['a retryable failure of the retry fails over', retried(['call', 'sms']), { type: 'step_failed', reason: 'call_failed', retryable: true, step: 0, attemptNo: 2 }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'], stepStatus: [0, 'failed', 'call_failed'], dispatched: [1, 1], sends: 3 }],
  ['a retryable failure of the retry on the last step fails the challenge', retried(['call']), { type: 'step_failed', reason: 'call_failed', retryable: true, step: 0, attemptNo: 2 }, { status: 'failed', events: ['attempt.failed', 'challenge.failed'] }],
  ['a retryable failure at MAX_SENDS does not retry', running(['call', 'sms'], { sends: 5 }), { type: 'step_failed', reason: 'call_failed', retryable: true, ...A }, { status: 'failed', events: ['attempt.failed', 'challenge.failed'] }],
  ['a retryable failure of a superseded attempt is ignored', retried(['call', 'sms']), { type: 'step_failed', reason: 'call_failed', retryable: true, ...A }, { status: 'pending', events: [], changed: false }],
  ['a non-retryable failure fails over at once', running(['call', 'sms']), { type: 'step_failed', reason: 'call_failed', ...A }, { status: 'pending', currentStep: 1, events: ['attempt.failed', 'step.failover', 'attempt.queued'], dispatched: [1, 1] }],
];

describe('decideNext', () => {
  it.each(rows)('%s', (_name, state, outcome, expected) => {
    const d = decideNext(state, outcome, policy);
    expect(d.state.status).toBe(expected.status);
    expect(d.events.map((e) => e.type)).toEqual(expected.events);
    if (expected.currentStep !== undefined) expect(d.state.currentStep).toBe(expected.currentStep);
    if (expected.effects) expect(d.effects.map((e) => e.type)).toEqual(expected.effects);
    if (expected.changed !== undefined) expect(d.changed).toBe(expected.changed);
    if (expected.rejected) expect(d.rejected).toBe(expected.rejected);
    if (expected.wrongCodes !== undefined) expect(d.state.wrongCodes).toBe(expected.wrongCodes);
    if (expected.dispatched) {
      const dispatch = d.effects.find((e) => e.type === 'dispatch');
      expect(dispatch).toMatchObject({ step: expected.dispatched[0], attemptNo: expected.dispatched[1] });
      expect(d.state.steps[expected.dispatched[0]].attempts).toBe(expected.dispatched[1]);
    }
    if (expected.sends !== undefined) expect(d.state.sends).toBe(expected.sends);
    if (expected.stepStatus) {
      const [i, status, reason] = expected.stepStatus;
      expect(d.state.steps[i].status).toBe(status);
      if (reason) expect(d.state.steps[i].reason).toBe(reason);
    }
  });

  const finals = ['approved', 'denied', 'failed', 'expired', 'canceled', 'max_attempts_reached'] as const;
  const outcomes: Outcome[] = [
    { type: 'start' }, { type: 'sent', ...A }, { type: 'delivered', ...A }, { type: 'approved_by_call', ...A }, { type: 'fraud_reported', ...A },
    { type: 'step_failed', reason: 'busy', ...A }, { type: 'step_timeout', ...A }, { type: 'advance' }, { type: 'code_checked', correct: true },
    { type: 'expire' }, { type: 'cancel' },
  ];
  it.each(finals.flatMap((f) => outcomes.map((o) => [f, o.type, o] as const)))('final state %s never changes on %s', (status, _t, outcome) => {
    const state = running(['sms', 'call'], { status, hasCode: true });
    const d = decideNext(state, outcome, policy);
    expect(d.changed).toBe(false);
    expect(d.state).toBe(state);
    expect(d.events).toEqual([]);
  });

  it('an SMS step waits SMS_STEP_TIMEOUT, a call step ring time plus the answer window', () => {
    const sms = decideNext(running(['sms']), { type: 'sent', ...A }, policy).effects[0];
    const call = decideNext(running(['call']), { type: 'sent', ...A }, policy).effects[0];
    expect(sms).toMatchObject({ afterMs: policy.smsStepTimeoutMs });
    expect(call).toMatchObject({ afterMs: policy.callRingTimeoutMs + policy.callAnswerWindowMs });
  });

  it('retries as often as the policy allows: none with retriesPerStep 0, two with 2', () => {
    const failure: Outcome = { type: 'step_failed', reason: 'call_failed', retryable: true, ...A };
    expect(decideNext(running(['call', 'sms']), failure, { ...policy, retriesPerStep: 0 }).state.currentStep).toBe(1);
    const second = decideNext(retried(['call', 'sms']), { ...failure, attemptNo: 2 }, { ...policy, retriesPerStep: 2 });
    expect(second.effects).toEqual([{ type: 'dispatch', step: 0, attemptNo: 3, method: 'call' }]);
  });

  it('never mutates its input', () => {
    const state = running(['call', 'sms']);
    const copy = JSON.parse(JSON.stringify(state));
    decideNext(state, { type: 'step_failed', reason: 'busy', ...A }, policy);
    expect(state).toEqual(copy);
  });
});
