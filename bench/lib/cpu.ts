import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by processes, from /proc (Linux): per-app process, all PostgreSQL backends, Redis. */
export type CpuSnapshot = Record<string, number>;

const TICKS_PER_SEC = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuOfPid(pid: number): number {
  return cpuOf(pid);
}

function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC; // utime + stime
  } catch {
    return 0;
  }
}

function byCommand(name: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) total += cpuOf(Number(entry));
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no /proc */
  }
  return total;
}

export function cpuSnapshot(apps: Record<string, { pid: number } | undefined>): CpuSnapshot {
  const snap: CpuSnapshot = {};
  for (const [name, app] of Object.entries(apps)) if (app) snap[name] = cpuOf(app.pid);
  snap.postgres = byCommand('postgres');
  snap['redis-server'] = byCommand('redis-server');
  snap.runner = cpuOf(process.pid);
  return snap;
}

/** CPU milliseconds per unit of work (e.g. per challenge) between two snapshots, per process. */
export function cpuPer(before: CpuSnapshot, after: CpuSnapshot, units: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of Object.entries(after)) {
    if (before[name] === undefined) continue;
    out[name] = Number((((v - before[name]) * 1000) / units).toFixed(1));
  }
  return out;
}

/**
 * Waits until the given processes are (nearly) idle — less than `busyShare` of one core over a second — so that
 * the work an overload left behind does not leak into the next measurement. Gives up after `maxMs`.
 */
export async function waitIdle(apps: Record<string, { pid: number } | undefined>, maxMs = 60_000, busyShare = 0.1): Promise<number> {
  const started = Date.now();
  const total = (s: CpuSnapshot) => Object.entries(s).reduce((a, [k, v]) => (k === 'runner' ? a : a + v), 0);
  for (;;) {
    const a = total(cpuSnapshot(apps));
    await new Promise((r) => setTimeout(r, 1000));
    const used = total(cpuSnapshot(apps)) - a;
    if (used < busyShare || Date.now() - started > maxMs) return Date.now() - started;
  }
}
