import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { sleep } from './stats';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const DIST = path.join(ROOT, 'dist');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
export const LOG_DIR = path.join(RESULTS_DIR, 'logs');

export interface SpawnOptions {
  env: Record<string, string>;
  /** A line in the process's output that says it is ready. */
  ready: RegExp;
  timeoutMs?: number;
  /** Runs under `node --cpu-prof`, profile written to bench/results/<name>-<n>.cpuprofile on exit. */
  profile?: boolean;
  nodeArgs?: string[];
}

const running = new Set<AppProcess>();
let profileSeq = 0;

/** One app in its own Node process, as in production: `node <script>`. */
export class AppProcess {
  readonly logFile: string;
  private exitPromise: Promise<void>;
  exited = false;
  exitCode: number | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile: string,
  ) {
    this.logFile = logFile;
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code ?? (signal ? 128 : null);
        running.delete(this);
        for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${signal ?? code})`));
        this.pending.clear();
        resolve();
      });
    });
    child.on('message', (msg: any) => {
      if (msg && typeof msg.id === 'number' && this.pending.has(msg.id)) {
        const p = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.error) p.reject(new Error(msg.error));
        else p.resolve(msg.result);
      }
    });
    running.add(this);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Resident set size in MB, from /proc (Linux) — NaN when unavailable. */
  rssMb(): number {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
      return kb / 1024;
    } catch {
      return Number.NaN;
    }
  }

  output(tailLines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-tailLines).join('\n');
    } catch {
      return '';
    }
  }

  /** An IPC command to a bench helper process (see bench/apps/sandbox.ts). */
  call<T = any>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    if (this.exited || !this.child.send) return Promise.reject(new Error(`${this.name} is not running`));
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${cmd}`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send!({ id, cmd, ...args });
    });
  }

  /** SIGTERM (a graceful shutdown, which also writes a --cpu-prof profile), then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const killed = await Promise.race([this.exitPromise.then(() => false), sleep(graceMs).then(() => true)]);
    if (killed && !this.exited) {
      this.child.kill('SIGKILL');
      await this.exitPromise;
    }
  }

  waitExit(): Promise<void> {
    return this.exitPromise;
  }
}

export async function spawnApp(name: string, script: string, options: SpawnOptions): Promise<AppProcess> {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const nodeArgs = [...(options.nodeArgs ?? [])];
  if (options.profile) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${RESULTS_DIR}`, `--cpu-prof-name=${name}-${stamp}-${++profileSeq}.cpuprofile`);
    nodeArgs.push('-r', path.join(DIST, 'bench', 'apps', 'profile-exit.js'));
  }
  nodeArgs.push('-r', path.join(DIST, 'bench', 'apps', 'parent-watch.js'));
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: options.env,
    // Always an IPC channel: parent-watch.js ends the process when the runner goes away.
    stdio: ['ignore', fd, fd, 'ipc'],
  });
  closeSync(fd);
  const app = new AppProcess(name, child, logFile);
  const started = readLength(logFile);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (app.exited) throw new Error(`${name} exited during start-up (code ${app.exitCode}):\n${app.output()}`);
    const text = readFrom(logFile, started);
    if (options.ready.test(text)) return app;
    if (Date.now() > deadline) {
      await app.stop(2000);
      throw new Error(`${name} did not report ready within ${(options.timeoutMs ?? 60_000) / 1000} s:\n${app.output()}`);
    }
    await sleep(50);
  }
}

function readLength(file: string): number {
  return existsSync(file) ? readFileSync(file).length : 0;
}

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** Stops every process this run started (normal end, error, Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(5000).catch(() => undefined)));
}

export function killAllNow(): void {
  for (const p of running) {
    try {
      p.child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
