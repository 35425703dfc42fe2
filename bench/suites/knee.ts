import { headlineGoals } from '../lib/report';
import { figure, percentile } from '../lib/stats';
import type { SuiteContext, SuiteResult } from '../lib/suite';
import { measure, startWholeStack } from './latency';

/** The latency goal that defines the knee (the 200/s goal of the latency benchmark). */
const P99_GOAL_MS = 60;

interface Step {
  rate: number;
  p50: number | null;
  p99: number | null;
  /** Share of the step's requests (after its warm-up) whose text arrived within the cap. */
  deliveredPct: number;
  cpuMsPerChallenge: number;
  /** How late the load generator sent a request at worst (a busy machine can delay the load itself). */
  maxSchedulerLagMs: number;
  held: boolean;
}

/**
 * 8. The knee: the highest rate of POST /v1/challenges at which the end-to-end p99 (the latency benchmark's
 * figure: request sent → text accepted by the sandbox, open-loop load, whole stack running) stays ≤ 60 ms. One
 * step runs the latency benchmark's measurement at one rate for `seconds` (its first second, a warm-up after
 * the idle wait, left out of the percentiles); a step holds when its p99 is ≤ 60 ms and no request failed. The
 * rate doubles from `start` while steps hold (or halves while they do not) until the knee is bracketed, then the
 * bracket is bisected until it is narrower than `resolution` of the rate that held. No step starts after
 * `budgetMs`, so the search is bounded; the figure is the highest rate that held, next to the raw BullMQ →
 * sandbox baseline of the same run.
 */
export async function knee(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const plan = ctx.quick
    ? { start: 50, min: 5, max: 200, seconds: 2, warmupMs: 500, resolution: 0.5, budgetMs: 30_000, capMs: 5000, idleWaitMs: 8000 }
    : { start: 200, min: 5, max: 6400, seconds: 10, warmupMs: 1000, resolution: 0.05, budgetMs: 5 * 60_000, capMs: 10_000, idleWaitMs: 60_000 };
  const deadline = Date.now() + plan.budgetMs;
  await startWholeStack(stack, plan.idleWaitMs);
  const steps: Step[] = [];
  const holds = async (rate: number): Promise<boolean> => {
    const m = await measure(stack, rate, plan.seconds, plan.capMs, plan.idleWaitMs, plan.warmupMs);
    const p50 = percentile(m.samples, 50);
    const p99 = percentile(m.samples, 99);
    const step: Step = {
      rate,
      p50: Number.isFinite(p50) ? Number(p50.toFixed(1)) : null,
      p99: Number.isFinite(p99) ? Number(p99.toFixed(1)) : null,
      deliveredPct: Number(((100 * m.samples.filter((v) => Number.isFinite(v)).length) / m.samples.length).toFixed(1)),
      cpuMsPerChallenge: m.cpuMsPerChallenge.total,
      maxSchedulerLagMs: Number(m.maxLagMs.toFixed(1)),
      held: p99 <= P99_GOAL_MS && m.failed === 0,
    };
    steps.push(step);
    ctx.log(`knee ${rate}/s: p50 ${step.p50 ?? `>${plan.capMs}`} ms, p99 ${step.p99 ?? `>${plan.capMs}`} ms, ${step.deliveredPct}% delivered, ${step.cpuMsPerChallenge} ms CPU per challenge — ${step.held ? 'holds' : 'does not hold'}`);
    return step.held;
  };

  let held = 0; // the highest rate that held (0: none)
  let broke = Number.POSITIVE_INFINITY; // the lowest rate that did not
  for (let rate = plan.start; Date.now() < deadline; ) {
    if (await holds(rate)) {
      held = rate;
      if (broke !== Number.POSITIVE_INFINITY || rate * 2 > plan.max) break;
      rate *= 2;
    } else {
      broke = rate;
      if (held > 0 || rate / 2 < plan.min) break;
      rate = Math.round(rate / 2);
    }
  }
  while (held > 0 && Number.isFinite(broke) && broke - held > held * plan.resolution && Date.now() < deadline) {
    const mid = Math.round((held + broke) / 2);
    if (mid === held || mid === broke) break;
    if (await holds(mid)) held = mid;
    else broke = mid;
  }

  const base = ctx.results.baseline?.figures.jobsPerSec;
  const notes: string[] = [];
  if (!base) notes.push('baseline did not run: no ratio');
  if (held === 0) notes.push(`no step held, down to ${steps.at(-1)?.rate}/s`);
  else if (!Number.isFinite(broke)) notes.push(`every step held, up to ${held}/s: the knee is higher`);
  else if (broke - held > held * plan.resolution) notes.push(`the time budget ended the search between ${held}/s (held) and ${broke}/s (did not)`);
  const figures: SuiteResult['figures'] = { rate: figure([held], 'challenges/s', 0) };
  if (base) figures.ratioToBaseline = figure([held / base.median], '×', 3);
  return {
    title: `8. Knee: the highest create rate with end-to-end p99 ≤ ${P99_GOAL_MS} ms`,
    figures,
    goals: headlineGoals('knee'),
    params: {
      stepSeconds: plan.seconds,
      warmupMs: plan.warmupMs,
      startRate: plan.start,
      resolution: plan.resolution,
      budgetSec: plan.budgetMs / 1000,
      capMs: plan.capMs,
      lowestRateThatDidNotHold: Number.isFinite(broke) ? broke : null,
      steps,
    },
    notes,
  };
}
