import { FAILURE_REASONS } from './enums.constants';
import { FINAL_REASONS, isFailureReason, REASON_TEXTS, reasonLabel, reasonPhrase } from './failure-reasons';

describe('failure reason texts', () => {
  it.each([...FAILURE_REASONS, ...FINAL_REASONS].map((reason) => [reason]))('%s has a label (a sentence) and a phrase (words in one)', (reason) => {
    const text = REASON_TEXTS[reason];
    expect(text.label).toMatch(/^[A-Z]/);
    expect(text.phrase).toMatch(/^[a-z#]/);
    expect(`${text.label} ${text.phrase}`).not.toContain('_');
  });

  it.each([
    ['busy', 'The line was busy', 'the line was busy'],
    ['timeout', 'No response in time', 'no code was entered in time'],
    ['max_attempts_reached', 'Too many wrong codes', 'too many wrong codes'],
    ['some_new.reason', 'Some new reason', 'some new reason'],
    ['', 'Failed', ''],
    ['toString', 'ToString', 'toString'],
  ])('%j reads "%s" / "%s"', (reason, label, phrase) => {
    expect(reasonLabel(reason)).toBe(label);
    expect(reasonPhrase(reason)).toBe(phrase);
  });

  it('isFailureReason knows the codes and nothing else', () => {
    expect(FAILURE_REASONS.every(isFailureReason)).toBe(true);
    expect(isFailureReason('max_attempts_reached')).toBe(false);
    expect(isFailureReason('toString')).toBe(false);
    expect(isFailureReason(3)).toBe(false);
  });
});
