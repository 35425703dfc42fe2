import type { Redis } from 'ioredis';
import { metricsKey } from '@redial/contracts';
import { HashIncrementBatch } from '@redial/queue';

/**
 * Counters and histograms that several processes add to and any api instance reads, kept in Redis hashes
 * (`<prefix>-metrics-<name>`, named in libs/contracts redis-keys.ts). The worker cannot be scraped through
 * the api, and a worker fleet comes and goes; adding to a shared hash keeps the figures whole across processes
 * and restarts. Observations are batched (MetricsRecorder): one pipelined round trip per second at most,
 * fire-and-forget. Counters only ever grow, as Prometheus expects.
 *
 * Hash fields: `<labels>|count`, `<labels>|sum`, `<labels>|b<i>` (non-cumulative bucket i; the reader adds
 * them up). `<labels>` is `k=v,k=v` in a fixed order; label values are ours (queue names, outcomes), never
 * user input.
 */

export interface HistogramSpec {
  name: string;
  help: string;
  labelNames: string[];
  /** Upper bounds in seconds, ascending. */
  buckets: number[];
}

export const JOB_DURATION: HistogramSpec = {
  name: 'redial_job_duration_seconds',
  help: 'Time the worker spent on a job, by queue, job name and outcome (completed | failed); from all workers.',
  labelNames: ['queue', 'job', 'outcome'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
};

export const PROVIDER_LATENCY: HistogramSpec = {
  name: 'redial_provider_request_duration_seconds',
  help: 'Latency of requests to the telephony provider (send_sms | place_call), by outcome (ok or the classified error reason); from all workers.',
  labelNames: ['provider', 'operation', 'outcome'],
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
};

function labelsKey(spec: HistogramSpec, labels: Record<string, string>): string {
  return spec.labelNames.map((n) => `${n}=${String(labels[n] ?? '').replace(/[,=|]/g, '_')}`).join(',');
}

/** The hash increments one observation makes: `<labels>|count`, `<labels>|sum`, `<labels>|b<i>`. */
function increments(spec: HistogramSpec, labels: Record<string, string>, seconds: number): Array<[field: string, by: number]> {
  const l = labelsKey(spec, labels);
  let bucket = spec.buckets.findIndex((le) => seconds <= le);
  if (bucket === -1) bucket = spec.buckets.length; // above the last bound: only +Inf (= count) holds it
  return [
    [`${l}|count`, 1],
    [`${l}|sum`, seconds],
    [`${l}|b${bucket}`, 1],
  ];
}

/**
 * Adds observations to the shared hashes in batches: observations are summed in memory and written at most
 * every `flushMs` in one pipelined round trip, instead of one round trip per observation (a text used to cost
 * two: job duration and provider latency). Never throws: a metrics hiccup must not fail a job; a batch that
 * cannot be written is dropped.
 */
export class MetricsRecorder {
  private closed = false;
  private readonly batch: HashIncrementBatch;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    flushMs = 1000,
  ) {
    this.batch = new HashIncrementBatch(redis, flushMs);
  }

  observe(spec: HistogramSpec, labels: Record<string, string>, seconds: number): void {
    if (this.closed) return;
    const key = metricsKey(this.prefix, spec.name);
    for (const [field, by] of increments(spec, labels, seconds)) this.batch.add(key, field, by, field.endsWith('|sum'));
  }

  /** Writes what has been observed so far. */
  flush(): Promise<void> {
    return this.batch.flush();
  }

  /** Writes what is left and closes the connection (the recorder owns it). Later observations are dropped. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flush();
    this.redis.disconnect();
  }
}

export interface HistogramValue {
  labels: Record<string, string>;
  value: number;
  metricName: string;
}

/** Reads a histogram back as prom-client metric values (cumulative `_bucket`s with `le`, `_sum`, `_count`). */
export async function readHistogram(redis: Redis, prefix: string, spec: HistogramSpec): Promise<HistogramValue[]> {
  const hash = await redis.hgetall(metricsKey(prefix, spec.name));
  const series = new Map<string, { count: number; sum: number; buckets: number[] }>();
  for (const [field, raw] of Object.entries(hash)) {
    const sep = field.lastIndexOf('|');
    if (sep < 0) continue;
    const l = field.slice(0, sep);
    const part = field.slice(sep + 1);
    let s = series.get(l);
    if (!s) {
      s = { count: 0, sum: 0, buckets: new Array<number>(spec.buckets.length + 1).fill(0) };
      series.set(l, s);
    }
    const v = Number(raw);
    if (part === 'count') s.count = v;
    else if (part === 'sum') s.sum = v;
    else if (part.startsWith('b')) {
      const i = Number(part.slice(1));
      if (Number.isInteger(i) && i >= 0 && i < s.buckets.length) s.buckets[i] = v;
    }
  }
  const values: HistogramValue[] = [];
  for (const [l, s] of [...series.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const labels = Object.fromEntries(l.split(',').map((pair) => pair.split('=') as [string, string]));
    let cumulative = 0;
    spec.buckets.forEach((le, i) => {
      cumulative += s.buckets[i];
      values.push({ metricName: `${spec.name}_bucket`, labels: { ...labels, le: String(le) }, value: cumulative });
    });
    values.push({ metricName: `${spec.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
    values.push({ metricName: `${spec.name}_sum`, labels, value: s.sum });
    values.push({ metricName: `${spec.name}_count`, labels, value: s.count });
  }
  return values;
}
