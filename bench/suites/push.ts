import { io, Socket } from 'socket.io-client';
import { deriveKey } from '@redial/config';
import { signChallengeToken } from '@redial/domain';
import { figure, mapLimit, percentile, sleep, waitUntil, wallNow } from '../lib/stats';
import type { SuiteContext, SuiteResult } from '../lib/suite';
import { callbackCount, cloneChallenge } from './common';
import { openLoop } from './latency';

function connect(url: string, token: string): Socket {
  return io(`${url}/challenges`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30_000 });
}

/**
 * 4. Push latency: the sandbox sends the `delivered` status callback → `challenge.updated` (`attempt.delivered`)
 * arrives on the challenge's socket (socket.io-client, websocket transport), while 1,000 other sockets are open.
 *
 * The 1,000 open sockets belong to challenges copied in SQL from one made through the api, with tokens signed by
 * the bench (it knows the run's TOKEN_SECRET): the gateway authenticates them and sends each its snapshot as
 * usual. Each repetition then creates challenges through the api at 5/s (a rate this machine sustains; see the
 * latency benchmark) and opens a socket for each as soon as
 * the api answers; their numbers have a 2 s network delay, so the socket is open before the callback. Latency =
 * arrival on the socket − the moment the sandbox started sending that callback (both wall-clock, one machine).
 * The gateway's RSS is read before and after opening the 1,000 sockets.
 */
export async function push(ctx: SuiteContext): Promise<SuiteResult> {
  const { stack } = ctx;
  const idle = ctx.quick ? 100 : 1000;
  const rate = 5;
  const measured = ctx.quick ? 10 : 60;
  const delayMs = 2000;
  await stack.start('worker');
  const gateway = await stack.start('gateway');
  await stack.resetSandbox();

  // The 1,000 open sockets.
  await stack.setDelay([stack.users[0].e164], 600_000);
  const template = await stack.createChallenge(stack.users[0].userId);
  const ids = await cloneChallenge(stack, template.id, idle);
  const expiresAt = new Date(Date.now() + 3000 * 1000);
  // The api signs with the challenge-token key derived from the run's TOKEN_SECRET; so does the runner.
  const tokenKey = deriveKey(stack.env.TOKEN_SECRET, 'challengeTokens');
  await sleep(1000);
  const rssBefore = gateway.rssMb();
  const idleSockets: Socket[] = [];
  let rssHalf = Number.NaN;
  const refused: string[] = [];
  let connected = 0;
  const openAll = (batch: string[]) => mapLimit(batch, 50, async (id) => {
    const socket = connect(stack.gatewayUrl, signChallengeToken({ challengeId: id, expiresAt }, tokenKey));
    idleSockets.push(socket);
    await new Promise<void>((resolve) => {
      socket.once('challenge.snapshot', () => {
        connected++;
        resolve();
      });
      socket.once('connect_error', (err) => {
        refused.push(err.message);
        resolve();
      });
    });
  });
  await openAll(ids.slice(0, Math.floor(idle / 2)));
  await sleep(1500);
  rssHalf = gateway.rssMb();
  await openAll(ids.slice(Math.floor(idle / 2)));
  const p50: number[] = [];
  const p95: number[] = [];
  const p99: number[] = [];
  const apiP50: number[] = [];
  const apiP99: number[] = [];
  let rssAfter = Number.NaN;
  let late = 0;
  try {
    if (refused.length) throw new Error(`${refused.length} of ${idle} sockets refused: ${refused[0]}`);
    await sleep(1500);
    rssAfter = gateway.rssMb();
    ctx.log(`push: ${connected} sockets open; gateway RSS ${rssBefore.toFixed(0)} MB → ${rssHalf.toFixed(0)} MB (half) → ${rssAfter.toFixed(0)} MB`);
    const users = stack.users.slice(1);
    await stack.setDelay(users.map((u) => u.e164), delayMs);
    for (let rep = 0; rep < ctx.reps; rep++) {
      const since = await callbackCount(stack);
      const open: Socket[] = [];
      const connectedAt = new Map<string, number>();
      const deliveredAt = new Map<string, number>();
      const errors: string[] = [];
      const { sent } = await openLoop(stack, users, rate, measured, (s) => {
        const id = s.id as string;
        const socket = connect(stack.gatewayUrl, s.token as string);
        open.push(socket);
        socket.on('connect', () => connectedAt.set(id, wallNow()));
        socket.on('connect_error', (err) => errors.push(err.message));
        socket.on('challenge.updated', (update: { type: string }) => {
          if (update.type === 'attempt.delivered' && !deliveredAt.has(id)) deliveredAt.set(id, wallNow());
        });
      });
      try {
        const created = sent.filter((s) => s.id).length;
        if (created < measured) throw new Error(`${measured - created} of ${measured} challenges could not be created`);
        await waitUntil(`${measured} attempt.delivered events`, () => deliveredAt.size + errors.length >= measured, delayMs + 30_000, 100).catch((err: Error) =>
          ctx.log(`push: ${err.message} (${deliveredAt.size} received)`),
        );
        if (errors.length) throw new Error(`${errors.length} sockets refused: ${errors[0]}`);
        const cb = await stack.sandbox.call<{ at: number[]; doneAt: Array<number | null>; attempt: Array<string | null> }>('callbacks', { since, status: 'delivered' });
        const byAttempt = await stack.challengeOfAttempts(cb.attempt.filter((a): a is string => a !== null));
        const samples: number[] = [];
        const answered: number[] = [];
        cb.attempt.forEach((a, i) => {
          const challenge = a ? byAttempt.get(a) : undefined;
          const received = challenge ? deliveredAt.get(challenge) : undefined;
          if (challenge === undefined || received === undefined) return;
          const opened = connectedAt.get(challenge);
          if (opened === undefined || opened > cb.at[i]) late++;
          samples.push(received - cb.at[i]);
          const done = cb.doneAt[i];
          if (done !== null) answered.push(done - cb.at[i]);
        });
        if (samples.length < measured * 0.99) throw new Error(`only ${samples.length} of ${measured} deliveries were pushed`);
        p50.push(percentile(samples, 50));
        p95.push(percentile(samples, 95));
        p99.push(percentile(samples, 99));
        apiP50.push(percentile(answered, 50));
        apiP99.push(percentile(answered, 99));
        ctx.log(`push rep ${rep + 1}: p50 ${p50.at(-1)?.toFixed(1)} ms, p95 ${p95.at(-1)?.toFixed(1)} ms, p99 ${p99.at(-1)?.toFixed(1)} ms (${samples.length} events); the api answered the callback in p50 ${apiP50.at(-1)?.toFixed(1)} ms, p99 ${apiP99.at(-1)?.toFixed(1)} ms`);
      } finally {
        for (const s of open) s.disconnect();
      }
      await sleep(500);
    }
  } finally {
    for (const s of idleSockets) s.disconnect();
    await stack.resetSandbox().catch(() => undefined);
  }
  return {
    title: `4. Push latency (sandbox callback → challenge.updated on a socket, ${idle} sockets open)`,
    figures: {
      p50: figure(p50, 'ms', 1),
      p95: figure(p95, 'ms', 1),
      p99: figure(p99, 'ms', 1),
      callbackAnsweredP50: figure(apiP50, 'ms', 1),
      callbackAnsweredP99: figure(apiP99, 'ms', 1),
      gatewayRssPer1000Sockets: figure([((rssAfter - rssBefore) * 1000) / idle], 'MB', 1),
      gatewayRssPer1000Marginal: figure([((rssAfter - rssHalf) * 1000) / (idle - Math.floor(idle / 2))], 'MB', 1),
    },
    goals: [{ figure: 'p99', op: '<=', value: 50 }],
    params: { openSockets: idle, measuredPerRep: measured, createRatePerSec: rate, networkDelayMs: delayMs, socketsOpenedAfterTheirCallback: late, gatewayRssMb: { before: Number(rssBefore.toFixed(1)), half: Number(rssHalf.toFixed(1)), after: Number(rssAfter.toFixed(1)) } },
  };
}
