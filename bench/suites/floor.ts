import * as path from 'node:path';
import { headlineGoals } from '../lib/report';
import { AppProcess, DIST, spawnApp } from '../lib/procs';
import { figure, percentile } from '../lib/stats';
import { deleteKeys, freePort } from '../lib/stack';
import type { SuiteContext, SuiteResult } from '../lib/suite';
import { callbackCount } from './common';
import { Measured, measure, openLoop, OtherLoad } from './latency';

type FloorRun = Measured & {
  /** Status callbacks the sandbox sent in the window, per challenge created (3: sending, sent, delivered). */
  callbacksPerChallenge: number;
};

/**
 * The protocol floor: what a sign-in by text costs on this machine with none of Redial's work — the latency
 * benchmark's load (POST at 200/s, open loop, 30 s) through the same protocol hops, each done by the least code
 * that can do it: a bare Nest 12 + Fastify 5 endpoint that queues one BullMQ job carrying the text
 * (bench/apps/bare-api.ts), a plain BullMQ worker that sends it through the twilio SDK with Redial's HTTP client
 * (bench/apps/raw-worker.ts, `sdk` mode, Redial's concurrency), the sandbox as in every run (the text's status
 * callbacks `sending`, `sent`, `delivered` 100 ms later, signed), and the same bare app answering each callback
 * after checking its X-Twilio-Signature. No database, no guard, no timers, no events: the hops alone. CPU per
 * challenge is summed over those processes and Redis (PostgreSQL's backends of the run's database too, idle here),
 * from the first request until the last text arrived and 0.5 s more, exactly as the latency benchmark sums
 * Redial's; the difference between the two is what Redial's own work costs per sign-in.
 */
export async function floor(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const rate = 200;
  const seconds = ctx.quick ? 1 : 30;
  const capMs = ctx.quick ? 5000 : 10_000;
  const idleWaitMs = ctx.quick ? 8000 : 60_000;
  const prefix = `${stack.prefix}-floor`;
  // Redial's worker would take no job of these (another queue), but its pollers' CPU must not be in the window.
  await stack.stop('worker');
  await stack.resetSandbox();
  const port = await freePort();
  const env = { ...stack.env, RAW_PREFIX: prefix, AUTH_TOKEN: stack.config.twilio.authToken };
  let bare: AppProcess | undefined;
  let worker: AppProcess | undefined;
  const runs: FloorRun[] = [];
  try {
    bare = await spawnApp('bare-api', path.join(DIST, 'bench/apps/bare-api.js'), {
      env: { ...env, BARE_PORT: String(port) },
      ready: /bare api listening/,
      profile: stack.options.profile.has('bare-api'),
    });
    worker = await spawnApp('raw-worker-floor', path.join(DIST, 'bench/apps/raw-worker.js'), {
      env: { ...env, RAW_QUEUE: 'bare-texts', RAW_CONCURRENCY: String(stack.config.workerConcurrency), RAW_MODE: 'sdk', SANDBOX_URL: stack.sandboxUrl, ACCOUNT_SID: stack.config.twilio.accountSid },
      ready: /raw worker ready/,
      profile: stack.options.profile.has('raw-worker'),
    });
    const load: OtherLoad = {
      target: { url: `http://127.0.0.1:${port}/v1/challenges`, body: (u) => ({ userId: u.userId, to: u.e164 }), headers: {} },
      apps: { sandbox: stack.apps.sandbox, 'bare-api': bare, 'raw-worker': worker },
    };
    // Warm-up as for Redial (JIT, pools, keep-alive sockets), not measured.
    await openLoop(stack, stack.users, 5, 15, undefined, capMs, load.target);
    await stack.waitIdle(idleWaitMs);
    for (let rep = 0; rep < ctx.reps; rep++) {
      const callbacksBefore = await callbackCount(stack);
      const measured = await measure(stack, rate, seconds, capMs, idleWaitMs, 0, load);
      const created = measured.samples.length - measured.failed;
      const run = { ...measured, callbacksPerChallenge: ((await callbackCount(stack)) - callbacksBefore) / Math.max(1, created) };
      runs.push(run);
      ctx.log(
        `floor ${rate}/s rep ${rep + 1}: p50 ${percentile(run.samples, 50).toFixed(1)} ms, p99 ${percentile(run.samples, 99).toFixed(1)} ms ` +
          `(${run.failed} POSTs failed, ${run.missing} texts late, ${run.callbacksPerChallenge.toFixed(2)} callbacks per challenge); CPU per challenge ${run.cpuMsPerChallenge.total} ms`,
      );
    }
  } finally {
    await worker?.stop();
    await bare?.stop();
    await deleteKeys(prefix);
    await stack.start('worker');
  }
  return {
    title: `The protocol floor: the same load and hops at ${rate}/s for ${seconds} s without Redial (bare endpoint, raw BullMQ worker, sandbox, bare callback receiver)`,
    figures: {
      cpuMsPerChallenge: figure(runs.map((r) => r.cpuMsPerChallenge.total), 'ms', 2),
      p50: figure(runs.map((r) => percentile(r.samples, 50)), 'ms', 1, capMs),
      p99: figure(runs.map((r) => percentile(r.samples, 99)), 'ms', 1, capMs),
    },
    goals: headlineGoals('floor'),
    params: {
      ratePerSec: rate,
      seconds,
      failedRequests: runs.reduce((a, r) => a + r.failed, 0),
      lateTexts: runs.reduce((a, r) => a + r.missing, 0),
      callbacksPerChallenge: runs.map((r) => Number(r.callbacksPerChallenge.toFixed(2))),
      /** CPU per challenge of each process group, and their total, over each repetition. */
      cpuMsPerChallenge: runs.map((r) => r.cpuMsPerChallenge),
    },
  };
}
