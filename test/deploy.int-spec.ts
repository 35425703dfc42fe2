/**
 * The Docker deployment, checked without Docker (no engine runs here and no base image can be pulled):
 * - the runtime image's file layout is rebuilt exactly as the Dockerfile's runtime stage makes it (its COPY steps,
 *   with node_modules pruned by the build stage's own `npm prune --omit=dev`), and `migrate`, the sandbox, api,
 *   worker and gateway are started from it with the commands and environment docker-compose.yml (+ the override's
 *   sandbox set) gives them, against the local PostgreSQL (a fresh database) and Redis (a unique QUEUE_PREFIX),
 *   until compose's own healthchecks pass; and in live mode (base file only) the api refuses development
 *   defaults and starts with real settings;
 * - docker-compose.yml passes every variable libs/config reads to api, worker and gateway, injects no
 *   development secret, and the sandbox set publishes on 127.0.0.1 only.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { PG_SERVER_URL } from './support/database';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';
import { freePort } from './support/ports';

const root = path.resolve(__dirname, '..');

// ---------------------------------------------------------------------------------------------------------------
// Reading the Dockerfile and the compose files

interface Stage {
  name?: string;
  from: string;
  lines: string[];
}

/** The Dockerfile's stages, with continuation lines joined and comments dropped. */
function dockerStages(): Stage[] {
  const text = readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1], name: from[2], lines: [] });
    else stages[stages.length - 1].lines.push(line);
  }
  return stages;
}

type Env = Record<string, string>;
interface Service {
  command?: string[];
  environment?: Env;
  ports?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  network_mode?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
}

/** Compose's `!override` / `!reset` tags (Compose ≥ 2.24) carry no meaning for YAML itself. */
function readCompose(file: string): { text: string; compose: ComposeFile } {
  const text = readFileSync(path.join(root, file), 'utf8');
  return { text, compose: parse(text.replace(/!(override|reset)\s/g, ''), { merge: true }) as ComposeFile };
}

/** Compose's interpolation of `${NAME:-default}` / `${NAME}` (nested defaults too), from `vars`. */
function interpolate(value: string, vars: Env): string {
  let out = String(value);
  for (let i = 0; i < 5 && out.includes('${'); i++) {
    out = out.replace(/\$\{([A-Z0-9_]+)(?::-([^${}]*))?\}/g, (_, name: string, fallback?: string) => (vars[name] !== undefined && vars[name] !== '' ? vars[name] : (fallback ?? '')));
  }
  return out;
}

/** Every environment variable libs/config reads: the first argument of each call like read.int('NAME', …). */
function variablesRead(): string[] {
  const source = readFileSync(path.join(root, 'libs/config/src/load-config.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of source.matchAll(/\b[A-Za-z]+(?:\.[A-Za-z]+)?\(\s*'([A-Z][A-Z0-9_]+)'/g)) names.add(m[1]);
  return [...names].sort();
}

/** Read only in sandbox mode (the sandbox's own credentials and port, and the rule about HOST). */
const SANDBOX_ONLY = ['SANDBOX_ACCOUNT_SID', 'SANDBOX_API_KEY', 'SANDBOX_API_SECRET', 'SANDBOX_AUTH_TOKEN', 'SANDBOX_PORT', 'SANDBOX_PUBLIC'];
/** Fixed inside the containers (they listen on these; the host publishes what it chooses). */
const CONTAINER_FIXED = ['HOST', 'API_PORT', 'GATEWAY_PORT'];

// ---------------------------------------------------------------------------------------------------------------

describe('docker-compose.yml: what reaches the apps', () => {
  const { compose } = readCompose('docker-compose.yml');
  const { text: overrideText, compose: override } = readCompose('docker-compose.override.yml');
  const names = variablesRead();

  it('finds the variables libs/config reads', () => {
    expect(names.length).toBeGreaterThan(50);
    expect(names).toEqual(expect.arrayContaining(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'TWILIO_FROM', 'PUBLIC_URL', 'ALLOW_INSECURE_PUBLIC_URL', 'API_KEYS', 'OPERATOR_TOKEN', 'TOKEN_SECRET', 'SMS_ALLOWED_COUNTRIES', 'CALL_ALLOWED_COUNTRIES']));
  });

  it.each(['api', 'worker', 'gateway', 'migrate'])('%s gets every variable read in live mode, passed through from the environment', (name) => {
    const env = compose.services[name].environment ?? {};
    const missing = names.filter((n) => !SANDBOX_ONLY.includes(n) && !(n in env));
    expect(missing).toEqual([]);
    const notPassedThrough = names.filter((n) => n in env && !CONTAINER_FIXED.includes(n) && !String(env[n]).startsWith(`\${${n}:-`));
    expect(notPassedThrough).toEqual([]);
  });

  it('injects no development secret and does not pin Twilio to the sandbox (live mode refuses what is missing)', () => {
    for (const name of ['api', 'worker', 'gateway', 'migrate']) {
      const env = compose.services[name].environment ?? {};
      for (const secret of ['API_KEYS', 'OPERATOR_TOKEN', 'TOKEN_SECRET', 'TWILIO_API_URL', 'PUBLIC_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']) {
        expect([name, secret, env[secret]]).toEqual([name, secret, `\${${secret}:-}`]);
      }
    }
    // With nothing set, the live apps get empty values, which Redial treats as unset.
    const env = Object.fromEntries(Object.entries(compose.services.api.environment ?? {}).map(([k, v]) => [k, interpolate(v, {})]));
    expect(env.API_KEYS).toBe('');
    expect(env.TWILIO_API_URL).toBe('');
  });

  it('runs the sandbox only in the sandbox profile, which the local override turns on, publishing on 127.0.0.1 only', () => {
    expect(compose.services.sandbox.profiles).toEqual(['sandbox']);
    expect(compose.services.sandbox.ports).toBeUndefined();
    expect(compose.services.sandbox.network_mode).toBe('service:api');
    expect(overrideText).toMatch(/sandbox:\n(\s+#.*\n)*\s+profiles: !reset \[\]/);
    for (const [name, service] of Object.entries(override.services)) {
      for (const port of service.ports ?? []) expect([name, port]).toEqual([name, expect.stringMatching(/^127\.0\.0\.1:\d+:\d+$/)]);
      if (service.ports) expect(overrideText).toMatch(new RegExp(`  ${name}:[^]*?ports: !override`));
    }
    // Base file: published on loopback unless REDIAL_PUBLISH_ADDRESS says otherwise.
    for (const name of ['api', 'gateway']) for (const port of compose.services[name].ports ?? []) expect(port).toMatch(/^\$\{REDIAL_PUBLISH_ADDRESS:-127\.0\.0\.1\}:/);
    // The sandbox set is always sandbox mode, says so (SANDBOX_PUBLIC=1 for 0.0.0.0 in a container) and gives
    // the browser URLs it can use.
    for (const name of ['api', 'worker', 'gateway', 'migrate']) {
      const env = override.services[name].environment ?? {};
      expect(env).toMatchObject({ SANDBOX_PUBLIC: '1', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_API_KEY: '', TWILIO_FROM: '', PUBLIC_URL: 'http://localhost:3000', GATEWAY_PUBLIC_URL: 'http://localhost:3001' });
    }
    expect(override.services.worker.depends_on?.sandbox).toEqual({ condition: 'service_healthy' });
  });

  it('has a healthcheck on every long-running service; the apps wait for the one-shot migrate to succeed', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'migrate') continue;
      expect([name, service.healthcheck?.test?.length]).toEqual([name, expect.any(Number)]);
    }
    for (const name of ['api', 'worker', 'gateway']) expect(compose.services[name].depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
  });
});

// ---------------------------------------------------------------------------------------------------------------


function run(cwd: string, command: string[], env: Env, timeoutMs = 20000): Promise<{ code: number | null; out: string }> {
  const child = spawn(command[0] === 'node' ? process.execPath : command[0], command.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    }),
  );
}

describe('the runtime image, rebuilt from the Dockerfile, runs what compose runs', () => {
  const stages = dockerStages();
  const runtime = stages[stages.length - 1];
  const work = mkdtempSync(path.join(tmpdir(), 'redial-image-'));
  const buildDir = path.join(work, 'build'); // the build stage's /app, as far as the runtime stage copies it
  const appDir = path.join(work, 'app'); // the runtime stage's /app
  const dbName = `redial_deploy_${Math.random().toString(36).slice(2, 10)}`;
  const prefix = uniquePrefix('deploy');
  const children: ChildProcess[] = [];
  let imageEnv: Env = {};
  const timings: string[] = [];

  beforeAll(() => {
    // dist/ and the web UI are what the build stage's `npm run build` makes; `npm start` and CI build them.
    if (!existsSync(path.join(root, 'dist/apps/api/src/main.js')) || !existsSync(path.join(root, 'apps/web/dist/index.html'))) {
      execFileSync(process.execPath, [path.join(root, 'scripts/build.js')], { cwd: root, stdio: 'inherit' });
    }
    const began = Date.now();
    // The build stage: node_modules as `npm ci` left it (hard links: nothing is written through them), then its
    // own prune command from the Dockerfile, offline.
    const build = stages.find((s) => s.name === runtime.lines.map((l) => /--from=(\S+)/.exec(l)?.[1]).find(Boolean));
    const prune = build?.lines.map((l) => /(npm prune[^&;]*)/.exec(l)?.[1]?.trim()).find(Boolean);
    expect(prune).toBe('npm prune --omit=dev');
    mkdirSync(buildDir, { recursive: true });
    execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(buildDir, 'node_modules')]);
    // npm rewrites its hidden lockfile: give it a copy of its own, not a link to ours.
    copyFileSync(path.join(root, 'node_modules/.package-lock.json'), path.join(work, 'hidden-lock'));
    rmSync(path.join(buildDir, 'node_modules/.package-lock.json'));
    copyFileSync(path.join(work, 'hidden-lock'), path.join(buildDir, 'node_modules/.package-lock.json'));
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(root, f), path.join(buildDir, f));
    const [npm, ...args] = (prune as string).split(/\s+/);
    execFileSync(npm, [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: buildDir, stdio: 'pipe' });
    timings.push(`prune ${Date.now() - began} ms`);

    // The runtime stage: its COPY --from steps, in order; its ENV.
    mkdirSync(appDir);
    for (const line of runtime.lines) {
      const env = /^ENV\s+(.*)$/i.exec(line);
      if (env) for (const m of env[1].matchAll(/([A-Z_]+)=(\S+)/g)) imageEnv[m[1]] = m[2];
      const copy = /^COPY\s+--from=\S+\s+(.+)$/i.exec(line);
      if (!copy) continue;
      const parts = copy[1].trim().split(/\s+/);
      const dest = path.resolve(appDir, parts.pop() as string);
      for (const src of parts) {
        const rel = path.relative('/app', src);
        const from = existsSync(path.join(buildDir, rel)) ? path.join(buildDir, rel) : path.join(root, rel);
        const target = parts.length > 1 || dest.endsWith(path.sep) || (existsSync(dest) && statSync(dest).isDirectory()) ? path.join(dest, path.basename(rel)) : dest;
        mkdirSync(path.dirname(target), { recursive: true });
        if (statSync(from).isDirectory()) execFileSync('cp', ['-al', from, target]);
        else cpSync(from, target);
      }
    }
    timings.push(`layout ${Date.now() - began} ms`);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await deleteKeys(prefix).catch(() => undefined);
    const pg = new Client({ connectionString: PG_SERVER_URL });
    await pg.connect();
    await pg.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await pg.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('holds the build and production dependencies only: no sources, no build toolchain', () => {
    expect(existsSync(path.join(appDir, 'dist/apps/api/src/main.js'))).toBe(true);
    expect(existsSync(path.join(appDir, 'scripts/migrate.js'))).toBe(true);
    expect(existsSync(path.join(appDir, 'prisma/migrations'))).toBe(true);
    expect(existsSync(path.join(appDir, 'node_modules/pg'))).toBe(true);
    for (const absent of ['node_modules/@nestjs/cli', 'node_modules/vite', 'node_modules/jest', 'tsconfig.build.json', 'apps/api/src', 'libs', 'package-lock.json']) {
      expect([absent, existsSync(path.join(appDir, absent))]).toEqual([absent, false]);
    }
  });

  it('migrate, sandbox, api, worker and gateway start with compose commands and pass compose healthchecks', async () => {
    const { compose } = readCompose('docker-compose.yml');
    const { compose: override } = readCompose('docker-compose.override.yml');
    const [api, gateway, sandbox] = [await freePort(), await freePort(), await freePort()];
    // What this machine stands in for: compose's network names (postgres, redis, api) and fixed ports.
    const local: Env = {
      DATABASE_URL: `${PG_SERVER_URL.replace(/\/[^/]*$/, '')}/${dbName}`,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      API_PORT: String(api),
      GATEWAY_PORT: String(gateway),
      SANDBOX_PORT: String(sandbox),
      TWILIO_API_URL: `http://127.0.0.1:${sandbox}`,
      PUBLIC_URL: `http://127.0.0.1:${api}`,
      GATEWAY_PUBLIC_URL: `http://127.0.0.1:${gateway}`,
      LOG_LEVEL: 'warn',
    };
    const envFor = (name: string): Env => {
      const merged = { ...(compose.services[name].environment ?? {}), ...(override.services[name]?.environment ?? {}) };
      const env: Env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...imageEnv };
      for (const [k, v] of Object.entries(merged)) env[k] = interpolate(v, {});
      return { ...env, ...local };
    };

    const migrate = await run(appDir, compose.services.migrate.command as string[], envFor('migrate'));
    expect(migrate).toEqual({ code: 0, out: expect.stringMatching(/^\d+ migration\(s\) applied, 0 already there\n$/) });

    const logs: Record<string, string> = {};
    for (const name of ['sandbox', 'api', 'worker', 'gateway']) {
      const command = compose.services[name].command as string[];
      const child = spawn(process.execPath, command.slice(1), { cwd: appDir, env: envFor(name), stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      logs[name] = '';
      child.stdout?.on('data', (c) => (logs[name] += c));
      child.stderr?.on('data', (c) => (logs[name] += c));
    }
    const healthy = new Set<string>();
    const deadline = Date.now() + 45000;
    while (healthy.size < 4 && Date.now() < deadline) {
      for (const name of ['sandbox', 'api', 'worker', 'gateway']) {
        if (healthy.has(name)) continue;
        const test = compose.services[name].healthcheck?.test as string[];
        expect(test[0]).toBe('CMD');
        if ((await run(appDir, test.slice(1), envFor(name), 10000)).code === 0) healthy.add(name);
      }
      if (healthy.size < 4) await new Promise((r) => setTimeout(r, 300));
    }
    expect({ healthy: [...healthy].sort(), logs: healthy.size < 4 ? logs : {} }).toEqual({ healthy: ['api', 'gateway', 'sandbox', 'worker'], logs: {} });
    const health = await fetch(`http://127.0.0.1:${api}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', redis: 'up', database: 'up' });
    // HOST=0.0.0.0 in sandbox mode: allowed by SANDBOX_PUBLIC=1, and said out loud.
    expect(logs.api).toMatch(/SANDBOX_PUBLIC=1: sandbox mode listens on 0\.0\.0\.0/);
    expect(logs.sandbox).toMatch(/SANDBOX_PUBLIC=1/);
    console.log(`runtime layout: ${timings.join(', ')}`);
  });

  it('live mode (docker-compose.yml alone): refuses development defaults with one line, starts with real settings', async () => {
    const { compose } = readCompose('docker-compose.yml');
    const api = await freePort();
    const live: Env = {
      DATABASE_URL: `${PG_SERVER_URL.replace(/\/[^/]*$/, '')}/${dbName}`,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'live-auth-token',
      TWILIO_FROM: '+15017122661',
      PUBLIC_URL: 'https://verify.example.com',
    };
    const envWith = (shell: Env): Env => {
      const env: Env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...imageEnv };
      for (const [k, v] of Object.entries(compose.services.api.environment ?? {})) env[k] = interpolate(v, shell);
      return { ...env, API_PORT: String(api), LOG_LEVEL: 'warn' };
    };
    const command = compose.services.api.command as string[];
    // No API_KEYS, OPERATOR_TOKEN or TOKEN_SECRET in the shell: compose passes them empty, the api stops.
    const refused = await run(appDir, command, envWith(live));
    expect(refused).toEqual({ code: 1, out: 'Configuration error: API_KEYS is required when Twilio credentials are set (live mode)\n' });
    // Base file alone, no Twilio credentials: sandbox mode on 0.0.0.0 without SANDBOX_PUBLIC is refused too.
    const open = await run(appDir, command, envWith({ DATABASE_URL: live.DATABASE_URL, REDIS_URL }));
    expect(open.code).toBe(1);
    expect(open.out).toMatch(/^Configuration error: SANDBOX_PUBLIC must be 1 to listen on HOST=0\.0\.0\.0 in sandbox mode/);

    const secrets = { API_KEYS: 'live-api-key-0123456789', OPERATOR_TOKEN: 'live-operator-token-0123', TOKEN_SECRET: 'live-token-secret-0123456789abcdef' };
    const child = spawn(process.execPath, command.slice(1), { cwd: appDir, env: envWith({ ...live, ...secrets }), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stderr?.on('data', (c) => (out += c));
    let status = 0;
    for (const deadline = Date.now() + 30000; status !== 200 && Date.now() < deadline; ) {
      status = await fetch(`http://127.0.0.1:${api}/health`).then((r) => r.status, () => 0);
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect({ status, out: status === 200 ? '' : out }).toEqual({ status: 200, out: '' });
    const ui = await (await fetch(`http://127.0.0.1:${api}/ui-config.json`)).json();
    expect(ui).toMatchObject({ sandbox: false });
    expect(ui).not.toHaveProperty('demoApiKey');
    expect((await fetch(`http://127.0.0.1:${api}/sandbox/inbox/+15005550006`)).status).toBe(404);
    child.kill('SIGTERM');
  });
});
