/**
 * The exposition `promtool check metrics` accepts: the text is parsed by a real Prometheus text-format parser
 * (parse-prometheus-text-format, a port of the Python client's), then promtool's lint rules are applied
 * (prometheus/util/promlint): HELP and TYPE on every metric, `_total` on counters and only on counters, no
 * histogram suffixes on other types, no type name or abbreviated/non-base unit in a name, snake_case, no `:`
 * (reserved for recording rules), and no metric family declared twice.
 */

export interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

// The package ships no type declarations; its CommonJS entry exports the function itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => Family[];

/** The metric families of an exposition, types in lower case (the parser answers prom2json's `COUNTER`…). */
export function parseExposition(text: string): Family[] {
  return parsePrometheusTextFormat(text).map((f) => ({ ...f, help: f.help ?? '', type: String(f.type).toLowerCase() }));
}

const TYPES = ['counter', 'gauge', 'histogram', 'summary'];
const ABBREVIATED_UNITS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];
const BASE_UNITS = ['amperes', 'bytes', 'celsius', 'grams', 'joules', 'kelvin', 'meters', 'metres', 'seconds', 'volts'];
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mibi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi'];

/** promtool's test for a type name or an abbreviated unit: `_<part>_` inside the name, or `_<part>` at its end. */
const hasPart = (name: string, part: string): boolean => name.includes(`_${part}_`) || name.endsWith(`_${part}`);

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$/;
const LABEL_PAIR = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

/** A sample value as Prometheus reads it (Go's ParseFloat: `NaN`, `+Inf`, `-Inf` in any case, as prom-client's `Nan`). */
function parseValue(raw: string): number | undefined {
  if (/^\+?inf(inity)?$/i.test(raw)) return Infinity;
  if (/^-inf(inity)?$/i.test(raw)) return -Infinity;
  if (/^nan$/i.test(raw)) return NaN;
  const n = Number(raw);
  return raw.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}

/**
 * The samples, read line by line (parse-prometheus-text-format folds a labelled histogram's series into one
 * and accepts any value, so the lint reads the lines itself for those checks). Unreadable lines are problems.
 */
export function readSamples(text: string, problems: string[] = []): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = SAMPLE_LINE.exec(line);
    const value = m ? parseValue(m[3]) : undefined;
    if (!m || value === undefined) {
      problems.push(`unreadable sample line: ${line}`);
      continue;
    }
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL_PAIR.lastIndex = 0;
    while (LABEL_PAIR.lastIndex < body.length) {
      const pair = LABEL_PAIR.exec(body);
      if (!pair) {
        problems.push(`unreadable labels: ${line}`);
        break;
      }
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/** The value of one sample: `sampleValue(samples, 'redial_queue_jobs', { queue: 'texts', state: 'failed' })`. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const keys = Object.keys(labels);
  return samples.find((s) => s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k]))?.value;
}

/** A histogram's series: buckets non-decreasing, a `+Inf` bucket equal to `_count`, and a `_sum`. */
function histogramProblems(name: string, samples: Sample[]): string[] {
  const problems: string[] = [];
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  const key = (labels: Record<string, string>) =>
    `{${Object.entries(labels)
      .filter(([k]) => k !== 'le')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
  const get = (labels: Record<string, string>) => {
    const k = key(labels);
    if (!series.has(k)) series.set(k, { buckets: [] });
    return series.get(k) as { buckets: Array<[number, number]>; count?: number; sum?: number };
  };
  for (const s of samples) {
    if (s.name === `${name}_bucket`) {
      const le = parseValue(s.labels.le ?? '');
      if (le === undefined) problems.push(`${name}: bucket without a readable "le"`);
      else get(s.labels).buckets.push([le, s.value]);
    } else if (s.name === `${name}_count`) get(s.labels).count = s.value;
    else if (s.name === `${name}_sum`) get(s.labels).sum = s.value;
  }
  for (const [labels, s] of series) {
    const sorted = [...s.buckets].sort((a, b) => a[0] - b[0]);
    if (sorted.some(([, v], i) => i > 0 && v < sorted[i - 1][1])) problems.push(`${name}${labels}: buckets are not cumulative`);
    const inf = sorted.find(([le]) => le === Infinity);
    if (!inf) problems.push(`${name}${labels}: no +Inf bucket`);
    else if (inf[1] !== s.count) problems.push(`${name}${labels}: +Inf bucket ${inf[1]} is not _count ${String(s.count)}`);
    if (s.sum === undefined) problems.push(`${name}${labels}: no _sum`);
  }
  return problems;
}

/** Problems, one line each (`<metric>: <rule>`); an empty list means promtool would pass the text. */
export function lintExposition(text: string): string[] {
  const problems: string[] = [];
  const declared = new Map<string, number>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line)?.[1];
    if (type) declared.set(type, (declared.get(type) ?? 0) + 1);
  }
  for (const [name, times] of declared) if (times > 1) problems.push(`${name}: declared ${times} times`);

  const families = parseExposition(text);
  const seen = new Set<string>();
  for (const f of families) {
    if (seen.has(f.name)) problems.push(`${f.name}: duplicate metric family`);
    seen.add(f.name);
    if (!f.help || f.help.trim() === '') problems.push(`${f.name}: no help text`);
    if (!TYPES.includes(f.type)) problems.push(`${f.name}: no TYPE (or untyped)`);
    if (f.type === 'counter' && !f.name.endsWith('_total')) problems.push(`${f.name}: counter metrics should have "_total" suffix`);
    if (f.type !== 'counter' && f.name.endsWith('_total')) problems.push(`${f.name}: non-counter metrics should not have "_total" suffix`);
    if (f.type !== 'histogram' && f.type !== 'summary') {
      for (const suffix of ['_count', '_sum', '_bucket']) {
        if (f.name.endsWith(suffix)) problems.push(`${f.name}: non-histogram and non-summary metrics should not have "${suffix}" suffix`);
      }
    }
    for (const t of TYPES) if (hasPart(f.name, t)) problems.push(`${f.name}: metric name should not include type '${t}'`);
    for (const u of ABBREVIATED_UNITS) if (hasPart(f.name, u)) problems.push(`${f.name}: metric names should not contain abbreviated units ("${u}")`);
    for (const unit of BASE_UNITS) {
      for (const prefix of UNIT_PREFIXES) if (f.name.includes(prefix + unit)) problems.push(`${f.name}: use base unit "${unit}" instead of "${prefix}${unit}"`);
    }
    if (f.name.includes(':')) problems.push(`${f.name}: metric names should not contain ':'`);
    if (!/^[a-z_][a-z0-9_]*$/.test(f.name)) problems.push(`${f.name}: metric names should be written in 'snake_case' not 'camelCase'`);
    for (const m of f.metrics) {
      for (const label of Object.keys(m.labels ?? {})) {
        if (!/^[a-z_][a-z0-9_]*$/.test(label)) problems.push(`${f.name}: label names should be written in 'snake_case' not 'camelCase' (${label})`);
        if (f.type !== 'histogram' && label === 'le') problems.push(`${f.name}: non-histogram metrics should not have "le" label`);
        if (f.type !== 'summary' && label === 'quantile') problems.push(`${f.name}: non-summary metrics should not have "quantile" label`);
      }
    }
  }
  const samples = readSamples(text, problems);
  const byName = new Map(families.map((f) => [f.name, f.type]));
  for (const s of samples) {
    const family = byName.has(s.name) ? s.name : s.name.replace(/_(bucket|count|sum)$/, '');
    const type = byName.get(family);
    if (type === undefined || (family !== s.name && type !== 'histogram' && type !== 'summary')) problems.push(`${s.name}: sample of no declared metric`);
  }
  for (const f of families) if (f.type === 'histogram') problems.push(...histogramProblems(f.name, samples));
  return problems;
}
