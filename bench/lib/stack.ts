import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { AppConfig, loadConfig } from '@redial/config';
import { createDatabaseFromTemplate, dropDatabase, PhoneSettingsRepository, SqlService, withAdminClient } from '@redial/database';
import { deleteKeysWithPrefix } from '@redial/queue';
import { commandOf, CpuMeter, parentOf, ProcessGroups, waitIdle } from './cpu';
import { requestJson } from './http';
import { AppProcess, DIST, spawnApp } from './procs';
import { mapLimit, sleep, waitUntil } from './stats';

export const PG_SERVER_URL = process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const API_KEY = 'dev-api-key';

export type AppName = 'sandbox' | 'api' | 'worker' | 'gateway';

export interface StackOptions {
  /** Apps to run under `node --cpu-prof`. */
  profile: Set<string>;
  logLevel: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Deletes every Redis key under `prefix` (queues, the socket.io channel key, liveness sets, baseline queues). */
export const deleteKeys = (prefix: string): Promise<number> => deleteKeysWithPrefix(REDIS_URL, prefix);

export interface BenchUser {
  userId: string;
  e164: string;
}

/**
 * One benchmark run's own Redial: a fresh database copied from the migrated template, a fresh queue prefix,
 * free ports, and the four apps each in its own Node process (`node dist/apps/…/main.js`).
 */
export class BenchStack {
  readonly apps: Partial<Record<AppName, AppProcess>> = {};
  users: BenchUser[] = [];
  pg!: Client;
  private sql?: SqlService;
  private cleaned = false;
  /** The Redis server's pid (INFO server), when it runs on this machine and /proc shows it. */
  private redisPid?: number;
  /** Whether /proc shows PostgreSQL's processes (it does not when the server runs elsewhere or in a container). */
  private postgresVisible = false;
  /** PostgreSQL's postmaster (it forks a backend for each new connection), the parent of every backend. */
  private postmasterPid?: number;
  /** Server processes whose CPU cannot be measured from here: said in the report. */
  readonly unmeasured: string[] = [];

  private constructor(
    readonly dbName: string,
    readonly prefix: string,
    readonly env: Record<string, string>,
    readonly config: AppConfig,
    readonly options: StackOptions,
  ) {}

  static async create(options: StackOptions): Promise<BenchStack> {
    await checkServices();
    const dbName = `redial_bench_${randomBytes(5).toString('hex')}`;
    const dbUrl = await createDatabaseFromTemplate(PG_SERVER_URL, dbName);
    const prefix = `bench-${randomBytes(4).toString('hex')}`;
    const [apiPort, gatewayPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      // Sandbox mode always, whatever the caller's shell says; every Redial setting below is the bench's own.
      if (v === undefined || /^(TWILIO_|SANDBOX_|PUBLIC_URL|GATEWAY_PUBLIC_URL|API_KEYS|OPERATOR_TOKEN|DATABASE_URL|REDIS_URL|QUEUE_PREFIX|NODE_OPTIONS)/.test(k)) continue;
      inherited[k] = v;
    }
    const env: Record<string, string> = {
      ...inherited,
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      API_PORT: String(apiPort),
      GATEWAY_PORT: String(gatewayPort),
      SANDBOX_PORT: String(sandboxPort),
      TOKEN_SECRET: randomBytes(24).toString('hex'),
      LOG_LEVEL: options.logLevel,
      // The provider limit must not be what is measured.
      MESSAGES_PER_SECOND: '100000',
      // Nor Redial's own rate limits (issue 13): the load texts the same few users and phones many times a
      // second with one API key. The request-side ones stay on with budgets it never reaches, so their cost
      // stays in the figures; the per-phone ones and the text cool-down are off (0).
      RATE_LIMIT_PHONE_10MIN: '0',
      RATE_LIMIT_PHONE_DAY: '0',
      RATE_LIMIT_SMS_COOLDOWN_SEC: '0',
      RATE_LIMIT_USER_CHALLENGES_HOUR: '1000000',
      RATE_LIMIT_USER_SETTINGS_HOUR: '1000000',
      RATE_LIMIT_API_KEY_MIN: '100000000',
      RATE_LIMIT_CLIENT_IP_MIN: '100000000',
      // The pumping guard too: every bench user's number is in one range (+1 415…) and the throughput runs enter
      // no codes, so it would suspend the range after 25 texts (the abuse run measures it at its defaults).
      PUMPING_MIN_SENDS: '0',
      WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '50',
      DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '10',
      RECONCILE_INTERVAL_MS: process.env.RECONCILE_INTERVAL_MS ?? '5000',
      // Nothing in a run should time out or expire on its own while it is being measured.
      SMS_STEP_TIMEOUT: '3600',
      CHALLENGE_TTL: '3600',
      // A run sends far more than a day's default budget (100,000 texts ≈ $790): the cap is not what is
      // measured (the abuse run measures the other controls; test/cost-controls.e2e-spec.ts the cap).
      SPEND_CAP_DAILY_USD: '0',
    };
    const config = loadConfig(env);
    const stack = new BenchStack(dbName, prefix, env, config, options);
    stack.pg = new Client({ connectionString: config.databaseUrl });
    await stack.pg.connect();
    await stack.findServerProcesses();
    return stack;
  }

  /**
   * PostgreSQL's and Redis's processes, for measuring their CPU through /proc: the pid PostgreSQL gives this
   * connection's backend, and the one Redis gives in INFO server — each checked to be that program here, as a
   * server on another machine or in a container has pids that mean nothing (or something else) on this one.
   */
  private async findServerProcesses(): Promise<void> {
    const backend = (await this.pg.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    this.postgresVisible = commandOf(backend) === 'postgres';
    if (this.postgresVisible) this.postmasterPid = parentOf(backend);
    else this.unmeasured.push('postgres');
    const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const info = await redis.info('server').finally(() => redis.disconnect());
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (commandOf(pid)?.startsWith('redis-server')) this.redisPid = pid;
    else this.unmeasured.push('redis-server');
  }

  /**
   * The processes a measurement covers, by group: each running app (or the given ones), `postgres` — the
   * backends of this run's database (the apps' connections, and autovacuum working on it; not the runner's own
   * connection), `postgres-shared` — the postmaster and the server's background processes (WAL writer,
   * checkpointer, background writer, launchers), which work for every database on the server — `redis-server`,
   * and the runner (the load generator).
   */
  async processes(apps: Record<string, { pid: number; exited?: boolean } | undefined> = this.apps): Promise<ProcessGroups> {
    const groups: ProcessGroups = {};
    for (const [name, app] of Object.entries(apps)) if (app && !app.exited) groups[name] = [app.pid];
    if (this.postgresVisible) {
      const { rows } = await this.pg.query<{ pid: number; shared: boolean }>(
        'SELECT pid, datname IS NULL AS shared FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (datname = current_database() OR datname IS NULL)',
      );
      groups.postgres = rows.filter((r) => !r.shared).map((r) => r.pid);
      groups['postgres-shared'] = [...rows.filter((r) => r.shared).map((r) => r.pid), ...(this.postmasterPid ? [this.postmasterPid] : [])];
    }
    if (this.redisPid !== undefined) groups['redis-server'] = [this.redisPid];
    groups.runner = [process.pid];
    return groups;
  }

  /** Starts measuring the CPU of every process of the run (see `processes`). */
  cpuMeter(apps?: Record<string, { pid: number; exited?: boolean } | undefined>): Promise<CpuMeter> {
    return CpuMeter.start(() => this.processes(apps));
  }

  /** Waits (at most `maxMs`) until the run's own processes are idle. */
  waitIdle(maxMs?: number): Promise<number> {
    return waitIdle(() => this.processes(), maxMs);
  }

  get apiUrl(): string {
    return this.config.publicUrl;
  }
  get gatewayUrl(): string {
    return this.config.gatewayPublicUrl;
  }
  get sandboxUrl(): string {
    return `http://127.0.0.1:${this.config.sandboxPort}`;
  }
  get auth(): Record<string, string> {
    return { authorization: `Bearer ${API_KEY}` };
  }

  async start(name: AppName): Promise<AppProcess> {
    if (this.cleaned) throw new Error(`not starting ${name}: the run is being cleaned up`);
    const existing = this.apps[name];
    if (existing && !existing.exited) return existing;
    const profile = this.options.profile.has(name);
    // Debugging aid: extra node flags for one app, e.g. BENCH_NODE_ARGS_WORKER="-r ./my-preload.js".
    const extra = process.env[`BENCH_NODE_ARGS_${name.toUpperCase()}`]?.split(' ').filter(Boolean) ?? [];
    const common = { env: this.env, profile, nodeArgs: extra };
    let app: AppProcess;
    switch (name) {
      case 'sandbox':
        app = await spawnApp('sandbox', path.join(DIST, 'bench/apps/sandbox.js'), { ...common, ready: /bench sandbox listening/ });
        break;
      case 'api':
        app = await spawnApp('api', path.join(DIST, 'apps/api/src/main.js'), { ...common, ready: /api listening/i });
        await waitUntil('api /health', async () => (await requestJson('GET', `${this.apiUrl}/health`).catch(() => ({ status: 0 }))).status === 200, 30_000, 100);
        break;
      case 'worker':
        app = await spawnApp('worker', path.join(DIST, 'apps/worker/src/main.js'), { ...common, ready: /worker running/i });
        break;
      case 'gateway':
        app = await spawnApp('gateway', path.join(DIST, 'apps/gateway/src/main.js'), { ...common, ready: /gateway.*listening/i });
        break;
    }
    this.apps[name] = app;
    return app;
  }

  async stop(name: AppName): Promise<void> {
    const app = this.apps[name];
    delete this.apps[name];
    await app?.stop();
  }

  /** The bench sandbox's IPC channel (see bench/apps/sandbox.ts). */
  get sandbox(): AppProcess {
    const app = this.apps.sandbox;
    if (!app || app.exited) throw new Error('the sandbox is not running');
    return app;
  }

  async resetSandbox(): Promise<void> {
    const res = await requestJson('DELETE', `${this.sandboxUrl}/sandbox/state`);
    if (res.status !== 200) throw new Error(`sandbox reset: ${res.status}`);
  }

  /** Sets the simulated network delay (before `sent`, then `delivered`) of the given numbers. */
  async setDelay(numbers: string[], delayMs: number): Promise<void> {
    await mapLimit(numbers, 32, async (e164) => {
      const res = await requestJson('PUT', `${this.sandboxUrl}/sandbox/numbers/${encodeURIComponent(e164)}`, { sms: 'deliver', delayMs });
      if (res.status !== 200) throw new Error(`sandbox refused ${e164}: ${res.status} ${JSON.stringify(res.body)}`);
    });
  }

  /**
   * Users with ACTIVE phone settings (one SMS primary each), written straight through PhoneSettingsRepository
   * (savePending + activate) instead of a verification round trip each.
   */
  async seedUsers(count: number): Promise<BenchUser[]> {
    this.sql ??= new SqlService(this.config);
    const sql = this.sql;
    const repo = new PhoneSettingsRepository(sql);
    const start = this.users.length;
    const fresh = Array.from({ length: count }, (_, i) => {
      const n = start + i;
      return { userId: `bench-user-${n}`, e164: `+1415${String(5550000 + n).padStart(7, '0')}` };
    });
    await mapLimit(fresh, 8, async (u) => {
      const pending = await repo.savePending(u.userId, [{ role: 'primary', position: 0, e164: u.e164, country: 'US', method: 'sms' }]);
      await sql.transaction((tx) => repo.activate(pending.id, tx, new Date()));
    });
    this.users.push(...fresh);
    return fresh;
  }

  /** POST /v1/challenges for a user: the new challenge's id and token. */
  async createChallenge(userId: string): Promise<{ id: string; token: string }> {
    const res = await requestJson('POST', `${this.apiUrl}/v1/challenges`, { userId }, this.auth);
    if (res.status !== 201) throw new Error(`POST /v1/challenges: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return { id: res.body.id, token: res.body.token };
  }

  /** Redial's attempt id → challenge id, for matching the sandbox's records to requests. */
  async challengeOfAttempts(attemptIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < attemptIds.length; i += 5000) {
      const chunk = attemptIds.slice(i, i + 5000);
      const rows = await this.pg.query<{ id: string; challenge_id: string }>('SELECT id, challenge_id FROM delivery_attempts WHERE id = ANY($1::uuid[])', [chunk]);
      for (const r of rows.rows) out.set(r.id, r.challenge_id);
    }
    return out;
  }

  async versions(): Promise<Record<string, string>> {
    const pkg = (name: string): string => {
      try {
        return require(`${name}/package.json`).version as string;
      } catch {
        return 'unknown';
      }
    };
    const pgVersion = (await this.pg.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown';
    const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const info = await redis.info('server').finally(() => redis.disconnect());
    return {
      redial: require(path.join(DIST, '..', 'package.json')).version,
      node: process.versions.node,
      postgresql: pgVersion,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      bullmq: pkg('bullmq'),
      ioredis: pkg('ioredis'),
      '@nestjs/core': pkg('@nestjs/core'),
      fastify: pkg('fastify'),
      prisma: pkg('@prisma/client'),
      'socket.io': pkg('socket.io'),
      'socket.io-client': pkg('socket.io-client'),
      twilio: pkg('twilio'),
      autocannon: pkg('autocannon'),
    };
  }

  /** Stops every process, drops the database, deletes the prefix's Redis keys. Safe to call twice. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    await Promise.all(Object.values(this.apps).map((a) => a?.stop(8000).catch(() => undefined)));
    await this.sql?.pool.end().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    await deleteKeys(this.prefix).catch((err: unknown) => console.error(`could not delete Redis keys ${this.prefix}*: ${(err as Error).message}`));
    await dropDatabase(PG_SERVER_URL, this.dbName).catch((err: unknown) =>
      console.error(`could not drop database ${this.dbName}: ${(err as Error).message}`),
    );
  }
}

async function checkServices(): Promise<void> {
  try {
    await withAdminClient(PG_SERVER_URL, (c) => c.query('SELECT 1'));
  } catch (err) {
    throw new Error(`the benchmarks need PostgreSQL at ${PG_SERVER_URL} (set BENCH_PG_URL): ${(err as Error).message}`);
  }
  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`the benchmarks need Redis at ${REDIS_URL} (set BENCH_REDIS_URL): ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

export function machine(): Record<string, unknown> {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    platform: `${os.platform()} ${os.release()}`,
    hostname: os.hostname(),
  };
}

export { sleep };
