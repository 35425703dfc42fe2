import {
  endCallStatusFor,
  attemptStatusFromCall,
  attemptStatusFromMessage,
  type AttemptStatus,
  isFinalAttemptStatus,
  isStatusAdvance,
  rankOf,
} from './status.mapping';

describe('attemptStatusFromMessage', () => {
  it.each([
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'delivered'],
    ['partially_delivered', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
    ['receiving', undefined],
    ['received', undefined],
    ['something-new', undefined],
  ])('%s → %p', (twilio, ours) => {
    expect(attemptStatusFromMessage(twilio)).toBe(ours);
  });
});

describe('attemptStatusFromCall', () => {
  it.each([
    ['queued', 'queued'],
    ['initiated', 'sending'],
    ['ringing', 'ringing'],
    ['in-progress', 'answered'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['no-answer', 'no_answer'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
    ['nonsense', undefined],
  ])('%s → %p', (twilio, ours) => {
    expect(attemptStatusFromCall(twilio)).toBe(ours);
  });
});

describe('rankOf / isFinalAttemptStatus', () => {
  const finals: AttemptStatus[] = ['delivered', 'undelivered', 'failed', 'completed', 'busy', 'no_answer', 'canceled'];

  it('orders a message queued < sending < sent < final', () => {
    expect(rankOf('queued')).toBeLessThan(rankOf('sending'));
    expect(rankOf('sending')).toBeLessThan(rankOf('sent'));
    for (const final of ['delivered', 'undelivered', 'failed'] as const) expect(rankOf('sent')).toBeLessThan(rankOf(final));
  });

  it('orders a call queued < initiated < ringing < answered < final', () => {
    const path = ['queued', 'initiated', 'ringing', 'in-progress'].map((s) => rankOf(attemptStatusFromCall(s)!));
    expect([...path].sort((a, b) => a - b)).toEqual(path);
    expect(new Set(path).size).toBe(path.length);
    for (const final of finals) expect(rankOf('answered')).toBeLessThan(rankOf(final));
  });

  it.each(finals)('%s is final', (status) => expect(isFinalAttemptStatus(status)).toBe(true));
  it.each(['queued', 'sending', 'sent', 'ringing', 'answered'] as AttemptStatus[])('%s is not final', (status) =>
    expect(isFinalAttemptStatus(status)).toBe(false),
  );

  it('never moves backwards, and the first final status wins', () => {
    expect(isStatusAdvance(undefined, 'queued')).toBe(true);
    expect(isStatusAdvance('sent', 'delivered')).toBe(true);
    expect(isStatusAdvance('delivered', 'sent')).toBe(false);
    expect(isStatusAdvance('delivered', 'undelivered')).toBe(false);
    expect(isStatusAdvance('ringing', 'ringing')).toBe(false);
    expect(isStatusAdvance('answered', 'ringing')).toBe(false);
  });
});

describe('endCallStatusFor', () => {
  it.each([
    ['queued', 'canceled'],
    ['sent', 'canceled'],
    ['ringing', 'canceled'],
    ['answered', 'completed'],
    ['completed', null],
    ['busy', null],
    ['no_answer', null],
    ['failed', null],
    ['canceled', null],
  ] as const)('an attempt at %s is ended with %p', (status, expected) => {
    expect(endCallStatusFor(status)).toBe(expected);
  });
});
