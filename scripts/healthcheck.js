#!/usr/bin/env node
// `node scripts/healthcheck.js <api|gateway|worker|sandbox>`: exit 0 when that app, in this container (or on
// this machine), is up — docker-compose.yml's healthchecks. Reads the same configuration as the apps (ports,
// REDIS_URL, QUEUE_PREFIX) from the compiled libs in dist/, so it needs no build toolchain.
//   api      GET /health answers 200 (Redis and PostgreSQL reachable from the api)
//   gateway  socket.io answers its polling handshake
//   sandbox  the control API answers
//   worker   a worker process of this host (container) wrote its heartbeat to Redis in the last 15 s
'use strict';
const { hostname } = require('node:os');
const { requireLib } = require('./build.js');

const app = process.argv[2];
const done = (ok, why) => {
  if (!ok) process.stderr.write(`${app} is not healthy: ${why}\n`);
  process.exit(ok ? 0 : 1);
};

async function get(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 4000);
  try {
    const res = await fetch(url, { signal: controller.signal });
    return { status: res.status, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

async function main() {
  const { loadConfig } = requireLib('config');
  const config = loadConfig();
  const local = (port) => `http://127.0.0.1:${port}`;
  switch (app) {
    case 'api': {
      const res = await get(`${local(config.apiPort)}/health`);
      return done(res.status === 200, `/health answered ${res.status} ${res.text}`);
    }
    case 'gateway': {
      const res = await get(`${local(config.gatewayPort)}/socket.io/?EIO=4&transport=polling`);
      return done(res.status === 200 && res.text.startsWith('0{'), `socket.io answered ${res.status}`);
    }
    case 'sandbox': {
      const res = await get(`${local(config.sandboxPort)}/sandbox/inbox/+15005550006`);
      return done(res.status === 200, `the control API answered ${res.status}`);
    }
    case 'worker': {
      const { workersKey } = requireLib('contracts');
      const Redis = require('ioredis');
      const redis = config.redisClusterNodes
        ? new Redis.Cluster(config.redisClusterNodes, { lazyConnect: true })
        : new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
      try {
        await redis.connect();
        const since = Date.now() - 15000;
        const beats = await redis.zrangebyscore(workersKey(config.queuePrefix), since, '+inf');
        const mine = beats.filter((id) => id.startsWith(`${hostname()}-`));
        return done(mine.length > 0, `no heartbeat from a worker on ${hostname()} in the last 15 s`);
      } finally {
        redis.disconnect();
      }
    }
    default:
      process.stderr.write('usage: node scripts/healthcheck.js <api|gateway|worker|sandbox>\n');
      process.exit(2);
  }
}

main().catch((err) => done(false, err.message));
