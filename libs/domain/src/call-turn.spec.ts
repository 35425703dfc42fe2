import { CallPrompt } from './call-keys';
import { CALL_GOODBYE, CallRequest, CallTurn, CallTurnInput, decideCallTurn, isMachineAnswer, MAX_PROMPTS } from './call-turn';

const NOW = new Date('2026-12-01T10:00:00Z');
const REF = { step: 1, attemptNo: 2 };

function input(request: CallRequest, patch: { status?: string; purpose?: string; promptsPlayed?: number; statusRank?: number } = {}): CallTurnInput {
  return {
    challenge: { status: patch.status ?? 'pending', purpose: patch.purpose ?? 'sign_in' },
    attempt: { stepIndex: REF.step, attemptNo: REF.attemptNo, promptsPlayed: patch.promptsPlayed ?? 0, statusRank: patch.statusRank ?? 3 },
    request,
    now: NOW,
  };
}

const answer = (answeredBy?: string): CallRequest => (answeredBy === undefined ? { kind: 'answer' } : { kind: 'answer', answeredBy });
const keys = (digits: string, prompt = CallPrompt.Verify): CallRequest => ({ kind: 'keys', prompt, digits });
const goodbye = (text: string) => ({ type: 'goodbye', text }) as const;
const prompt = { type: 'prompt', purpose: 'sign_in' } as const;

const rows: Array<[string, CallTurnInput, CallTurn]> = [
  // The call is answered: the prompt, counted, and the attempt is answered (whichever arrives first).
  ['answered: the prompt, and the attempt answered', input(answer()), { outcome: { type: 'answered', ...REF }, attemptPatch: { promptsPlayed: 1, status: 'answered', statusRank: 4, deliveredAt: NOW }, reply: prompt }],
  ['answered by a human (AMD)', input(answer('human')), { outcome: { type: 'answered', ...REF }, attemptPatch: { promptsPlayed: 1, status: 'answered', statusRank: 4, deliveredAt: NOW }, reply: prompt }],
  ['answered again (the Redirect after silence): the prompt once more, no second answered', input(answer(), { promptsPlayed: 1, statusRank: 4 }), { outcome: null, attemptPatch: { promptsPlayed: 2 }, reply: prompt }],
  ['a settings challenge gets the settings prompt', input(answer(), { purpose: 'settings', statusRank: 4 }), { outcome: null, attemptPatch: { promptsPlayed: 1 }, reply: { type: 'prompt', purpose: 'settings' } }],
  ['a backup checked on demand gets the settings prompt too', input(answer(), { purpose: 'phone_check', statusRank: 4 }), { outcome: null, attemptPatch: { promptsPlayed: 1 }, reply: { type: 'prompt', purpose: 'settings' } }],
  ['the prompt limit: silence counts as no answer', input(answer(), { promptsPlayed: MAX_PROMPTS, statusRank: 4 }), { outcome: { type: 'step_failed', reason: 'no_answer', ...REF }, attemptPatch: { reason: 'no_answer' }, reply: goodbye(CALL_GOODBYE.noInput) }],
  // Answering machines.
  ['a machine (machine_start) is voicemail', input(answer('machine_start')), { outcome: { type: 'step_failed', reason: 'voicemail', ...REF }, attemptPatch: { answeredBy: 'machine_start', reason: 'voicemail' }, reply: goodbye(CALL_GOODBYE.machine) }],
  ['a machine (machine_end_beep) is voicemail', input(answer('machine_end_beep')), { outcome: { type: 'step_failed', reason: 'voicemail', ...REF }, attemptPatch: { answeredBy: 'machine_end_beep', reason: 'voicemail' }, reply: goodbye(CALL_GOODBYE.machine) }],
  ['a fax is voicemail', input(answer('fax')), { outcome: { type: 'step_failed', reason: 'voicemail', ...REF }, attemptPatch: { answeredBy: 'fax', reason: 'voicemail' }, reply: goodbye(CALL_GOODBYE.machine) }],
  ['unknown (AMD undecided) is treated as a person', input(answer('unknown')), { outcome: { type: 'answered', ...REF }, attemptPatch: { promptsPlayed: 1, status: 'answered', statusRank: 4, deliveredAt: NOW }, reply: prompt }],
  // Keys.
  ['# approves', input(keys('#')), { outcome: { type: 'approved_by_call', ...REF }, attemptPatch: { reason: null }, reply: goodbye(CALL_GOODBYE.approved) }],
  ['0 asks for # to confirm', input(keys('0')), { outcome: null, attemptPatch: {}, reply: { type: 'confirm_fraud' } }],
  ['# after 0 reports fraud', input(keys('#', CallPrompt.ConfirmFraud)), { outcome: { type: 'fraud_reported', ...REF }, attemptPatch: { reason: 'fraud_reported' }, reply: goodbye(CALL_GOODBYE.denied) }],
  ['a buffered 0# reports fraud', input(keys('0#')), { outcome: { type: 'fraud_reported', ...REF }, attemptPatch: { reason: 'fraud_reported' }, reply: goodbye(CALL_GOODBYE.denied) }],
  ['another key plays the prompt again (counted)', input(keys('1'), { promptsPlayed: 1 }), { outcome: null, attemptPatch: { promptsPlayed: 2 }, reply: prompt }],
  ['another key after 0 goes back to the prompt', input(keys('5', CallPrompt.ConfirmFraud), { promptsPlayed: 1 }), { outcome: null, attemptPatch: { promptsPlayed: 2 }, reply: prompt }],
  ['another key past the prompt limit is no answer', input(keys('1'), { promptsPlayed: MAX_PROMPTS }), { outcome: { type: 'step_failed', reason: 'no_answer', ...REF }, attemptPatch: { reason: 'no_answer' }, reply: goodbye(CALL_GOODBYE.noInput) }],
  ['# past the prompt limit still approves', input(keys('#'), { promptsPlayed: MAX_PROMPTS }), { outcome: { type: 'approved_by_call', ...REF }, attemptPatch: { reason: null }, reply: goodbye(CALL_GOODBYE.approved) }],
  // A challenge that is no longer pending.
  ['# on a challenge no longer pending: goodbye, nothing changes', input(keys('#'), { status: 'approved' }), { outcome: null, attemptPatch: {}, reply: goodbye(CALL_GOODBYE.inactive) }],
  ['answered on an expired challenge: goodbye', input(answer(), { status: 'expired' }), { outcome: null, attemptPatch: {}, reply: goodbye(CALL_GOODBYE.inactive) }],
  ['a machine on a canceled challenge: goodbye, no voicemail', input(answer('machine_start'), { status: 'canceled' }), { outcome: null, attemptPatch: {}, reply: goodbye(CALL_GOODBYE.inactive) }],
];

describe('decideCallTurn', () => {
  it.each(rows)('%s', (_name, turnInput, expected) => {
    expect(decideCallTurn(turnInput)).toEqual(expected);
  });
});

describe('isMachineAnswer', () => {
  it.each([
    ['machine_start', true],
    ['machine_end_beep', true],
    ['machine_end_silence', true],
    ['machine_end_other', true],
    ['fax', true],
    ['human', false],
    ['unknown', false],
    ['', false],
    [undefined, false],
    [null, false],
  ] as const)('%p → %p', (answeredBy, expected) => {
    expect(isMachineAnswer(answeredBy)).toBe(expected);
  });
});
