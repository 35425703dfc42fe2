import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from './flows';

/** Redial's server apps as OS processes (`node dist/apps/<app>/src/main.js`, as `npm run start:<app>` runs them). */

const root = path.resolve(__dirname, '../..');

/** The newest modification time of the sources under `dir` (specs are not built). */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name === 'web') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : entry.name.endsWith('.spec.ts') ? 0 : statSync(full).mtimeMs);
  }
  return latest;
}

/**
 * dist/ as the sources are now: the project's incremental build (scripts/build.js `buildServer`), skipped when the
 * last one this helper ran is newer than every source (a full type-check takes ~25 s here even when nothing
 * changed). It keeps its own mark: dist/.tsbuildinfo is rewritten by `tsc -p tsconfig.json --noEmit` too, which
 * emits nothing, and the build does not rewrite JavaScript whose source changed back.
 */
export function ensureBuilt(): void {
  const mark = path.join(root, 'dist/.built-for-tests');
  const sources = Math.max(newest(path.join(root, 'apps')), newest(path.join(root, 'libs')), statSync(path.join(root, 'tsconfig.json')).mtimeMs);
  if (existsSync(mark) && existsSync(path.join(root, 'dist/apps/api/src/main.js')) && statSync(mark).mtimeMs > sources) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../../scripts/build.js') as { buildServer(): void }).buildServer();
  writeFileSync(mark, `${new Date().toISOString()}\n`);
}

/** One app in its own process; `output` is what it printed (LOG_LEVEL=silent: its start-up line and errors). */
export class AppProcess {
  output = '';
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (c) => (this.output += c));
    proc.stderr?.on('data', (c) => (this.output += c));
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.proc.kill(signal);
    await this.exited;
  }
}

/** Starts `app` from dist/ with exactly `env`; resolves once its output matches `ready`. */
export async function spawnApp(name: string, app: 'api' | 'worker' | 'gateway', env: Record<string, string>, ready: RegExp): Promise<AppProcess> {
  const child = new AppProcess(name, spawn(process.execPath, [path.join(root, 'dist/apps', app, 'src/main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  await eventually(`${name} to start`, async () => {
    if (!child.running) throw new Error(`${name} exited: ${child.output}`);
    return ready.test(child.output);
  }, 30000, 50);
  return child;
}
