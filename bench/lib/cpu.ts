import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ on Linux

/** The processes to measure, by group: each app's pid, the run database's PostgreSQL backends, Redis, the runner. */
export type ProcessGroups = Record<string, number[]>;

/**
 * Groups that are not the system under test (the load generator), or that the rest of the machine shares
 * (PostgreSQL's background processes, the Redis server): left out when waiting for the run's own work to settle.
 */
export const LOAD_GENERATOR = 'runner';
const SHARED = new Set([LOAD_GENERATOR, 'postgres-shared', 'redis-server']);

/** The fields of /proc/<pid>/stat after the command name (state, ppid, …), or undefined when the process is gone. */
function statOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN when it is gone. */
export function cpuOfPid(pid: number): number {
  const fields = statOf(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC : Number.NaN; // utime + stime
}

export function parentOf(pid: number): number | undefined {
  const fields = statOf(pid);
  return fields ? Number(fields[1]) : undefined;
}

/** The command name of a process (`/proc/<pid>/comm`), or undefined when it is not visible from here. */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * CPU used by groups of processes over a window. The groups are listed again every second while the meter runs:
 * a process that ends inside the window (a pool closing an idle PostgreSQL connection) still counts with what it
 * had used when it was last seen, and one that starts inside it counts from zero.
 */
export class CpuMeter {
  private readonly first = new Map<string, number>();
  private readonly last = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private sampling: Promise<void> = Promise.resolve();

  private constructor(private readonly list: () => Promise<ProcessGroups> | ProcessGroups) {}

  static async start(list: () => Promise<ProcessGroups> | ProcessGroups, everyMs = 1000): Promise<CpuMeter> {
    const meter = new CpuMeter(list);
    await meter.sample(true);
    meter.timer = setInterval(() => {
      meter.sampling = meter.sampling.then(() => meter.sample(false));
    }, everyMs).unref();
    return meter;
  }

  private async sample(atStart: boolean): Promise<void> {
    let groups: ProcessGroups;
    try {
      groups = await this.list();
    } catch {
      return; // the next sample, or the last one, lists them again
    }
    for (const [group, pids] of Object.entries(groups)) {
      for (const pid of pids) {
        const used = cpuOfPid(pid);
        if (Number.isNaN(used)) continue;
        const key = `${group}:${pid}`;
        if (!this.first.has(key)) this.first.set(key, atStart ? used : 0);
        this.last.set(key, used);
      }
    }
  }

  /**
   * Stops the meter: CPU milliseconds per unit of work (e.g. per challenge) of each group, and `total`, the sum
   * over every group but the load generator.
   */
  async stop(units: number): Promise<Record<string, number>> {
    clearInterval(this.timer);
    await this.sampling;
    await this.sample(false);
    const used: Record<string, number> = {};
    for (const [key, seconds] of this.last) {
      const group = key.slice(0, key.lastIndexOf(':'));
      used[group] = (used[group] ?? 0) + seconds - (this.first.get(key) as number);
    }
    const perUnit = (seconds: number) => Number(((seconds * 1000) / units).toFixed(1));
    const out: Record<string, number> = {};
    for (const [group, seconds] of Object.entries(used)) out[group] = perUnit(seconds);
    out.total = perUnit(Object.entries(used).reduce((a, [group, s]) => (group === LOAD_GENERATOR ? a : a + s), 0));
    return out;
  }
}

/**
 * Waits until the run's own processes are (nearly) idle — less than `busyShare` of one core over a second — so
 * that the work an overload left behind does not leak into the next measurement. Processes the machine shares
 * (PostgreSQL's background processes, Redis) are left out: other work on the machine keeps them busy. Gives up
 * after `maxMs`.
 */
export async function waitIdle(list: () => Promise<ProcessGroups>, maxMs = 60_000, busyShare = 0.1): Promise<number> {
  const started = Date.now();
  for (;;) {
    const meter = await CpuMeter.start(async () => Object.fromEntries(Object.entries(await list()).filter(([group]) => !SHARED.has(group))));
    await new Promise((r) => setTimeout(r, 1000));
    const used = (await meter.stop(1)).total / 1000;
    if (used < busyShare || Date.now() - started > maxMs) return Date.now() - started;
  }
}
