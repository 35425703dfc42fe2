import * as path from 'node:path';
import { DIST, spawnApp } from '../lib/procs';
import { freePort } from '../lib/stack';
import { cpuOfPid } from '../lib/cpu';
import { figure, sleep } from '../lib/stats';
import type { SuiteContext, SuiteResult } from '../lib/suite';
import { purgeBacklog } from './common';

// autocannon ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<any>;

/**
 * 5. API throughput: autocannon against POST /v1/challenges (auth, validation, active settings read, one
 * transaction writing challenge + steps + event, BullMQ adds, publish), then against a bare Nest + Fastify
 * endpoint that does one BullMQ add (bench/apps/bare-api.ts), alternating, same connections and duration.
 * Worker and gateway are stopped, so only the api (or the bare app), PostgreSQL and Redis share the cores.
 */
export async function api(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const duration = ctx.quick ? 2 : 8;
  const connections = 50;
  await stack.stop('worker');
  await stack.stop('gateway');
  const port = await freePort();
  const bare = await spawnApp('bare-api', path.join(DIST, 'bench/apps/bare-api.js'), {
    env: { ...stack.env, BARE_PORT: String(port), RAW_PREFIX: `${stack.prefix}-bare` },
    ready: /bare api listening/,
    profile: stack.options.profile.has('bare-api'),
  });
  const users = stack.users.map((u) => u.userId);
  const run = async (url: string, seconds = duration, pid?: number) => {
    let i = 0;
    const cpu0 = pid ? cpuOfPid(pid) : 0;
    const result = await autocannon({
      url,
      method: 'POST',
      connections,
      duration: seconds,
      headers: { 'content-type': 'application/json', ...stack.auth },
      requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ userId: users[i++ % users.length] }) }) }],
    });
    const bad = result.non2xx + result.errors + result.timeouts;
    if (bad > result.requests.total * 0.01) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result.requests.total}`);
    const cpuMs = pid ? ((cpuOfPid(pid) - cpu0) * 1000) / result.requests.total : Number.NaN;
    return { rps: result.requests.average as number, p50: result.latency.p50 as number, p99: result.latency.p99 as number, cpuMs };
  };
  type Run = { rps: number; p50: number; p99: number; cpuMs: number };
  const real: Run[] = [];
  const reference: Run[] = [];
  const apiPid = stack.apps.api?.pid;
  try {
    // A short warm-up of each (JIT), not measured.
    const warm = ctx.quick ? 1 : 2;
    await run(`${stack.apiUrl}/v1/challenges`, warm).catch(() => undefined);
    await run(`http://127.0.0.1:${port}/v1/challenges`, warm).catch(() => undefined);
    for (let rep = 0; rep < ctx.reps; rep++) {
      real.push(await run(`${stack.apiUrl}/v1/challenges`, duration, apiPid));
      await sleep(500);
      reference.push(await run(`http://127.0.0.1:${port}/v1/challenges`, duration, bare.pid));
      await sleep(500);
      ctx.log(`api rep ${rep + 1}: Redial ${real.at(-1)?.rps.toFixed(0)} req/s, bare ${reference.at(-1)?.rps.toFixed(0)} req/s`);
    }
  } finally {
    await bare.stop();
    // Its ~10,000 challenges per repetition wait for a worker that is stopped: dropped, so the suites after it
    // (the abuse run starts a worker) begin idle instead of with this backlog queued ahead of their texts.
    await purgeBacklog(stack);
  }
  const bareMedian = figure(reference.map((r) => r.rps), 'req/s', 0).median;
  return {
    title: '5. API throughput (POST /v1/challenges vs a bare Nest+Fastify endpoint doing one BullMQ add)',
    figures: {
      reqPerSec: figure(real.map((r) => r.rps), 'req/s', 0),
      bareReqPerSec: figure(reference.map((r) => r.rps), 'req/s', 0),
      ratioToBare: figure(real.map((r) => r.rps / bareMedian), '×', 2),
      p50: figure(real.map((r) => r.p50), 'ms', 1),
      p99: figure(real.map((r) => r.p99), 'ms', 1),
      apiCpuMsPerRequest: figure(real.map((r) => r.cpuMs), 'ms', 2),
      bareCpuMsPerRequest: figure(reference.map((r) => r.cpuMs), 'ms', 2),
    },
    params: { connections, durationSec: duration, tool: 'autocannon (in the runner process)' },
  };
}
