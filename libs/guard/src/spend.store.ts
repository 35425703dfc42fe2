import type { Redis } from 'ioredis';
import { metricsKey, spendKey } from '@redial/contracts';
import type { ScriptCall } from './guard.scripts';
import { Channel, roundUsd } from './price.table';

/**
 * Estimated spend, shared by every process through Redis (PostgreSQL keeps each attempt's estimate as the
 * record). Per UTC day and per UTC hour, a hash `<prefix>-spend-<period>` with a field per `<country>|<channel>`,
 * `all` (the period's total: what the daily cap compares) and `refused` (sends the cap refused that day); and
 * the all-time counter behind `redial_spend_usd_total{country,channel}` in the metrics hash. Plain functions
 * over a connection, so the worker's spend check, the api's cap at create time, the dashboard, the alerts and
 * /metrics all read the same figures without depending on each other's modules. The cap and the spending are
 * Lua sections of the guard's one script per decision (guard.scripts.ts).
 */

export const SPEND_METRIC = 'redial_spend_usd_total';
const DAY_TTL_SEC = 8 * 24 * 3600;
const HOUR_TTL_SEC = 2 * 24 * 3600;
const DAY_MS = 24 * 3600 * 1000;

const ALL = 'all';
const REFUSED = 'refused';

/** `d20261130` — the UTC day of `at`. */
export function dayPeriod(at: Date): string {
  return `d${at.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** `h2026113014` — the UTC hour of `at`. */
export function hourPeriod(at: Date): string {
  const iso = at.toISOString();
  return `h${iso.slice(0, 10).replace(/-/g, '')}${iso.slice(11, 13)}`;
}

/** Whole seconds until the next UTC midnight (at least 1): when a day's cap opens again. */
export function secondsUntilNextUtcDay(at: Date): number {
  const next = Math.floor(at.getTime() / DAY_MS) * DAY_MS + DAY_MS;
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}

/**
 * The daily cap, before a send or a new challenge: refused when the estimate would take the day's spend past the
 * cap — `overCap(roundUsd(spent), next, cap)` (spend.check.ts; Math.round(x) is floor(x + 0.5) for every figure
 * here) — and then the refusal is counted in the day's `refused` (the cap alert fires on it). KEYS: the day's
 * hash; ARGV: the estimate, the cap (> 0), the day hash's TTL (s). Reply `[refused, the day's spend as stored]`.
 */
export const SPEND_CAP_CHECK = `function(keys, args)
  local spent = redis.call('HGET', keys[1], '${ALL}') or '0'
  local rounded = math.floor(tonumber(spent) * 1e6 + 0.5) / 1e6
  if not (rounded + tonumber(args[1]) > tonumber(args[2]) + 1e-9) then return {0, spent} end
  redis.call('HINCRBY', keys[1], '${REFUSED}', 1)
  redis.call('EXPIRE', keys[1], args[3])
  return {1, spent}
end`;

/**
 * Adds one send's estimate to the day, the hour and the all-time counter. KEYS: the day's and the hour's hash,
 * the metrics hash; ARGV: the `<country>|<channel>` field, the USD, the day's and the hour's TTL (s), the
 * metrics field.
 */
export const ADD_SPEND = `function(keys, args)
  for i = 1, 2 do
    redis.call('HINCRBYFLOAT', keys[i], args[1], args[2])
    redis.call('HINCRBYFLOAT', keys[i], '${ALL}', args[2])
    redis.call('EXPIRE', keys[i], args[2 + i])
  end
  redis.call('HINCRBYFLOAT', keys[3], args[5], args[2])
  return {0}
end`;

/** Asks whether `next` more (USD) fits under today's cap (SPEND_CAP_DAILY_USD > 0), counting a refusal. */
export function capCheck(prefix: string, next: number, capUsd: number, at = new Date()): ScriptCall {
  return { lua: SPEND_CAP_CHECK, keys: [spendKey(prefix, dayPeriod(at))], args: [next, capUsd, DAY_TTL_SEC] };
}

/** Adds one send's estimate (USD, not 0) to the day, the hour and the all-time counter. */
export function addSpend(prefix: string, spend: { country: string; channel: Channel; usd: number }, at = new Date()): ScriptCall {
  return {
    lua: ADD_SPEND,
    keys: [spendKey(prefix, dayPeriod(at)), spendKey(prefix, hourPeriod(at)), metricsKey(prefix, SPEND_METRIC)],
    args: [`${spend.country}|${spend.channel}`, spend.usd, DAY_TTL_SEC, HOUR_TTL_SEC, `country=${spend.country},channel=${spend.channel}`],
  };
}

/** The UTC day's spend so far (USD). */
export async function spentToday(redis: Redis, prefix: string, at = new Date()): Promise<number> {
  return roundUsd(Number((await redis.hget(spendKey(prefix, dayPeriod(at)), ALL)) ?? 0));
}

export interface SpendBreakdown {
  totalUsd: number;
  byChannel: Record<Channel, number>;
  /** Most spent first. */
  byCountry: Array<{ country: string; sms: number; call: number; totalUsd: number }>;
}

export interface SpendFigures {
  today: SpendBreakdown & { start: Date; refused: number };
  thisHour: SpendBreakdown & { start: Date };
}

/** This UTC day's and this UTC hour's spend, by channel and by country. */
export async function readSpend(redis: Redis, prefix: string, at = new Date()): Promise<SpendFigures> {
  const [day, hour] = await Promise.all([redis.hgetall(spendKey(prefix, dayPeriod(at))), redis.hgetall(spendKey(prefix, hourPeriod(at)))]);
  const dayStart = new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
  const hourStart = new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
  return {
    today: { ...breakdown(day), start: dayStart, refused: Number(day[REFUSED] ?? 0) },
    thisHour: { ...breakdown(hour), start: hourStart },
  };
}

/** A spend hash's `<country>|<channel>` fields, added up (pure). */
export function breakdown(hash: Record<string, string>): SpendBreakdown {
  const byChannel: Record<Channel, number> = { sms: 0, call: 0 };
  const countries = new Map<string, { country: string; sms: number; call: number; totalUsd: number }>();
  for (const [field, raw] of Object.entries(hash)) {
    const [country, channel] = field.split('|');
    if (channel !== 'sms' && channel !== 'call') continue;
    const usd = Number(raw);
    if (!Number.isFinite(usd)) continue;
    byChannel[channel] += usd;
    let row = countries.get(country);
    if (!row) countries.set(country, (row = { country, sms: 0, call: 0, totalUsd: 0 }));
    row[channel] += usd;
    row.totalUsd += usd;
  }
  const byCountry = [...countries.values()]
    .map((r) => ({ country: r.country, sms: roundUsd(r.sms), call: roundUsd(r.call), totalUsd: roundUsd(r.totalUsd) }))
    .sort((a, b) => b.totalUsd - a.totalUsd || a.country.localeCompare(b.country));
  return { totalUsd: roundUsd(byChannel.sms + byChannel.call), byChannel: { sms: roundUsd(byChannel.sms), call: roundUsd(byChannel.call) }, byCountry };
}

/** The all-time counter per country and channel, for `redial_spend_usd_total`. */
export async function readSpendTotals(redis: Redis, prefix: string): Promise<Array<{ country: string; channel: string; usd: number }>> {
  const hash = await redis.hgetall(metricsKey(prefix, SPEND_METRIC));
  return Object.entries(hash).map(([field, raw]) => {
    const labels = Object.fromEntries(field.split(',').map((pair) => pair.split('=') as [string, string]));
    return { country: labels.country ?? '', channel: labels.channel ?? '', usd: roundUsd(Number(raw)) };
  });
}
