import { readFileSync } from 'node:fs';
import DEFAULT_PRICES from './prices.default.json';

/**
 * What a text or a call is estimated to cost, per destination country and channel: USD per text segment and
 * per call minute (started minutes, as Twilio bills them). `*` is the price of every country not listed.
 * Defaults in prices.default.json (with their source); PRICES_FILE replaces the table with one of the same shape.
 */

export type Channel = 'sms' | 'call';

export interface CountryPrices {
  smsPerSegment: number;
  callPerMinute: number;
}

export interface PriceTable {
  /** Where the figures come from (shown to operators; the file's `source`). */
  source: string;
  /** ISO 3166 alpha-2 country → prices; `*` for the rest (always present). */
  prices: Readonly<Record<string, CountryPrices>>;
}

/** An estimate: `units` is segments for a text, minutes for a call. USD rounded to 1/1,000,000. */
export interface CostEstimate {
  usd: number;
  units: number;
}

/** Validates a price table (the default file or PRICES_FILE's content); throws a sentence naming `origin`. */
export function parsePriceTable(raw: unknown, origin: string): PriceTable {
  const fail = (why: string): never => {
    throw new Error(`${origin}: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('must be a JSON object {"currency":"USD","prices":{...}}');
  const { currency, prices, source } = raw as Record<string, unknown>;
  if (currency !== undefined && currency !== 'USD') fail(`currency must be "USD", got ${JSON.stringify(currency)}`);
  if (typeof prices !== 'object' || prices === null || Array.isArray(prices)) return fail('"prices" must be an object of country → {smsPerSegment, callPerMinute}');
  const table: Record<string, CountryPrices> = {};
  for (const [country, entry] of Object.entries(prices)) {
    if (country !== '*' && !/^[A-Z]{2}$/.test(country)) fail(`"${country}" is not an ISO 3166 alpha-2 country code (or *)`);
    const { smsPerSegment, callPerMinute } = (entry ?? {}) as Record<string, unknown>;
    for (const [name, v] of [['smsPerSegment', smsPerSegment], ['callPerMinute', callPerMinute]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 100) fail(`${country}.${name} must be a price in USD from 0 to 100, got ${JSON.stringify(v)}`);
    }
    table[country] = { smsPerSegment: smsPerSegment as number, callPerMinute: callPerMinute as number };
  }
  if (!table['*']) fail('"prices" needs a "*" entry: the price of every country not listed');
  return { source: typeof source === 'string' ? source : origin, prices: table };
}

/** The defaults, or PRICES_FILE's table. Throws (at start-up) when the file cannot be read or is malformed. */
export function loadPriceTable(pricesFile: string | undefined): PriceTable {
  if (pricesFile === undefined) return parsePriceTable(DEFAULT_PRICES, 'prices.default.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(pricesFile, 'utf8'));
  } catch (err) {
    throw new Error(`PRICES_FILE ${pricesFile}: ${(err as Error).message}`);
  }
  return parsePriceTable(raw, `PRICES_FILE ${pricesFile}`);
}

export function pricesFor(table: PriceTable, country: string): CountryPrices {
  return table.prices[country.toUpperCase()] ?? table.prices['*'];
}

/** `units` segments (texts) or started minutes (calls) to `country`. */
export function costOf(table: PriceTable, country: string, channel: Channel, units: number): CostEstimate {
  const p = pricesFor(table, country);
  const each = channel === 'sms' ? p.smsPerSegment : p.callPerMinute;
  return { usd: roundUsd(each * units), units };
}

/** Started minutes of a call that lasted `durationSec` (0 for a call never answered: Twilio bills nothing). */
export function billedMinutes(durationSec: number): number {
  return durationSec <= 0 ? 0 : Math.ceil(durationSec / 60);
}

export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}
