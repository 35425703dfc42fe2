import { describeReason, FAILURE_REASONS, isFailureReason } from './failure-reasons';

describe('failure reasons', () => {
  it.each([
    ['no_answer', 'No answer'],
    ['busy', 'The line was busy'],
    ['voicemail', 'Voicemail answered'],
    ['invalid_number', 'The number is not valid'],
    ['undelivered', 'The text was not delivered'],
    ['timeout', 'No response in time'],
    ['landline', 'The number is a landline and cannot receive texts'],
    ['user_skipped', 'Skipped at your request'],
    ['fraud_reported', 'Reported as fraud'],
  ])('describes %s as "%s"', (reason, sentence) => {
    expect(describeReason(reason)).toBe(sentence);
  });

  it.each(FAILURE_REASONS.map((reason) => [reason]))('%s is snake_case with a description', (reason) => {
    expect(reason).toMatch(/^[a-z]+(?:_[a-z]+)*$/);
    expect(describeReason(reason)).toMatch(/^[A-Z]/);
    expect(describeReason(reason)).not.toContain('_');
  });

  it.each([
    ['some_new_reason', 'Some new reason'],
    ['', 'Failed'],
  ])('makes the unknown reason %j readable', (reason, sentence) => {
    expect(describeReason(reason)).toBe(sentence);
  });

  it.each([
    ['busy', true],
    ['no_answer', true],
    ['made_up', false],
    [42, false],
    [undefined, false],
  ])('isFailureReason(%j) is %s', (value, expected) => {
    expect(isFailureReason(value)).toBe(expected);
  });

  it('has no duplicates', () => {
    expect(new Set(FAILURE_REASONS).size).toBe(FAILURE_REASONS.length);
  });
});
