import { CHALLENGE_EVENT_TYPES } from './enums.constants';
import { ATTEMPT_COUNTED, OUTCOME_COUNTERS, OUTCOME_EVENT_TYPES, OUTCOME_TEXTS, outcomeOf } from './ops-counters';

describe("the operators' counters", () => {
  it.each([
    ['attempt.sent', null, 'sent'],
    ['attempt.delivered', null, 'delivered'],
    ['call.answered', null, undefined], // its attempt's delivered_at counts it
    ['attempt.failed', 'busy', 'failed'],
    ['attempt.failed', 'no_answer', 'failed'],
    ['attempt.failed', 'timeout', 'failed'],
    ['attempt.failed', null, 'failed'],
    // Decided by another event, counted there once.
    ['attempt.failed', 'fraud_reported', undefined],
    ['attempt.failed', 'user_skipped', undefined],
    ['attempt.failed', 'canceled', undefined],
    ['step.failover', 'busy', 'failedOver'],
    ['step.failover', 'timeout', 'failedOver'],
    ['step.failover', 'user_skipped', 'skipped'],
    ['challenge.denied', 'fraud_reported', 'fraud'],
    ['challenge.canceled', 'canceled', 'skipped'],
    ['challenge.failed', 'busy', undefined],
    ['challenge.approved', null, undefined],
    ['attempt.queued', null, undefined],
    ['call.ringing', null, undefined],
    ['challenge.expired', 'expired', undefined],
  ])('%s (reason %s) counts as %s', (type, reason, counter) => {
    expect(outcomeOf(type, reason)).toBe(counter);
  });

  it('counts the attempts\' times and these events only, and each of them can count', () => {
    const counts = (type: string) => [null, 'busy', 'user_skipped'].some((reason) => outcomeOf(type, reason) !== undefined);
    // attempt.sent / attempt.delivered are read from the attempts' own times, not from those events.
    const events = CHALLENGE_EVENT_TYPES.filter((type) => counts(type) && !(ATTEMPT_COUNTED as readonly string[]).includes(type));
    expect([...events].sort()).toEqual([...OUTCOME_EVENT_TYPES].sort());
    expect(ATTEMPT_COUNTED.every(counts)).toBe(true);
  });

  it('every counter is reachable and described', () => {
    const reached = new Set([...CHALLENGE_EVENT_TYPES, ...ATTEMPT_COUNTED].flatMap((type) => [null, 'busy', 'user_skipped'].map((reason) => outcomeOf(type, reason))));
    for (const counter of OUTCOME_COUNTERS) {
      expect(reached.has(counter)).toBe(true);
      expect(OUTCOME_TEXTS[counter].label).toMatch(/^[A-Z]/);
    }
  });
});
