import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, request as httpRequest } from 'node:http';
import { type AddressInfo, connect as tcpConnect, createServer as createTcpServer, type Socket } from 'node:net';
import path from 'node:path';
import { eventually } from './flows';
import { REDIS_URL } from './redis';
import { requestJson, type Stack } from './stack';

/** Redial's apps as their own OS processes (`node dist/apps/<app>/src/main.js`), and balancers in front of them. */

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

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Where an app process of a suite finds its stack: what every app of it needs, the same for each. */
export interface AppStack {
  databaseUrl: string;
  prefix: string;
  /** One secret for a fleet: a token minted by any api opens any gateway; a code derived by any worker checks anywhere. */
  tokenSecret: string;
  publicUrl: string;
  twilioUrl: string;
}

/** The environment of an app process (`spawnApp`): nothing inherited but PATH and HOME, logs silent, then `extra`. */
export function appEnv(stack: AppStack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    HOST: '127.0.0.1',
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: stack.prefix,
    TOKEN_SECRET: stack.tokenSecret,
    PUBLIC_URL: stack.publicUrl,
    TWILIO_API_URL: stack.twilioUrl,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

/** One app in its own process; `output` is what it printed (with LOG_LEVEL=silent: its start-up line and errors). */
export class AppProcess {
  output = '';
  readonly exited: Promise<Exit>;
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    const take = (chunk: Buffer) => {
      this.output += chunk;
      for (const watch of [...this.watchers]) watch();
    };
    proc.stdout?.on('data', take);
    proc.stderr?.on('data', take);
    this.exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends `signal` and resolves with how the process ended. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }

  /** Resolves once the process has printed a line matching `pattern`; rejects if it exits first (or after `limitMs`). */
  printed(pattern: RegExp, limitMs = 30000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        this.watchers.delete(watch);
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      const watch = () => {
        if (pattern.test(this.output)) done();
        else if (!this.running) done(new Error(`${this.name} exited before printing ${pattern}: ${this.output}`));
      };
      const timer = setTimeout(() => done(new Error(`${this.name} did not print ${pattern} within ${limitMs} ms: ${this.output}`)), limitMs);
      this.watchers.add(watch);
      void this.exited.then(watch);
      watch();
    });
  }
}

export async function spawnApp(name: string, app: 'api' | 'worker' | 'gateway', env: Record<string, string>, ready: RegExp): Promise<AppProcess> {
  const child = new AppProcess(name, spawn(process.execPath, [path.join(root, 'dist/apps', app, 'src/main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  await child.printed(ready);
  return child;
}

/**
 * A round-robin HTTP balancer in front of the apis, as a load balancer is: each request goes to the next api, or,
 * when that one refuses the connection (it was killed), to the one after (nginx's `proxy_next_upstream error`).
 * Per request, not per connection (a keep-alive connection from the sandbox outlives the api it first reached), and a
 * new connection to the api for each (a pooled one to a killed api would fail the request instead of moving it).
 * A request is forwarded whole even if its client goes away meanwhile; `requests` lists each one as it arrived
 * (`POST /2010-04-01/…/Messages.json`).
 */
export interface Balancer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export interface BalancerOptions {
  /**
   * Sees each request and the backend's answer to it; returning false withholds the answer: the caller never hears
   * back (as when it dies just after the backend did the work).
   */
  pass?: (req: IncomingMessage, answer: IncomingMessage) => boolean;
}

export async function startBalancer(backends: number[], options: BalancerOptions = {}): Promise<Balancer> {
  let next = 0;
  const requests: string[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      const body = Buffer.concat(chunks);
      const first = next++;
      const forward = (tries: number) => {
        const port = backends[(first + backends.length - tries) % backends.length];
        const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
          if (options.pass?.(req, answer) === false) {
            answer.resume();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'ECONNREFUSED' && tries > 1) forward(tries - 1);
          else res.destroy(); // reset mid-request (that api was killed while it held it): the caller sees it fail
        });
        upstream.end(body);
      };
      forward(backends.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A round-robin TCP balancer (websockets pass through it whole): each connection goes to the next backend, or, when
 * that one refuses it (it stopped), to the one after. `chosen` lists the backend port of each connection, in order.
 */
export async function startTcpBalancer(backends: number[]): Promise<{ url: string; chosen: number[]; close(): Promise<void> }> {
  let next = 0;
  const chosen: number[] = [];
  const open = new Set<Socket>();
  const server = createTcpServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const first = next++;
    const forward = (tries: number) => {
      const port = backends[(first + backends.length - tries) % backends.length];
      const upstream = tcpConnect({ host: '127.0.0.1', port });
      upstream.once('connect', () => {
        chosen.push(port);
        upstream.on('error', () => client.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
      upstream.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ECONNREFUSED' && tries > 1) forward(tries - 1);
        else client.destroy();
      });
    };
    forward(backends.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    chosen,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What the flows helpers need of a stack, for one api of the fleet (they use `request`, `auth` and the sandbox). */
export function apiClient(apiUrl: string, sandboxUrl: string): Stack {
  const auth = { authorization: 'Bearer dev-api-key' };
  return {
    apiUrl,
    sandboxUrl,
    auth,
    request: (method: string, p: string, body?: unknown, headers: Record<string, string> = auth) => requestJson(apiUrl, method, p, body, headers),
  } as unknown as Stack;
}

/** Resolves when nothing listens on 127.0.0.1:`port` any more (a connection is refused). */
export function refusesConnections(port: number, limitMs = 20000): Promise<true> {
  return eventually(`port ${port} to refuse connections`, () =>
    new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    }), limitMs);
}
