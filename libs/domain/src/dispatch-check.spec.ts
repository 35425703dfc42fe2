import { checkDispatch, DispatchSubject, DispatchVerdict } from './dispatch-check';

const NOW = new Date('2026-12-01T10:00:00Z');
const DONE = new Date('2026-12-01T09:59:00Z');

function subject(patch: { challenge?: Partial<DispatchSubject['challenge']>; step?: Partial<DispatchSubject['step']>; attempt?: Partial<DispatchSubject['attempt']> } = {}): DispatchSubject {
  return {
    challenge: { status: 'pending', currentStep: 1, expiresAt: new Date(NOW.getTime() + 60_000), ...patch.challenge },
    step: { index: 1, status: 'active', ...patch.step },
    attempt: { stepIndex: 1, providerSid: null, finishedAt: null, ...patch.attempt },
  };
}

const rows: Array<[string, DispatchSubject | undefined, DispatchVerdict]> = [
  ['pending on the attempt\'s step, unsent: send', subject(), 'send'],
  ['the attempt (or its challenge) is gone', undefined, 'attempt gone'],
  ['the challenge is final', subject({ challenge: { status: 'approved' } }), 'no longer current'],
  ['the challenge moved to another step', subject({ challenge: { currentStep: 2 } }), 'no longer current'],
  ['the step is no longer active', subject({ step: { status: 'skipped' } }), 'no longer current'],
  ['the challenge expired (even if nothing noticed yet)', subject({ challenge: { expiresAt: NOW } }), 'expired'],
  ['the attempt failed before anything was sent', subject({ attempt: { finishedAt: DONE } }), 'attempt finished'],
  ['a finished attempt with a SID is not confirmed again', subject({ attempt: { finishedAt: DONE, providerSid: 'SM1' } }), 'attempt finished'],
  ['the SID is recorded: sent already, never twice', subject({ attempt: { providerSid: 'SM1' } }), 'already sent'],
  ['a final challenge wins over a recorded SID', subject({ challenge: { status: 'canceled' }, attempt: { providerSid: 'SM1' } }), 'no longer current'],
];

describe('checkDispatch', () => {
  it.each(rows)('%s → %s', (_name, read, expected) => {
    expect(checkDispatch(read, NOW)).toBe(expected);
  });
});
