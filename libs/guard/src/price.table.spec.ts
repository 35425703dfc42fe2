import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '@redial/config';
import { CostEstimator } from './cost.estimator';
import { billedMinutes, costOf, loadPriceTable, parsePriceTable, pricesFor } from './price.table';
import { overCap } from './spend.check';
import { breakdown, dayPeriod, hourPeriod, secondsUntilNextUtcDay } from './spend.store';

const defaults = loadPriceTable(undefined);

describe('the default price table', () => {
  it("has Twilio's published US prices, a source, and a fallback for every other country", () => {
    expect(pricesFor(defaults, 'US')).toEqual({ smsPerSegment: 0.0079, callPerMinute: 0.014 });
    expect(defaults.source).toMatch(/twilio/i);
    expect(pricesFor(defaults, 'ZZ')).toEqual(defaults.prices['*']);
    expect(pricesFor(defaults, 'us')).toEqual(pricesFor(defaults, 'US'));
  });

  it('prices every listed country at least as high as the US', () => {
    for (const p of Object.values(defaults.prices)) {
      expect(p.smsPerSegment).toBeGreaterThanOrEqual(0.0079);
      expect(p.callPerMinute).toBeGreaterThanOrEqual(0.014);
    }
  });
});

describe('costOf', () => {
  it.each([
    ['a one-segment US text', 'US', 'sms', 1, 0.0079],
    ['a three-segment US text', 'US', 'sms', 3, 0.0237],
    ['a one-minute US call', 'US', 'call', 1, 0.014],
    ['a two-minute US call', 'US', 'call', 2, 0.028],
    ['an unanswered call', 'US', 'call', 0, 0],
    ['a text to an unlisted country', 'ZZ', 'sms', 1, 0.15],
    ['a UK text', 'GB', 'sms', 1, 0.0524],
  ] as const)('%s', (_name, country, channel, units, usd) => {
    expect(costOf(defaults, country, channel, units)).toEqual({ usd, units });
  });

  it.each([
    [0, 0],
    [1, 1],
    [60, 1],
    [61, 2],
    [-5, 0],
  ])('a call of %i s is billed %i started minutes', (sec, minutes) => {
    expect(billedMinutes(sec)).toBe(minutes);
  });
});

describe('CostEstimator', () => {
  const estimator = new CostEstimator({ spend: { pricesFile: undefined, dailyCapUsd: 100 } } as AppConfig);

  it.each([
    ['a short text', 'sms', 'Your code is 123456.', { usd: 0.0079, units: 1 }],
    ['a 161-character text', 'sms', 'x'.repeat(161), { usd: 0.0158, units: 2 }],
    ['a UCS-2 text of 71 characters', 'sms', 'ж'.repeat(71), { usd: 0.0158, units: 2 }],
    ['a call (its first minute)', 'call', undefined, { usd: 0.014, units: 1 }],
  ] as const)('%s to the US', (_name, channel, body, estimate) => {
    expect(estimator.estimate(channel, 'US', body)).toEqual(estimate);
  });

  it('corrects a call from its duration', () => {
    expect(estimator.callCost('US', 75)).toEqual({ usd: 0.028, units: 2 });
    expect(estimator.callCost('US', 0)).toEqual({ usd: 0, units: 0 });
  });
});

describe('PRICES_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'redial-prices-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('replaces the table', () => {
    const table = loadPriceTable(file('ok.json', JSON.stringify({ currency: 'USD', prices: { US: { smsPerSegment: 0.01, callPerMinute: 0.02 }, '*': { smsPerSegment: 1, callPerMinute: 2 } } })));
    expect(costOf(table, 'US', 'sms', 1).usd).toBe(0.01);
    expect(costOf(table, 'GB', 'call', 1).usd).toBe(2);
  });

  it.each([
    ['no file', null, /PRICES_FILE .*ENOENT/],
    ['not JSON', 'nope', /PRICES_FILE .*JSON/],
    ['no fallback', JSON.stringify({ prices: { US: { smsPerSegment: 0.01, callPerMinute: 0.02 } } }), /needs a "\*" entry/],
    ['a bad country', JSON.stringify({ prices: { usa: { smsPerSegment: 0.01, callPerMinute: 0.02 } } }), /"usa" is not an ISO 3166/],
    ['a negative price', JSON.stringify({ prices: { '*': { smsPerSegment: -1, callPerMinute: 0.02 } } }), /\*\.smsPerSegment must be a price/],
    ['a missing price', JSON.stringify({ prices: { '*': { smsPerSegment: 0.01 } } }), /\*\.callPerMinute must be a price/],
    ['another currency', JSON.stringify({ currency: 'EUR', prices: {} }), /currency must be "USD"/],
  ])('refuses %s with a sentence naming the file', (_name, content, error) => {
    const path = content === null ? join(dir, 'missing.json') : file(`${_name.replace(/\W/g, '')}.json`, content);
    expect(() => loadPriceTable(path)).toThrow(error);
  });

  it('parsePriceTable names its origin', () => {
    expect(() => parsePriceTable([], 'somewhere')).toThrow(/^somewhere: /);
  });
});

describe('the daily cap and the spend hashes', () => {
  it.each([
    [0, 0.0079, 0.01, false],
    [0.0079, 0.0079, 0.01, true],
    [0.0021, 0.0079, 0.01, false],
    [99.99, 0.0079, 100, false],
    [1000, 1, 0, false],
  ])('spent %d, next %d, cap %d → over: %s', (spent, next, cap, over) => {
    expect(overCap(spent, next, cap)).toBe(over);
  });

  it('names UTC days and hours, and waits until the next UTC day', () => {
    const at = new Date('2026-11-30T23:59:30.500Z');
    expect(dayPeriod(at)).toBe('d20261130');
    expect(hourPeriod(at)).toBe('h2026113023');
    expect(secondsUntilNextUtcDay(at)).toBe(30);
    expect(secondsUntilNextUtcDay(new Date('2026-12-01T00:00:00.000Z'))).toBe(86400);
  });

  it('adds a hash up by channel and by country, most spent first', () => {
    expect(breakdown({ all: '0.0459', refused: '2', 'US|sms': '0.0158', 'US|call': '0.014', 'GB|sms': '0.0524', 'FR|fax': '1' })).toEqual({
      totalUsd: 0.0822,
      byChannel: { sms: 0.0682, call: 0.014 },
      byCountry: [
        { country: 'GB', sms: 0.0524, call: 0, totalUsd: 0.0524 },
        { country: 'US', sms: 0.0158, call: 0.014, totalUsd: 0.0298 },
      ],
    });
  });
});
