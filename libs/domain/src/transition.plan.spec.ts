import { ChallengeState, decideNext, initialState, Outcome } from './challenge.machine';
import { DEFAULT_POLICY } from './challenge.policy';
import { decideWithExpiry, planTransition, TransitionSubject, WritePlan } from './transition.plan';

const policy = DEFAULT_POLICY;
const NOW = new Date('2026-12-01T10:00:00Z');
const LATER = (ms: number) => new Date(NOW.getTime() + ms);
const A = { step: 0, attemptNo: 1 };

const signIn: TransitionSubject = { purpose: 'sign_in', settingsId: null, lastSeq: 4, version: 7, firstDeliveryAt: null };
const settings: TransitionSubject = { ...signIn, purpose: 'settings', settingsId: 'set-1' };
const phoneCheck: TransitionSubject = { ...signIn, purpose: 'phone_check', settingsId: 'set-1' };

function running(methods: Array<'call' | 'sms'>, patch: Partial<ChallengeState> = {}): ChallengeState {
  return { ...decideNext(initialState(methods), { type: 'start' }, policy).state, ...patch };
}

type Expect = Partial<Omit<WritePlan, 'patch'>> & { patch?: Partial<WritePlan['patch']>; absent?: Array<keyof WritePlan['patch']> };
type Row = [string, TransitionSubject, ChallengeState, Outcome, Expect];

const rows: Row[] = [
  [
    'start: dispatch now, step 0 starts, two events numbered after lastSeq',
    signIn,
    initialState(['call', 'sms']),
    { type: 'start' },
    {
      patch: { status: 'pending', currentStep: 0, sends: 1, wrongCodes: 0, lastSeq: 6, version: 8, nextAction: 'dispatch', nextActionAt: NOW },
      steps: [{ index: 0, patch: { status: 'active', reason: null, startedAt: NOW } }],
      firstSeq: 5,
      settings: null,
      absent: ['finishedAt', 'approvedAt', 'fraudReported', 'firstDeliveryAt'],
      attempt: { stepIndex: 0, attemptNo: 1, method: 'call', status: 'queued', statusRank: 0, createdAt: NOW },
    },
  ],
  ['sent: the step deadline', signIn, running(['sms']), { type: 'sent', ...A }, { patch: { nextAction: 'step_timeout', nextActionAt: LATER(policy.smsStepTimeoutMs) }, steps: [] }],
  ['a call sent: ring time plus the answer window', signIn, running(['call']), { type: 'sent', ...A }, { patch: { nextActionAt: LATER(policy.callRingTimeoutMs + policy.callAnswerWindowMs) } }],
  ['delivered: the first delivery time', signIn, running(['sms']), { type: 'delivered', ...A }, { patch: { firstDeliveryAt: NOW, nextAction: 'step_timeout' } }],
  ['answered: the first delivery time', signIn, running(['call']), { type: 'answered', ...A }, { patch: { firstDeliveryAt: NOW }, absent: ['nextAction'] }],
  ['a second delivery keeps the first time', { ...signIn, firstDeliveryAt: new Date(0) }, running(['sms']), { type: 'delivered', ...A }, { absent: ['firstDeliveryAt'] }],
  [
    '# approves: finished and approved now, deadline cleared, the step ends, no attempt',
    signIn,
    running(['call', 'sms']),
    { type: 'approved_by_call', ...A },
    {
      patch: { status: 'approved', finishedAt: NOW, approvedAt: NOW, nextAction: null, nextActionAt: null },
      attempt: null,
      steps: [{ index: 0, patch: { status: 'succeeded', reason: null, endedAt: NOW } }],
      absent: ['fraudReported'],
    },
  ],
  [
    '0# denies: the fraud flag, finished but not approved',
    signIn,
    running(['call']),
    { type: 'fraud_reported', ...A },
    { patch: { status: 'denied', fraudReported: true, finishedAt: NOW }, steps: [{ index: 0, patch: { status: 'failed', reason: 'fraud_reported', endedAt: NOW } }], absent: ['approvedAt'] },
  ],
  [
    'failover: one step ends, the next starts, three events',
    signIn,
    running(['call', 'sms']),
    { type: 'step_failed', reason: 'busy', ...A },
    {
      patch: { status: 'pending', currentStep: 1, sends: 2, lastSeq: 7, nextAction: 'dispatch', nextActionAt: NOW },
      steps: [
        { index: 0, patch: { status: 'failed', reason: 'busy', endedAt: NOW } },
        { index: 1, patch: { status: 'active', reason: null, startedAt: NOW } },
      ],
      attempt: { stepIndex: 1, attemptNo: 1, method: 'sms', status: 'queued', statusRank: 0, createdAt: NOW },
    },
  ],
  [
    'a retry: no step changes, a new dispatch and its attempt, the next number',
    signIn,
    running(['call']),
    { type: 'step_failed', reason: 'call_failed', retryable: true, ...A },
    { patch: { sends: 2, nextAction: 'dispatch' }, steps: [], attempt: { stepIndex: 0, attemptNo: 2, method: 'call', status: 'queued', statusRank: 0, createdAt: NOW } },
  ],
  ['sent: no attempt to create', signIn, running(['sms']), { type: 'sent', ...A }, { attempt: null }],
  ['a wrong code: no event, the count only', signIn, running(['sms'], { hasCode: true }), { type: 'code_checked', correct: false }, { patch: { wrongCodes: 1, lastSeq: 4, version: 8 }, steps: [], events: [], absent: ['nextAction'] }],
  ['a settings challenge approved activates its settings', settings, running(['call']), { type: 'approved_by_call', ...A }, { settings: { settingsId: 'set-1', verdict: 'activate' } }],
  ['a settings challenge failed rejects them', settings, running(['call']), { type: 'step_failed', reason: 'busy', ...A }, { settings: { settingsId: 'set-1', verdict: 'reject' } }],
  ['a settings challenge expired rejects them', settings, running(['call']), { type: 'expire' }, { patch: { status: 'expired', finishedAt: NOW }, settings: { settingsId: 'set-1', verdict: 'reject' } }],
  ['a settings challenge still pending settles nothing', settings, running(['call']), { type: 'ringing', ...A }, { settings: null }],
  ['a sign-in challenge approved settles nothing', signIn, running(['call']), { type: 'approved_by_call', ...A }, { settings: null, verifiedStep: null }],
  ['a settings challenge approved records its phone as verified', settings, running(['call']), { type: 'approved_by_call', ...A }, { verifiedStep: 0 }],
  ['a phone check approved records its phone, and settles no settings', phoneCheck, running(['sms'], { hasCode: true }), { type: 'code_checked', correct: true }, { settings: null, verifiedStep: 0 }],
  ['a phone check that fails records nothing', phoneCheck, running(['call']), { type: 'step_failed', reason: 'busy', ...A }, { patch: { status: 'failed' }, settings: null, verifiedStep: null }],
  ['a phone check still pending records nothing', phoneCheck, running(['call']), { type: 'ringing', ...A }, { verifiedStep: null }],
];

describe('planTransition', () => {
  it.each(rows)('%s', (_name, subject, before, outcome, expected) => {
    const plan = planTransition(subject, before, decideNext(before, outcome, policy), NOW, outcome);
    if (expected.patch) expect(plan.patch).toMatchObject(expected.patch);
    for (const field of expected.absent ?? []) expect(plan.patch).not.toHaveProperty(field);
    if (expected.steps) expect(plan.steps).toEqual(expected.steps);
    if (expected.firstSeq !== undefined) expect(plan.firstSeq).toBe(expected.firstSeq);
    if (expected.events) expect(plan.events).toEqual(expected.events);
    if (expected.settings !== undefined) expect(plan.settings).toEqual(expected.settings);
    if (expected.verifiedStep !== undefined) expect(plan.verifiedStep).toBe(expected.verifiedStep);
    if (expected.attempt !== undefined) expect(plan.attempt).toEqual(expected.attempt);
  });

  it('writes one row per event, with the state after the transition and the event details', () => {
    const before = running(['sms', 'call']);
    const outcome: Outcome = { type: 'step_failed', reason: 'undelivered', errorCode: 30003, ...A };
    const plan = planTransition(signIn, before, decideNext(before, outcome, policy), NOW, outcome);
    expect(plan.events).toEqual([
      { type: 'attempt.failed', at: NOW, payload: { status: 'pending', step: 0, attemptNo: 1, reason: 'undelivered', errorCode: 30003 } },
      { type: 'step.failover', at: NOW, payload: { status: 'pending', step: 1, attemptNo: null, reason: 'undelivered', errorCode: null } },
      { type: 'attempt.queued', at: NOW, payload: { status: 'pending', step: 1, attemptNo: 1, reason: null, errorCode: null } },
    ]);
    expect(plan.firstSeq).toBe(5);
    expect(plan.patch.lastSeq).toBe(7);
  });
});

describe('decideWithExpiry', () => {
  const expiresAt = NOW;
  const before = new Date(NOW.getTime() - 1);
  const rows: Array<[string, ChallengeState, Outcome | null, Date, { changed: boolean; status: string; events?: string[] }]> = [
    ['no outcome changes nothing', running(['call']), null, before, { changed: false, status: 'pending' }],
    ['no outcome changes nothing, even past expiry', running(['call']), null, NOW, { changed: false, status: 'pending' }],
    ['in time: the outcome itself', running(['call']), { type: 'approved_by_call', ...A }, before, { changed: true, status: 'approved' }],
    ['past expiry: # turns expired', running(['call']), { type: 'approved_by_call', ...A }, NOW, { changed: true, status: 'expired', events: ['challenge.expired'] }],
    ['past expiry: a stale callback turns expired too', running(['call']), { type: 'ringing', step: 0, attemptNo: 9 }, NOW, { changed: true, status: 'expired' }],
    ['past expiry: a right code turns expired', running(['sms'], { hasCode: true }), { type: 'code_checked', correct: true }, NOW, { changed: true, status: 'expired' }],
    ['past expiry: expire itself expires', running(['call']), { type: 'expire' }, NOW, { changed: true, status: 'expired', events: ['challenge.expired'] }],
    ['an approved challenge past expiry stays approved on cancel', running(['call'], { status: 'approved' }), { type: 'cancel' }, NOW, { changed: false, status: 'approved' }],
    ['a final challenge past expiry stays as it is', running(['call'], { status: 'denied' }), { type: 'ringing', ...A }, NOW, { changed: false, status: 'denied' }],
  ];
  it.each(rows)('%s', (_name, state, outcome, now, expected) => {
    const d = decideWithExpiry(state, outcome, expiresAt, now, policy);
    expect(d.changed).toBe(expected.changed);
    expect(d.state.status).toBe(expected.status);
    if (expected.events) expect(d.events.map((e) => e.type)).toEqual(expected.events);
  });
});
