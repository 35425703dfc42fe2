/** Small statistics helpers: percentiles of samples, and the median-with-spread of repetitions. */

export function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank];
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** One figure over several repetitions: the median, the spread (min..max) and every run's value. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
  unit: string;
  /** Set when samples were censored: a value of Infinity (null in JSON) means "more than `cap`". */
  cap?: number;
}

export function figure(runs: number[], unit: string, digits = 2, cap?: number): Figure {
  const round = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
  const clean = runs.filter((v) => !Number.isNaN(v));
  const f: Figure = {
    median: round(median(clean)),
    min: round(clean.length ? Math.min(...clean) : Number.NaN),
    max: round(clean.length ? Math.max(...clean) : Number.NaN),
    runs: runs.map(round),
    unit,
  };
  if (cap !== undefined && runs.some((v) => v === Number.POSITIVE_INFINITY)) f.cap = cap;
  return f;
}

/** High-resolution wall-clock milliseconds, comparable between processes on one machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every `everyMs` until it returns a truthy value, or throws after `timeoutMs`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}
