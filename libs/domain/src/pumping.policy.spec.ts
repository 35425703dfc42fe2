import { conversionRate, destinationPrefix, displayPrefix, everyStepSuspended, PREFIX_PATTERN, shouldSuspend, windowFigures } from './pumping.policy';

describe('destinationPrefix', () => {
  it.each([
    ['+12015550123', 3, '1-201'],
    ['+15005550006', 3, '1-500'],
    ['+447700900123', 3, '44-770'],
    ['+447700900123', 5, '44-77009'],
    ['+4915123456789', 3, '49-151'],
    ['+2348031234567', 3, '234-803'],
    ['+8801712345678', 2, '880-17'],
  ])('%s with %i digits → %s', (e164, digits, prefix) => {
    expect(destinationPrefix(e164, digits)).toBe(prefix);
    expect(PREFIX_PATTERN.test(prefix)).toBe(true);
  });

  it('has no prefix for what is not a number', () => {
    expect(destinationPrefix('nope', 3)).toBeUndefined();
  });

  it('shows a prefix to operators', () => {
    expect(displayPrefix('44-770')).toBe('+44 770…');
  });
});

describe('shouldSuspend', () => {
  const t = { minSends: 10, conversionFloor: 0.2 };
  it.each([
    { name: 'nothing sent', f: { sent: 0, verified: 0 }, suspend: false },
    { name: 'below the sample, nothing verified', f: { sent: 9, verified: 0 }, suspend: false },
    { name: 'at the sample, nothing verified', f: { sent: 10, verified: 0 }, suspend: true },
    { name: 'at the sample, 1 in 10 verified', f: { sent: 10, verified: 1 }, suspend: true },
    { name: 'exactly at the floor', f: { sent: 10, verified: 2 }, suspend: false },
    { name: 'healthy prefix', f: { sent: 500, verified: 420 }, suspend: false },
    { name: 'a flood with a trickle of codes', f: { sent: 1000, verified: 50 }, suspend: true },
    { name: 'more verified than sent (a window edge) counts as full conversion', f: { sent: 10, verified: 12 }, suspend: false },
  ])('$name → $suspend', ({ f, suspend }) => {
    expect(shouldSuspend(f, t)).toBe(suspend);
  });

  it('is off with a minimum of 0', () => {
    expect(shouldSuspend({ sent: 1000, verified: 0 }, { minSends: 0, conversionFloor: 0.2 })).toBe(false);
  });

  it('converts with no sends as 1', () => {
    expect(conversionRate({ sent: 0, verified: 0 })).toBe(1);
  });
});

describe('windowFigures', () => {
  const buckets = [
    { minute: 100, sent: 5, verified: 1 },
    { minute: 150, sent: 3, verified: 0 },
    { minute: 159, sent: 2, verified: 2 },
    { minute: 160, sent: 1, verified: 0 },
  ];
  it.each([
    { now: 160, window: 60, want: { sent: 6, verified: 2 } },
    { now: 160, window: 1, want: { sent: 1, verified: 0 } },
    { now: 160, window: 61, want: { sent: 11, verified: 3 } },
    { now: 300, window: 60, want: { sent: 0, verified: 0 } },
  ])('now $now, window $window', ({ now, window, want }) => {
    expect(windowFigures(buckets, now, window)).toEqual(want);
  });
});

describe('everyStepSuspended', () => {
  it.each([
    { steps: [], refused: false },
    { steps: [{ method: 'sms', suspended: true }], refused: true },
    { steps: [{ method: 'sms', suspended: true }, { method: 'sms', suspended: true }], refused: true },
    { steps: [{ method: 'sms', suspended: true }, { method: 'call', suspended: true }], refused: false },
    { steps: [{ method: 'sms', suspended: true }, { method: 'sms', suspended: false }], refused: false },
  ])('%j', ({ steps, refused }) => {
    expect(everyStepSuspended(steps)).toBe(refused);
  });
});
