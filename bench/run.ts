/**
 * `npm run bench` — Redial's benchmark suite. See bench/README.md.
 *
 *   npm run bench                       full run (≈ 15 min on 2 cores)
 *   npm run bench -- --quick            every benchmark, small (< 2 min): proves the suite runs; exit 1 if one cannot
 *   npm run bench -- --only=dispatch,latency   a subset (baseline, dispatch, latency, floor, knee, push, memory, api, abuse)
 *   npm run bench -- --reps=5           repetitions per figure (default 3; quick 1)
 *   npm run bench -- --memory-jobs=100000   dispatch jobs in the worker memory run (default 100,000; quick 300)
 *   npm run bench -- --profile=worker   run that app (api, worker, gateway, sandbox, raw-worker, bare-api) under
 *                                       `node --cpu-prof`; profiles land in bench/results/*.cpuprofile
 *   npm run bench -- --out=path.json    where to write the results (default bench/results/latest.json,
 *                                       or latest-quick.json with --quick)
 *   npm run bench -- --keep-as=before-x  first copy the results file this run replaces to bench/results/before-x.json
 *   npm run bench -- --compare=file.json  end with the headline figures of that run and this one as a Markdown table
 *                                       (a full run compares with bench/results/before-send-path.json by default)
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeHttp } from './lib/http';
import { killAllNow, LOG_DIR, RESULTS_DIR, ROOT, stopAll } from './lib/procs';
import { BenchReport, comparisonMarkdown, cpuSplit, fmt, headlineRows, meets, ownWorkSplit } from './lib/report';
import { BenchStack, machine } from './lib/stack';
import { sleep, type Figure } from './lib/stats';
import type { Suite, SuiteContext, SuiteResult } from './lib/suite';
import { abuse } from './suites/abuse';
import { api } from './suites/api';
import { floor } from './suites/floor';
import { knee } from './suites/knee';
import { latency } from './suites/latency';
import { memory } from './suites/memory';
import { push } from './suites/push';
import { baseline, dispatch } from './suites/throughput';

const SUITES: Array<[string, Suite]> = [
  ['baseline', baseline],
  ['dispatch', dispatch],
  ['latency', latency],
  ['floor', floor],
  ['knee', knee],
  ['push', push],
  ['memory', memory],
  ['api', api],
  ['abuse', abuse],
];

function parseArgs(argv: string[]) {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    flags.set(m[1], m[2] ?? 'true');
  }
  const known = ['quick', 'only', 'reps', 'profile', 'out', 'log-level', 'memory-jobs', 'keep-as', 'compare'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (known: ${known.join(', ')})`);
  const quick = flags.get('quick') === 'true';
  const only = flags.get('only')?.split(',').filter(Boolean) ?? SUITES.map(([n]) => n);
  for (const n of only) if (!SUITES.some(([s]) => s === n)) throw new Error(`unknown benchmark ${n}`);
  const reps = Number(flags.get('reps') ?? (quick ? 1 : 3));
  const memoryJobs = flags.has('memory-jobs') ? Number(flags.get('memory-jobs')) : undefined;
  if (memoryJobs !== undefined && !(Number.isInteger(memoryJobs) && memoryJobs >= 100)) throw new Error('--memory-jobs must be a whole number ≥ 100');
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a whole number ≥ 1');
  const keepAs = flags.get('keep-as');
  if (keepAs !== undefined && !/^[\w.-]+$/.test(keepAs)) throw new Error('--keep-as takes a file name (letters, digits, . _ -), saved in bench/results as <name>.json');
  const keep = keepAs === undefined ? undefined : path.join(RESULTS_DIR, `${keepAs}.json`);
  if (keep && existsSync(keep)) throw new Error(`--keep-as: ${path.relative(ROOT, keep)} exists already (a kept run is not overwritten)`);
  const defaultCompare = path.join(RESULTS_DIR, 'before-send-path.json');
  const compare = flags.get('compare') ?? (!quick && existsSync(defaultCompare) ? defaultCompare : undefined);
  if (compare !== undefined && !existsSync(compare)) throw new Error(`--compare: no file ${compare}`);
  return {
    quick,
    only: new Set(only),
    reps,
    memoryJobs,
    profile: new Set(flags.get('profile')?.split(',').filter(Boolean) ?? []),
    out: flags.get('out') ?? path.join(RESULTS_DIR, quick ? 'latest-quick.json' : 'latest.json'),
    logLevel: flags.get('log-level') ?? process.env.BENCH_LOG_LEVEL ?? 'info',
    keep,
    compare,
  };
}

function printRows(rows: string[][], rightAligned: number[]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log('');
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let last = '';
  for (const r of rows.slice(1)) {
    console.log(line(r[0] === last ? ['', ...r.slice(1)] : r));
    last = r[0];
  }
  console.log('');
}

function printTable(results: Record<string, SuiteResult>, failures: Record<string, string>): void {
  const rows: string[][] = [['benchmark', 'figure', 'median', 'spread (min–max)', 'unit', 'goal', '']];
  for (const [name, r] of Object.entries(results)) {
    for (const [key, f] of Object.entries(r.figures) as Array<[string, Figure]>) {
      const goal = r.goals?.find((g) => g.figure === key);
      const met = goal ? meets(goal, f.median) : undefined;
      rows.push([name, key, fmt(f.median, f.cap), f.runs.length > 1 ? `${fmt(f.min, f.cap)}–${fmt(f.max, f.cap)}` : '', f.unit, goal ? `${goal.op} ${goal.value}` : '', met === undefined ? '' : met ? 'met' : 'MISSED']);
    }
  }
  for (const [name, err] of Object.entries(failures)) rows.push([name, 'FAILED', '', '', '', '', err.split('\n')[0].slice(0, 100)]);
  printRows(rows, [2, 3]);
}

/** The figures issue 16 is judged on: goal, actual (median and spread), verdict; then the CPU split at 200/s. */
function printHeadlines(report: BenchReport): void {
  printRows([['headline', 'goal', 'actual (median, spread)', ''], ...headlineRows(report)], []);
  console.log(`CPU per challenge at 200/s by process, ms: ${cpuSplit(report)}`);
  console.log(`Redial's own work per challenge beyond the protocol floor, ms: ${ownWorkSplit(report)}`);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  rmSync(LOG_DIR, { recursive: true, force: true });
  const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  log(`${args.quick ? 'quick' : 'full'} run: ${[...args.only].join(', ')}; ${args.reps} repetition(s)${args.profile.size ? `; profiling ${[...args.profile].join(', ')}` : ''}`);
  const stack = await BenchStack.create({ profile: args.profile, logLevel: args.logLevel });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      killAllNow();
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n${signal}: stopping the apps and cleaning up (again to force)…`);
    void stack.cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results: Record<string, SuiteResult> = {};
  const failures: Record<string, string> = {};
  let versions: Record<string, string> = {};
  let idleCpu: Record<string, number> = {};
  const load = { atStart: os.loadavg().map((v) => Number(v.toFixed(2))), atEnd: [] as number[] };
  try {
    log(`database ${stack.dbName}, queue prefix ${stack.prefix}; starting sandbox, api, gateway`);
    await Promise.all([stack.start('sandbox'), stack.start('api'), stack.start('gateway')]);
    versions = await stack.versions();
    const users = args.quick ? 50 : 200;
    await stack.seedUsers(users);
    log(`${users} users with active phone settings`);
    if (!args.quick) {
      // What the stack costs doing nothing (timers, pollers, heartbeats), once start-up work has settled.
      await stack.start('worker');
      await sleep(8000);
      const idle = await stack.cpuMeter();
      await sleep(5000);
      idleCpu = await idle.stop(50); // ms per 5 s / 50 = % of one core
      log(`idle CPU (% of one core): ${Object.entries(idleCpu).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    const ctx: SuiteContext = { stack, quick: args.quick, reps: args.reps, memoryJobs: args.memoryJobs, log, results };
    for (const [name, suite] of SUITES) {
      if (!args.only.has(name)) continue;
      const t0 = Date.now();
      log(`— ${name}`);
      try {
        results[name] = await suite(ctx);
        log(`${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      } catch (err) {
        failures[name] = (err as Error).stack ?? String(err);
        log(`${name} FAILED: ${(err as Error).message}`);
        // A crashed app fails one benchmark, not the rest.
        for (const app of ['sandbox', 'api', 'gateway'] as const) {
          if (stack.apps[app]?.exited === true || !stack.apps[app]) {
            if (app === 'gateway' && name === 'api') continue;
            await stack.start(app).catch(() => undefined);
          }
        }
      }
    }
  } catch (err) {
    failures.setup = (err as Error).stack ?? String(err);
    log(`setup FAILED: ${(err as Error).message}`);
  } finally {
    await stack.cleanup();
    await stopAll();
    closeHttp();
  }

  load.atEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
  const report = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'full',
    durationSec: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    versions,
    /** Load averages (1, 5, 15 min) of the machine: other work on it skews every figure. */
    load,
    /** CPU used by each process with the stack idle, % of one core (timers, pollers, heartbeats). */
    idleCpuPercent: idleCpu,
    /** Server processes /proc does not show here (a server on another machine or in a container): not in the CPU figures. */
    cpuNotMeasured: stack.unmeasured,
    settings: {
      repetitions: args.reps,
      workerConcurrency: stack.config.workerConcurrency,
      dbPoolSize: stack.config.dbPoolSize,
      messagesPerSecond: stack.config.limits.messagesPerSecond,
      logLevel: args.logLevel,
      profiled: [...args.profile],
    },
    results,
    failures,
  };
  printTable(results, failures);
  console.log(`machine: ${os.cpus().length} cores; load average at start ${load.atStart.join(' ')}, at end ${load.atEnd.join(' ')}`);
  if (stack.unmeasured.length > 0) console.log(`CPU not measured (not visible in /proc here): ${stack.unmeasured.join(', ')}`);
  printHeadlines(report);
  if (args.compare) {
    console.log(`\n${path.relative(ROOT, args.compare)} → this run:\n`);
    console.log(comparisonMarkdown(JSON.parse(readFileSync(args.compare, 'utf8')) as BenchReport, report));
  }
  mkdirSync(path.dirname(args.out), { recursive: true });
  if (args.keep && existsSync(args.out)) {
    copyFileSync(args.out, args.keep);
    log(`kept the run it replaces as ${path.relative(ROOT, args.keep)}`);
  }
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${path.relative(ROOT, args.out)}`);
  for (const [name, err] of Object.entries(failures)) console.error(`\n${name} failed:\n${err}`);
  return Object.keys(failures).length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
    killAllNow();
    process.exit(1);
  },
);
