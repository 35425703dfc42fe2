/** The summary of a run: the figures issue 16 is judged on, against their goals, alone or before vs after. */
import { LOAD_GENERATOR } from './cpu';
import { figure, median, type Figure } from './stats';
import type { Goal, SuiteResult } from './suite';

/** What `npm run bench` writes to bench/results/*.json, as far as the summaries read it. */
export interface BenchReport {
  date: string;
  mode: string;
  results: Record<string, SuiteResult>;
  failures?: Record<string, string>;
}

interface Headline {
  label: string;
  suite: string;
  figure: string;
  goal?: Omit<Goal, 'figure'>;
}

/**
 * The headline figures, in the order of the summary: the goals of issue 16's "Done when" (the suites declare
 * theirs from here: `headlineGoals`), and what they are judged against.
 */
export const HEADLINES: Headline[] = [
  { label: 'raw BullMQ → sandbox baseline', suite: 'baseline', figure: 'jobsPerSec' },
  { label: 'dispatch ÷ baseline, 1 worker', suite: 'dispatch', figure: 'ratioToBaseline', goal: { op: '>=', value: 0.5 } },
  { label: 'dispatch ÷ baseline, 2 workers', suite: 'dispatch', figure: 'ratio2WorkersToBaseline', goal: { op: '>=', value: 0.5 } },
  { label: 'CPU per challenge at 200/s, every process', suite: 'latency', figure: 'cpuMsPerChallenge', goal: { op: '<=', value: 4 } },
  { label: 'p50 at 200/s', suite: 'latency', figure: 'p50', goal: { op: '<=', value: 20 } },
  { label: 'p99 at 200/s', suite: 'latency', figure: 'p99', goal: { op: '<=', value: 60 } },
  // What the same load through the same protocol hops costs with none of Redial's work (bench/suites/floor.ts).
  { label: 'protocol floor: CPU per challenge at 200/s without Redial', suite: 'floor', figure: 'cpuMsPerChallenge' },
  // The 200/s latency goal said as a rate: the knee must be at or above it.
  { label: 'knee: highest rate with p99 ≤ 60 ms', suite: 'knee', figure: 'rate', goal: { op: '>=', value: 200 } },
  { label: 'knee ÷ baseline', suite: 'knee', figure: 'ratioToBaseline' },
];

/** A suite's goals among the headline figures. */
export function headlineGoals(suite: string): Goal[] {
  return HEADLINES.filter((h) => h.suite === suite && h.goal).map((h) => ({ figure: h.figure, ...(h.goal as Omit<Goal, 'figure'>) }));
}

export function fmt(v: number, cap?: number): string {
  if (v === Number.POSITIVE_INFINITY && cap !== undefined) return `>${cap}`;
  if (!Number.isFinite(v)) return '—';
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function meets(goal: Omit<Goal, 'figure'>, value: number): boolean {
  if (Number.isNaN(value)) return false;
  return goal.op === '>=' ? value >= goal.value : value <= goal.value;
}

const goalText = (goal?: Omit<Goal, 'figure'>) => (goal ? `${goal.op} ${goal.value}` : '');

/** A figure's median with its unit, and its spread when there were several repetitions. */
export function show(f: Figure): string {
  const value = `${fmt(f.median, f.cap)}${f.unit === '×' ? '×' : ` ${f.unit}`}`;
  return f.runs.length > 1 ? `${value} (${fmt(f.min, f.cap)}–${fmt(f.max, f.cap)})` : value;
}

/** Per-repetition CPU per challenge at 200/s, by process group (latency params). */
function latencyCpu(report: BenchReport): Array<Record<string, number>> {
  const runs = report.results.latency?.params.cpuMsPerChallenge;
  return Array.isArray(runs) ? (runs as Array<Record<string, number>>) : [];
}

/** JSON has no Infinity: a censored value ("more than `cap`") is written as null. */
function revive(f: Figure): Figure {
  const value = (v: number | null) => (v === null ? (f.cap !== undefined ? Number.POSITIVE_INFINITY : Number.NaN) : v);
  return { ...f, median: value(f.median), min: value(f.min), max: value(f.max) };
}

export function figureOf(report: BenchReport, suite: string, key: string): Figure | undefined {
  const f = report.results[suite]?.figures[key];
  if (f) return revive(f);
  if (suite !== 'latency' || key !== 'cpuMsPerChallenge') return undefined;
  // Runs before the total was a figure (bench/results/before*.json): the sum of the processes they measured.
  const runs = latencyCpu(report);
  if (runs.length === 0) return undefined;
  return figure(
    runs.map((c) => Object.entries(c).reduce((a, [group, ms]) => (group === LOAD_GENERATOR || group === 'total' ? a : a + ms), 0)),
    'ms',
    1,
  );
}

/** "api 2.2 · worker 2.0 · …" — the median CPU per challenge at 200/s of each process group, largest first. */
export function cpuSplit(report: BenchReport): string {
  const runs = latencyCpu(report);
  if (runs.length === 0) return '—';
  const groups = [...new Set(runs.flatMap((c) => Object.keys(c)))].filter((g) => g !== 'total' && g !== LOAD_GENERATOR);
  const medians = groups.map((g) => [g, median(runs.map((c) => c[g]).filter((v) => v !== undefined))] as const).sort((a, b) => b[1] - a[1]);
  const runner = median(runs.map((c) => c[LOAD_GENERATOR]).filter((v) => v !== undefined));
  const split = medians.map(([g, ms]) => `${g} ${ms.toFixed(1)}`).join(' · ');
  return Number.isNaN(runner) ? split : `${split} (load generator ${runner.toFixed(1)}, not counted)`;
}

/** Which of Redial's process groups did each hop's work in the protocol floor (bench/suites/floor.ts). */
const FLOOR_AS_REDIAL: Record<string, string> = { 'bare-api': 'api', 'raw-worker': 'worker' };

/**
 * "postgres +1.9 · api +1.8 · …" — what Redial's own work costs per challenge at 200/s beyond the protocol floor of
 * the same run, by process: the median of each group in the latency benchmark minus the floor's median for the
 * process that does the same hop there (the bare endpoint is the api's, the raw worker the worker's; the floor has no
 * gateway and an idle database). '—' when the run has no floor.
 */
export function ownWorkSplit(report: BenchReport): string {
  const runs = latencyCpu(report);
  const floorRuns = report.results.floor?.params.cpuMsPerChallenge;
  if (runs.length === 0 || !Array.isArray(floorRuns) || floorRuns.length === 0) return '—';
  const groupMedian = (rs: Array<Record<string, number>>, g: string) => median(rs.map((c) => c[g]).filter((v) => v !== undefined));
  const floorOf = new Map<string, number>();
  for (const g of new Set((floorRuns as Array<Record<string, number>>).flatMap((c) => Object.keys(c)))) {
    if (g === 'total' || g === LOAD_GENERATOR) continue;
    floorOf.set(FLOOR_AS_REDIAL[g] ?? g, groupMedian(floorRuns as Array<Record<string, number>>, g));
  }
  const groups = [...new Set(runs.flatMap((c) => Object.keys(c)))].filter((g) => g !== 'total' && g !== LOAD_GENERATOR);
  const own = groups.map((g) => [g, groupMedian(runs, g) - (floorOf.get(g) ?? 0)] as const).sort((a, b) => b[1] - a[1]);
  const sign = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(1)}`;
  const total = own.reduce((a, [, ms]) => a + ms, 0);
  return `${sign(total)} in all: ${own.map(([g, ms]) => `${g} ${sign(ms)}`).join(' · ')}`;
}

/** The headline figures of one run with their goals, for the console: rows of figure, goal, median, spread, verdict. */
export function headlineRows(report: BenchReport): string[][] {
  return HEADLINES.map(({ label, suite, figure: key, goal }) => {
    const f = figureOf(report, suite, key);
    const verdict = !f ? (report.results[suite] ? 'not measured' : 'not run') : goal ? (meets(goal, f.median) ? 'met' : 'MISSED') : '';
    return [label, goalText(goal), f ? show(f) : '—', verdict];
  });
}

/**
 * The headline figures of two runs side by side, as a Markdown table (README, bench/README.md); without `after`
 * its column is left for a run to fill. The before column is judged against the same goals.
 */
export function comparisonMarkdown(before: BenchReport, after?: BenchReport): string {
  const cell = (report: BenchReport | undefined, suite: string, key: string, goal?: Omit<Goal, 'figure'>) => {
    if (!report) return '';
    const f = figureOf(report, suite, key);
    if (!f) return '—';
    return goal ? `${show(f)} — ${meets(goal, f.median) ? 'met' : '**missed**'}` : show(f);
  };
  const when = (r?: BenchReport) => (r ? ` (${r.mode} run, ${r.date.slice(0, 10)})` : '');
  const lines = [`| figure | goal | before${when(before)} | after${when(after)} |`, '|---|---|---|---|'];
  for (const { label, suite, figure: key, goal } of HEADLINES) {
    lines.push(`| ${label} | ${goalText(goal) || '—'} | ${cell(before, suite, key, goal)} | ${cell(after, suite, key, goal)} |`);
  }
  lines.push(`| CPU per challenge at 200/s, by process (ms) | — | ${cpuSplit(before)} | ${after ? cpuSplit(after) : ''} |`);
  lines.push(`| Redial's own work beyond the protocol floor, by process (ms) | — | ${ownWorkSplit(before)} | ${after ? ownWorkSplit(after) : ''} |`);
  return lines.join('\n');
}
