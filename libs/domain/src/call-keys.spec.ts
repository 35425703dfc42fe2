import { CallKeyVerdict, CallPrompt, callPromptOf, readCallKeys } from './call-keys';

describe('readCallKeys', () => {
  const rows: Array<[CallPrompt, string, CallKeyVerdict, string]> = [
    [CallPrompt.Verify, '#', CallKeyVerdict.Approve, 'exactly # approves'],
    [CallPrompt.Verify, '0', CallKeyVerdict.AskFraudConfirmation, '0 asks for # to confirm the report'],
    [CallPrompt.Verify, '0#', CallKeyVerdict.ReportFraud, 'a buffered 0# reports fraud at once'],
    [CallPrompt.Verify, '1', CallKeyVerdict.Repeat, 'another key repeats the prompt'],
    [CallPrompt.Verify, '*', CallKeyVerdict.Repeat, '* is not #'],
    [CallPrompt.Verify, '', CallKeyVerdict.Repeat, 'nothing (actionOnEmptyResult) repeats'],
    [CallPrompt.Verify, '##', CallKeyVerdict.Repeat, 'two keys in one answer are not a lone #'],
    [CallPrompt.ConfirmFraud, '#', CallKeyVerdict.ReportFraud, '# after 0 reports fraud'],
    [CallPrompt.ConfirmFraud, '0', CallKeyVerdict.Repeat, 'a second 0 goes back to the prompt'],
    [CallPrompt.ConfirmFraud, '', CallKeyVerdict.Repeat, 'silence after 0 goes back to the prompt'],
  ];
  it.each(rows)('%s prompt, keys %p → %s (%s)', (prompt, digits, verdict) => {
    expect(readCallKeys(prompt, digits)).toBe(verdict);
  });

  it('reads the prompt from the action URL, defaulting to the verification prompt', () => {
    expect(callPromptOf('confirm_fraud')).toBe(CallPrompt.ConfirmFraud);
    expect(callPromptOf(undefined)).toBe(CallPrompt.Verify);
    expect(callPromptOf('approve')).toBe(CallPrompt.Verify);
  });
});
