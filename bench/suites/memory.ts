import { QueueName } from '@redial/contracts';
import { figure, sleep, waitUntil } from '../lib/stats';
import type { SuiteContext, SuiteResult } from '../lib/suite';
import { acceptedCount, benchQueue, createBacklog, waitDrained } from './common';

/**
 * 6. Memory. Gateway RSS per 1,000 open sockets comes from the push benchmark. Here: the worker's RSS over a
 * long run of dispatch jobs: a backlog of M challenges (createBacklog), then a fresh worker process drains them
 * all. RSS is sampled every second: after a warm-up (the first 5% of jobs: JIT, pools, sockets, the heap
 * growing to its working size), and at the end. M is the 100,000 in a full run (about three minutes
 * on 2 cores), 300 with --quick; --memory-jobs=N sets it.
 */
export async function memory(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const total = ctx.memoryJobs ?? (ctx.quick ? 300 : 100_000);
  const warmJobs = Math.max(200, Math.floor(total / 20));
  await stack.stop('worker');
  await stack.resetSandbox();
  // No callbacks during the run (600 s network delay): the worker is measured alone.
  await createBacklog(stack, total, 600_000);
  const { queue, close } = benchQueue(stack.prefix, QueueName.Texts);
  const samples: Array<{ t: number; jobs: number; rss: number }> = [];
  let idle = Number.NaN;
  let warm = Number.NaN;
  let end = Number.NaN;
  let seconds = Number.NaN;
  try {
    const since = await acceptedCount(stack);
    const t0 = Date.now();
    const worker = await stack.start('worker');
    idle = worker.rssMb();
    await waitUntil(
      `${total} texts from the worker`,
      async () => {
        const jobs = (await acceptedCount(stack)) - since;
        samples.push({ t: (Date.now() - t0) / 1000, jobs, rss: Number(worker.rssMb().toFixed(1)) });
        if (Number.isNaN(warm) && jobs >= warmJobs) warm = worker.rssMb();
        return jobs >= total;
      },
      Math.max(120_000, total * 10),
      1000,
    );
    seconds = (Date.now() - t0) / 1000;
    await waitDrained(queue, 30_000);
    await sleep(2000);
    end = worker.rssMb();
    samples.push({ t: (Date.now() - t0) / 1000, jobs: total, rss: Number(end.toFixed(1)) });
    ctx.log(`memory: worker RSS ${idle.toFixed(0)} MB at start, ${warm.toFixed(0)} MB after ${warmJobs} jobs, ${end.toFixed(0)} MB after ${total} jobs (${seconds.toFixed(0)} s)`);
  } finally {
    await close();
    await stack.stop('worker');
    await stack.resetSandbox().catch(() => undefined);
  }
  const secondHalf = samples.filter((s) => s.jobs >= total / 2).map((s) => s.rss);
  const push = ctx.results.push?.figures.gatewayRssPer1000Sockets;
  const pushMarginal = ctx.results.push?.figures.gatewayRssPer1000Marginal;
  return {
    title: `6. Memory (worker RSS over ${total.toLocaleString('en')} jobs; gateway per 1,000 sockets)`,
    figures: {
      ...(push ? { gatewayRssPer1000Sockets: push } : {}),
      ...(pushMarginal ? { gatewayRssPer1000Marginal: pushMarginal } : {}),
      workerRssStart: figure([idle], 'MB', 1),
      workerRssAfterWarmup: figure([warm], 'MB', 1),
      workerRssAfterAll: figure([end], 'MB', 1),
      workerRssGrowth: figure([end - warm], 'MB', 1),
      workerRssSecondHalf: figure(secondHalf, 'MB', 1),
      workerJobsPerSec: figure([total / seconds], 'jobs/s', 0),
    },
    params: { jobs: total, warmupJobs: warmJobs, samples: samples.length, trace: samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 20)) === 0) },
    notes: ['one long run: the spread of workerRssSecondHalf is the range of 1 s samples over the second half of the jobs'],
  };
}
