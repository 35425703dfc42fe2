import { setMaxListeners } from 'node:events';
import { requestJson } from '../lib/http';
import { headlineGoals } from '../lib/report';
import { figure, percentile, sleep, waitUntil, wallNow } from '../lib/stats';
import type { BenchStack, BenchUser } from '../lib/stack';
import type { SuiteContext, SuiteResult } from '../lib/suite';
import { acceptedCount, purgeBacklog } from './common';

export interface Sent {
  at: number;
  id?: string;
  token?: string;
  status?: number;
  responseMs?: number;
}

/** Where an open loop sends its requests: the api's POST /v1/challenges unless given (the protocol floor's). */
export interface LoadTarget {
  url: string;
  body: (user: BenchUser) => unknown;
  headers: Record<string, string>;
}

/**
 * Open-loop load: POST /v1/challenges for `count` users at a fixed `rate`, each request issued at its scheduled
 * time whether or not earlier ones have answered. `onCreated` runs as each answer arrives.
 */
export async function openLoop(
  stack: BenchStack,
  users: BenchUser[],
  rate: number,
  count: number,
  onCreated?: (s: Sent, u: BenchUser) => void,
  /** Requests still unanswered this long after the last one was issued are aborted (they count as failed). */
  graceMs = 60_000,
  target: LoadTarget = { url: `${stack.apiUrl}/v1/challenges`, body: (u) => ({ userId: u.userId }), headers: stack.auth },
): Promise<{ sent: Sent[]; maxLagMs: number; aborted: number }> {
  const abort = new AbortController();
  setMaxListeners(0, abort.signal); // one listener per request in flight
  const interval = 1000 / rate;
  const sent: Sent[] = [];
  const inflight: Promise<void>[] = [];
  const start = wallNow() + 20;
  let maxLagMs = 0;
  for (let i = 0; i < count; i++) {
    const due = start + i * interval;
    const wait = due - wallNow();
    if (wait > 1) await sleep(wait - 0.5);
    const at = wallNow();
    maxLagMs = Math.max(maxLagMs, at - due);
    const user = users[i % users.length];
    const s: Sent = { at };
    sent.push(s);
    inflight.push(
      requestJson('POST', target.url, target.body(user), target.headers, abort.signal).then(
        (res) => {
          s.status = res.status;
          s.responseMs = wallNow() - at;
          if (res.status === 201) {
            s.id = res.body.id;
            s.token = res.body.token;
            onCreated?.(s, user);
          }
        },
        () => {
          s.status = 0;
        },
      ),
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const aborted = await Promise.race([Promise.all(inflight).then(() => false), timedOut]);
  clearTimeout(timer);
  if (aborted) {
    abort.abort();
    await Promise.all(inflight);
  }
  return { sent, maxLagMs, aborted: aborted ? sent.filter((s) => s.status === 0).length : 0 };
}

export interface Measured {
  /**
   * POST sent → text accepted by the sandbox, ms; Infinity for a challenge not created or a text not there by the
   * cap. Without the requests of the warm-up, if any.
   */
  samples: number[];
  postMs: number[];
  failed: number;
  missing: number;
  maxLagMs: number;
  purged: number;
  /** CPU ms per challenge, per process group (see BenchStack.processes) and their total (the runner left out). */
  cpuMsPerChallenge: Record<string, number>;
}

/** Waits until the api stops creating challenges (requests it had accepted before the client gave up). */
async function settleApi(stack: BenchStack): Promise<void> {
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const n = Number((await stack.pg.query<{ n: string }>('SELECT count(*) AS n FROM challenges')).rows[0].n);
    if (n === last) return;
    last = n;
    await sleep(1000);
  }
}

/**
 * Load sent elsewhere than Redial's api (the protocol floor): its target, whose answer's `id` is also the attempt id
 * its texts' callback URLs carry, and the app processes whose CPU counts. Nothing of Redial's is purged after it.
 */
export interface OtherLoad {
  target: LoadTarget;
  apps: Record<string, { pid: number; exited?: boolean } | undefined>;
}

/**
 * One run at `rate` for `seconds`; texts not accepted `capMs` after the last request count as > cap. The requests
 * of the first `warmupMs` are sent and waited for like the rest but left out of the samples (their CPU counts).
 */
export async function measure(stack: BenchStack, rate: number, seconds: number, capMs: number, idleWaitMs: number, warmupMs = 0, load?: OtherLoad): Promise<Measured> {
  const since = await acceptedCount(stack);
  const cpu = await stack.cpuMeter(load?.apps);
  const { sent, maxLagMs, aborted } = await openLoop(stack, stack.users, rate, Math.round(rate * seconds), undefined, capMs, load?.target);
  const created = sent.filter((s) => s.id);
  const lastSent = sent[sent.length - 1].at;
  await waitUntil('texts', async () => (await acceptedCount(stack)) - since >= created.length, Math.max(0, lastSent + capMs - wallNow()), 100).catch(() => undefined);
  const acc = await stack.sandbox.call<{ at: number[]; attempt: Array<string | null> }>('accepted', { since });
  const attempts = acc.attempt.filter((a): a is string => a !== null);
  const byAttempt = load ? new Map(attempts.map((a) => [a, a])) : await stack.challengeOfAttempts(attempts);
  const arrival = new Map<string, number>();
  acc.attempt.forEach((a, i) => {
    const challenge = a ? byAttempt.get(a) : undefined;
    if (challenge && !arrival.has(challenge)) arrival.set(challenge, acc.at[i]);
  });
  const samples = sent
    .filter((s) => s.at - sent[0].at >= warmupMs)
    .map((s) => {
      const at = s.id ? arrival.get(s.id) : undefined;
      return at === undefined ? Number.POSITIVE_INFINITY : at - s.at;
    });
  const missing = created.filter((s) => !arrival.has(s.id as string)).length;
  if (missing === 0) await sleep(500); // the last texts' status callbacks
  const cpuMsPerChallenge = await cpu.stop(Math.max(1, created.length - missing));
  // An overload leaves a backlog behind (texts queued, requests the api is still working on); the next run must
  // not inherit it.
  let purged = 0;
  if (load === undefined && (missing > 0 || aborted > 0)) {
    await settleApi(stack);
    purged = await purgeBacklog(stack);
  }
  await stack.waitIdle(idleWaitMs);
  return { samples, postMs: created.map((s) => s.responseMs as number), failed: sent.length - created.length, missing, maxLagMs, purged, cpuMsPerChallenge };
}

/**
 * Every app running, the sandbox at its default network behaviour (delivered after 100 ms, callbacks to the api)
 * and a warm-up at 5/s (JIT, pools) that is not measured.
 */
export async function startWholeStack(stack: BenchStack, idleWaitMs: number): Promise<void> {
  await stack.start('worker');
  await stack.start('gateway');
  await stack.resetSandbox();
  await openLoop(stack, stack.users, 5, 15);
  await stack.waitIdle(idleWaitMs);
}

/**
 * 3. End-to-end latency: POST /v1/challenges → the text accepted by the sandbox (its inbox), at a fixed
 * 200 challenges/s for 30 s. The sandbox stamps each text as it stores it; the text's status-callback URL carries
 * Redial's attempt id, which the database maps to the challenge, whose request time the runner knows. A request
 * that failed, or whose text had not arrived 10 s after the last request, counts as "more than 10 s" (so an
 * overloaded system shows as such instead of stretching the run); requests still unanswered then are aborted, and
 * what the overload left behind (queued texts, challenges waiting for dispatch) is purged before the next run.
 * Also measured at a light 5/s, for the latency of the pipeline itself when it is not queueing. The CPU per
 * challenge at 200/s is summed over every process of the system (apps, the run database's PostgreSQL backends,
 * PostgreSQL's background processes, Redis; not the load generator) from the first request until the last text
 * and its callbacks.
 */
export async function latency(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const rate = 200;
  const seconds = ctx.quick ? 1 : 30;
  const lightRate = 5;
  const lightSeconds = ctx.quick ? 1 : 8;
  const capMs = ctx.quick ? 5000 : 10_000;
  const idleWaitMs = ctx.quick ? 8000 : 60_000;
  await startWholeStack(stack, idleWaitMs);
  const runs: Record<'heavy' | 'light', Measured[]> = { heavy: [], light: [] };
  const show = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : `>${capMs}`);
  // The light runs first: what an overload leaves behind (callbacks, purged work) must not reach them.
  for (let rep = 0; rep < ctx.reps; rep++) {
    const light = await measure(stack, lightRate, lightSeconds, capMs, idleWaitMs);
    runs.light.push(light);
    ctx.log(`latency ${lightRate}/s rep ${rep + 1}: p50 ${show(percentile(light.samples, 50))} ms, p99 ${show(percentile(light.samples, 99))} ms`);
  }
  for (let rep = 0; rep < ctx.reps; rep++) {
    const heavy = await measure(stack, rate, seconds, capMs, idleWaitMs);
    runs.heavy.push(heavy);
    ctx.log(
      `latency ${rate}/s rep ${rep + 1}: p50 ${show(percentile(heavy.samples, 50))} ms, p99 ${show(percentile(heavy.samples, 99))} ms ` +
        `(${heavy.failed} of ${heavy.samples.length} POSTs failed or unanswered within ${capMs / 1000} s, ${heavy.missing} texts late, ${heavy.purged} queued challenges purged); ` +
        `CPU per challenge ${heavy.cpuMsPerChallenge.total} ms`,
    );
  }
  const pick = (kind: 'heavy' | 'light', p: number) => runs[kind].map((m) => percentile(m.samples, p));
  const sum = (kind: 'heavy' | 'light', f: (m: Measured) => number) => runs[kind].reduce((a, m) => a + f(m), 0);
  const heavyCount = runs.heavy.reduce((a, m) => a + m.samples.length, 0);
  const within = runs.heavy.reduce((a, m) => a + m.samples.filter((v) => Number.isFinite(v)).length, 0);
  return {
    title: `3. End-to-end latency (POST /v1/challenges → text in the sandbox inbox) at ${rate}/s for ${seconds} s`,
    figures: {
      p50: figure(pick('heavy', 50), 'ms', 1, capMs),
      p95: figure(pick('heavy', 95), 'ms', 1, capMs),
      p99: figure(pick('heavy', 99), 'ms', 1, capMs),
      deliveredWithinCap: figure(
        runs.heavy.map((m) => (100 * m.samples.filter((v) => Number.isFinite(v)).length) / m.samples.length),
        '%',
        1,
      ),
      postP50: figure(runs.heavy.map((m) => percentile(m.postMs, 50)), 'ms', 1),
      cpuMsPerChallenge: figure(runs.heavy.map((m) => m.cpuMsPerChallenge.total), 'ms', 1),
      lightP50: figure(pick('light', 50), 'ms', 1, capMs),
      lightP99: figure(pick('light', 99), 'ms', 1, capMs),
    },
    goals: headlineGoals('latency'),
    params: {
      ratePerSec: rate,
      seconds,
      requestsPerRep: rate * seconds,
      capMs,
      failedRequests: sum('heavy', (m) => m.failed),
      lateTexts: sum('heavy', (m) => m.missing),
      textsWithinCap: `${within} of ${heavyCount}`,
      maxSchedulerLagMs: Number(Math.max(...runs.heavy.map((m) => m.maxLagMs)).toFixed(1)),
      /** CPU per challenge of each process group, and their total, over each repetition (until the last text arrived). */
      cpuMsPerChallenge: runs.heavy.map((m) => m.cpuMsPerChallenge),
      light: {
        ratePerSec: lightRate,
        seconds: lightSeconds,
        failedRequests: sum('light', (m) => m.failed),
        lateTexts: sum('light', (m) => m.missing),
        cpuMsPerChallenge: runs.light.map((m) => m.cpuMsPerChallenge),
      },
    },
  };
}

export { requestJson };
