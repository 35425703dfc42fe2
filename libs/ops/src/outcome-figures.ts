import { CHALLENGE_END_TYPES, type MinuteBucket, type OutcomeCounter, type OutcomeCounts, outcomeOf, zeroCounts } from '@redial/contracts';

/**
 * The operators' counters added up from grouped challenge events (OpsRepository.countedEvents), through the one
 * definition in libs/contracts (`outcomeOf`). Pure: every figure the dashboard, /metrics and the failure-rate
 * alert show comes out of the same rows, so they agree.
 */

/** Counted events of one minute, type, reason and step (its destination country and channel). */
export interface CountedEventRow {
  minute: Date;
  type: string;
  reason: string | null;
  country: string | null;
  channel: string | null;
  n: number;
  /** Those at or after the `recent` bound. */
  recent: number;
}

export interface OutcomeSeries {
  outcome: OutcomeCounter;
  channel: string;
  country: string;
  count: number;
}

export interface OutcomeFigures {
  /** Oldest first, one per minute from `firstMinute` to `lastMinute` inclusive. */
  perMinute: MinuteBucket[];
  /** Over the whole window (the sum of perMinute). */
  totals: OutcomeCounts;
  /** Those counted in `recent`. */
  recent: OutcomeCounts;
  /** Most sent first, then by country. */
  byCountry: Array<{ country: string } & OutcomeCounts>;
  /** The reasons of `failed`, most frequent first. */
  failureReasons: Array<{ reason: string; count: number }>;
  /** Per counter, channel and country (`/metrics`), in a stable order. */
  series: OutcomeSeries[];
  /** Per channel (`sms`, `call`). */
  byChannel: Array<{ channel: string } & OutcomeCounts>;
  challenges: { approved: number; failed: number };
}

const MINUTE = 60_000;
/** Events whose step is unknown (none today: every counted event names its step). */
export const UNKNOWN = 'unknown';

export function outcomeFigures(rows: CountedEventRow[], firstMinute: number, lastMinute: number): OutcomeFigures {
  const perMinute: MinuteBucket[] = [];
  const minutes = new Map<number, MinuteBucket>();
  for (let m = firstMinute; m <= lastMinute; m += MINUTE) {
    const bucket: MinuteBucket = { minute: new Date(m).toISOString(), ...zeroCounts() };
    perMinute.push(bucket);
    minutes.set(m, bucket);
  }
  const totals = zeroCounts();
  const recent = zeroCounts();
  const countries = new Map<string, OutcomeCounts>();
  const channels = new Map<string, OutcomeCounts>();
  const reasons = new Map<string, number>();
  const series = new Map<string, OutcomeSeries>();
  const challenges = { approved: 0, failed: 0 };

  for (const row of rows) {
    const end = CHALLENGE_END_TYPES[row.type as keyof typeof CHALLENGE_END_TYPES];
    if (end) challenges[end] += row.n;
    const outcome = outcomeOf(row.type, row.reason);
    if (!outcome) continue;
    const bucket = minutes.get(new Date(row.minute).getTime());
    if (!bucket) continue; // outside the window: counted nowhere, so every view leaves it out alike
    const country = row.country ?? UNKNOWN;
    const channel = row.channel ?? UNKNOWN;
    bucket[outcome] += row.n;
    totals[outcome] += row.n;
    recent[outcome] += row.recent;
    countOf(countries, country)[outcome] += row.n;
    countOf(channels, channel)[outcome] += row.n;
    if (outcome === 'failed') {
      const reason = row.reason ?? UNKNOWN;
      reasons.set(reason, (reasons.get(reason) ?? 0) + row.n);
    }
    const key = `${outcome}/${channel}/${country}`;
    const s = series.get(key) ?? series.set(key, { outcome, channel, country, count: 0 }).get(key)!;
    s.count += row.n;
  }

  return {
    perMinute,
    totals,
    recent,
    byCountry: [...countries].map(([country, c]) => ({ country, ...c })).sort((a, b) => b.sent - a.sent || a.country.localeCompare(b.country)),
    byChannel: [...channels].map(([channel, c]) => ({ channel, ...c })).sort((a, b) => a.channel.localeCompare(b.channel)),
    failureReasons: [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    series: [...series.values()].sort((a, b) => a.outcome.localeCompare(b.outcome) || a.channel.localeCompare(b.channel) || a.country.localeCompare(b.country)),
    challenges,
  };
}

function countOf(map: Map<string, OutcomeCounts>, key: string): OutcomeCounts {
  let counts = map.get(key);
  if (!counts) map.set(key, (counts = zeroCounts()));
  return counts;
}
