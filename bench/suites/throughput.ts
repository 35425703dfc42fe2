import * as path from 'node:path';
import { QueueName } from '@redial/contracts';
import { spawnApp, DIST } from '../lib/procs';
import { headlineGoals } from '../lib/report';
import { figure } from '../lib/stats';
import { sampleSmsBody, SuiteContext, SuiteResult } from '../lib/suite';
import { acceptedCount, benchQueue, createBacklog, drainRate, waitAccepted, waitDrained } from './common';

/**
 * 1. Baseline ceiling: plain BullMQ (bench/apps/raw-worker.ts), Redial's concurrency, each job one POST to the
 * sandbox's Messages endpoint; no database, no Redial code. N jobs are queued first, then the worker process
 * starts; jobs/s between the first and the last text the sandbox accepted.
 */
export async function baseline(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const n = ctx.quick ? 300 : 3000;
  const concurrency = stack.config.workerConcurrency;
  const prefix = `${stack.prefix}-raw`;
  const numbers = stack.users.map((u) => u.e164);
  const runs: Record<'http' | 'sdk', number[]> = { http: [], sdk: [] };
  for (let rep = 0; rep < ctx.reps; rep++) {
    for (const mode of ['http', 'sdk'] as const) {
      const name = `raw-${mode}-${rep}`;
      const { queue, close } = benchQueue(prefix, name, { removeOnComplete: { age: 3600, count: 5000 }, removeOnFail: { age: 86400, count: 10000 } });
      try {
        for (let i = 0; i < n; i += 1000) {
          const jobs = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({ name: 'send', data: { to: numbers[(i + k) % numbers.length], body: sampleSmsBody() } }));
          await queue.addBulk(jobs);
        }
        const since = await acceptedCount(stack);
        const worker = await spawnApp(`raw-worker-${mode}`, path.join(DIST, 'bench/apps/raw-worker.js'), {
          env: { ...stack.env, RAW_PREFIX: prefix, RAW_QUEUE: name, RAW_CONCURRENCY: String(concurrency), RAW_MODE: mode, SANDBOX_URL: stack.sandboxUrl },
          ready: /raw worker ready/,
          profile: stack.options.profile.has('raw-worker'),
        });
        try {
          const times = await waitAccepted(stack, since, n, 120_000, `${n} baseline texts (${mode})`);
          runs[mode].push(drainRate(times));
          await waitDrained(queue, 30_000);
        } finally {
          await worker.stop();
        }
      } finally {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await close();
      }
      ctx.log(`baseline ${mode} rep ${rep + 1}: ${runs[mode].at(-1)?.toFixed(0)} jobs/s`);
    }
  }
  return {
    title: '1. Baseline ceiling (raw BullMQ → sandbox)',
    figures: {
      jobsPerSec: figure(runs.http, 'jobs/s', 0),
      sdkJobsPerSec: figure(runs.sdk, 'jobs/s', 0),
    },
    params: { jobs: n, concurrency, client: 'jobsPerSec: raw node:http keep-alive; sdkJobsPerSec: twilio SDK with a URL-rewriting RequestClient' },
  };
}

/**
 * 2. Dispatch throughput: a backlog of N sign-in challenges made while the worker is stopped (see createBacklog),
 * then the worker process started; texts/s between the first and the last text the sandbox accepted. The
 * numbers get a 600 s network delay, so no status callback lands inside the window (the baseline has none
 * either); the sandbox is reset afterwards. Each repetition then drains the same backlog with two worker processes
 * (`dispatch2Workers`, `ratio2WorkersToBaseline`, `twoWorkerRatio` = two ÷ one in the same repetition,
 * `twoWorkersCpuMsPerText` summed over both). CPU per text of every process group in `params`; `totalCpuMsPerText`
 * sums them (the runner left out).
 */
export async function dispatch(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const n = ctx.quick ? 150 : 1000;
  const rates: number[] = [];
  const cpu: Array<Record<string, number>> = [];
  const rates2: number[] = [];
  const cpu2: Array<Record<string, number>> = [];
  const { queue, close } = benchQueue(stack.prefix, QueueName.Texts);
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      await stack.stop('worker');
      await stack.resetSandbox();
      await createBacklog(stack, n, 600_000);
      const since = await acceptedCount(stack);
      await stack.start('worker');
      const meter = await stack.cpuMeter();
      const times = await waitAccepted(stack, since, n, 300_000, `${n} dispatched texts`);
      cpu.push(await meter.stop(n));
      rates.push(drainRate(times));
      await waitDrained(queue, 30_000);
      await stack.stop('worker');
      ctx.log(`dispatch rep ${rep + 1}: ${rates.at(-1)?.toFixed(1)} texts/s`);

      // The same backlog drained by two worker processes (scale-out: BullMQ hands each job to one of them, and the
      // texts queue's rate limit is counted across both). Both are started and ready before the queue is resumed,
      // so neither gets a head start.
      await stack.resetSandbox();
      await queue.pause();
      await createBacklog(stack, n, 600_000);
      const since2 = await acceptedCount(stack);
      const [first, second] = await Promise.all([
        stack.start('worker'),
        spawnApp('worker-2', path.join(DIST, 'apps/worker/src/main.js'), { env: stack.env, ready: /worker running/i, profile: stack.options.profile.has('worker') }),
      ]);
      try {
        const meter = await stack.cpuMeter({ ...stack.apps, worker2: second });
        await queue.resume();
        const times2 = await waitAccepted(stack, since2, n, 300_000, `${n} texts dispatched by two workers`);
        cpu2.push(await meter.stop(n));
        rates2.push(drainRate(times2));
        await waitDrained(queue, 30_000);
      } finally {
        await queue.resume().catch(() => undefined);
        await Promise.all([stack.stop('worker'), second.stop()]);
      }
      ctx.log(`dispatch rep ${rep + 1}, two workers: ${rates2.at(-1)?.toFixed(1)} texts/s (${(rates2.at(-1)! / rates.at(-1)!).toFixed(2)}× one)`);
    }
  } finally {
    await close();
    await stack.resetSandbox().catch(() => undefined);
  }
  const base = ctx.results.baseline?.figures.jobsPerSec;
  const sdkBase = ctx.results.baseline?.figures.sdkJobsPerSec;
  const figures: SuiteResult['figures'] = { textsPerSec: figure(rates, 'texts/s', 1) };
  if (base) figures.ratioToBaseline = figure(rates.map((r) => r / base.median), '×', 3);
  if (sdkBase) figures.ratioToSdkBaseline = figure(rates.map((r) => r / sdkBase.median), '×', 3);
  figures.workerCpuMsPerText = figure(cpu.map((c) => c.worker), 'ms', 1);
  figures.postgresCpuMsPerText = figure(cpu.map((c) => c.postgres), 'ms', 1);
  figures.totalCpuMsPerText = figure(cpu.map((c) => c.total), 'ms', 1);
  figures.dispatch2Workers = figure(rates2, 'texts/s', 1);
  if (base) figures.ratio2WorkersToBaseline = figure(rates2.map((r) => r / base.median), '×', 3);
  figures.twoWorkerRatio = figure(rates2.map((r, i) => r / rates[i]), '×', 2);
  figures.twoWorkersCpuMsPerText = figure(cpu2.map((c) => c.worker + c.worker2), 'ms', 1);
  return {
    title: '2. Dispatch throughput (backlog of challenges → texts)',
    figures,
    goals: base ? headlineGoals('dispatch') : [],
    params: { cpuMsPerText: cpu, cpuMsPerTextTwoWorkers: cpu2, challenges: n, concurrency: stack.config.workerConcurrency, dbPoolSize: stack.config.dbPoolSize, messagesPerSecond: stack.config.limits.messagesPerSecond },
    notes: base ? [] : ['baseline did not run: no ratio'],
  };
}
