import { CountedEventRow, outcomeFigures } from './outcome-figures';

const MINUTE = 60_000;
const t0 = Date.UTC(2026, 0, 1, 12, 0);
const row = (m: number, type: string, n: number, extra: Partial<CountedEventRow> = {}): CountedEventRow => ({
  minute: new Date(t0 + m * MINUTE),
  type,
  reason: null,
  country: 'US',
  channel: 'sms',
  n,
  recent: 0,
  ...extra,
});

describe('outcomeFigures', () => {
  const figures = outcomeFigures(
    [
      row(0, 'attempt.sent', 3),
      row(2, 'attempt.sent', 2, { country: 'GB', channel: 'call', recent: 2 }),
      row(0, 'attempt.delivered', 2),
      row(2, 'attempt.delivered', 1, { country: 'GB', channel: 'call', recent: 1 }),
      row(1, 'attempt.failed', 1, { reason: 'undelivered' }),
      row(2, 'attempt.failed', 1, { reason: 'busy', country: 'GB', channel: 'call' }),
      row(2, 'attempt.failed', 1, { reason: 'fraud_reported', country: 'GB', channel: 'call' }),
      row(1, 'step.failover', 1, { reason: 'undelivered' }),
      row(2, 'step.failover', 1, { reason: 'user_skipped', country: 'GB', channel: 'call' }),
      row(2, 'challenge.denied', 1, { reason: 'fraud_reported', country: 'GB', channel: 'call' }),
      row(2, 'challenge.approved', 2, { country: null, channel: null }),
      row(2, 'challenge.expired', 1, { country: null, channel: null }),
      row(2, 'challenge.denied', 1, { reason: 'fraud_reported', country: null, channel: null }),
    ],
    t0,
    t0 + 2 * MINUTE,
  );

  it('the chart, the totals, the countries and the series count the same events', () => {
    expect(figures.perMinute.map((b) => b.minute)).toEqual([0, 1, 2].map((m) => new Date(t0 + m * MINUTE).toISOString()));
    expect(figures.perMinute.map((b) => [b.sent, b.delivered, b.failed, b.failedOver, b.fraud, b.skipped])).toEqual([
      [3, 2, 0, 0, 0, 0],
      [0, 0, 1, 1, 0, 0],
      [2, 1, 1, 0, 2, 1],
    ]);
    expect(figures.totals).toEqual({ sent: 5, delivered: 3, failed: 2, failedOver: 1, fraud: 2, skipped: 1 });
    expect(figures.recent).toEqual({ sent: 2, delivered: 1, failed: 0, failedOver: 0, fraud: 0, skipped: 0 });
    expect(figures.byCountry).toEqual([
      { country: 'US', sent: 3, delivered: 2, failed: 1, failedOver: 1, fraud: 0, skipped: 0 },
      { country: 'GB', sent: 2, delivered: 1, failed: 1, failedOver: 0, fraud: 1, skipped: 1 },
      { country: 'unknown', sent: 0, delivered: 0, failed: 0, failedOver: 0, fraud: 1, skipped: 0 },
    ]);
    const sumSeries = (outcome: string) => figures.series.filter((s) => s.outcome === outcome).reduce((n, s) => n + s.count, 0);
    for (const [outcome, total] of Object.entries(figures.totals)) expect(sumSeries(outcome)).toBe(total);
  });

  it('failure reasons add up to the failed counter; fraud and skips are not failures', () => {
    expect(figures.failureReasons).toEqual([
      { reason: 'busy', count: 1 },
      { reason: 'undelivered', count: 1 },
    ]);
    expect(figures.byChannel.find((c) => c.channel === 'call')).toMatchObject({ failed: 1, delivered: 1, fraud: 1, skipped: 1 });
  });

  it('challenges approved and failed (expired included); events outside the window count nowhere', () => {
    expect(figures.challenges).toEqual({ approved: 2, failed: 1 });
    const outside = outcomeFigures([row(-1, 'attempt.sent', 4), row(3, 'attempt.sent', 4)], t0, t0 + 2 * MINUTE);
    expect(outside.totals.sent).toBe(0);
    expect(outside.series).toEqual([]);
  });
});
