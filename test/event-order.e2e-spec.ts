/**
 * Each socket gets its challenge's updates in `seq` order, however they reach the gateway. api, worker and sandbox
 * run in this process and publish real updates on the stack's challenge-events channel, where this suite taps
 * them. The gateway under test runs on a queue prefix of its own (the same database), so it hears only what the
 * suite re-publishes on its channel: the same real updates, in the order the suite chooses — one ahead of another,
 * one never sent — and its Redis connections go through a TCP proxy the suite can cut. The socket.io client must
 * see its snapshot and then every update, `seq` rising by 1, with the types PostgreSQL holds.
 */
import type { Redis } from 'ioredis';
import { challengeEventsChannel, CHALLENGES_NAMESPACE, type ChallengeUpdated } from '@redial/contracts';
import { createRedis, waitReady } from '@redial/queue';
import { type RunningGateway, startGateway } from '../apps/gateway/src/gateway.app';
import { eventually, latestCode, registerVerified, signIn } from './support/flows';
import { type ClientOptions, connect, type LiveClient } from './support/gateway-client';
import { deleteKeys, REDIS_URL, uniquePrefix } from './support/redis';
import { startStack, type Stack } from './support/stack';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy';

let stack: Stack;
let gateway: RunningGateway;
let gatewayPrefix: string;
let redisProxy: TcpProxy;
/** Taps the stack's channel: every real update, by challenge. */
let tap: Redis;
const published = new Map<string, ChallengeUpdated[]>();
/** Publishes on the gateway's channel. */
let publisher: Redis;
const clients: LiveClient[] = [];

const numberBase = 1000 + Math.floor(Math.random() * 8000);
let numberSeq = 0;
const freshNumber = () => `+1201557${String(numberBase + ++numberSeq).padStart(4, '0')}`;

beforeAll(async () => {
  stack = await startStack({ sandbox: true, worker: true });
  tap = createRedis(stack.config.redisUrl, 'subscriber');
  tap.on('message', (_channel: string, message: string) => {
    const update = JSON.parse(message) as ChallengeUpdated;
    published.set(update.challenge.id, [...(published.get(update.challenge.id) ?? []), update]);
  });
  await tap.subscribe(challengeEventsChannel(stack.prefix));
  redisProxy = await startTcpProxy({ host: new URL(REDIS_URL).hostname, port: Number(new URL(REDIS_URL).port || 6379) });
  gatewayPrefix = uniquePrefix('order');
  gateway = await startGateway({ ...stack.config, queuePrefix: gatewayPrefix, redisUrl: redisProxy.via(REDIS_URL) }, { port: 0 });
  publisher = createRedis(REDIS_URL, 'producer');
  await waitReady(publisher);
});

afterAll(async () => {
  redisProxy?.restore();
  for (const c of clients) c.close();
  await gateway?.close();
  tap?.disconnect();
  publisher?.disconnect();
  await redisProxy?.close();
  await stack?.close();
  if (gatewayPrefix) await deleteKeys(gatewayPrefix);
});

function watch(token: string, options: ClientOptions = {}): LiveClient {
  const client = connect(gateway.url, CHALLENGES_NAMESPACE, { token }, options);
  clients.push(client);
  return client;
}

/** Publishes on the gateway's channel, one after the other (Redis delivers them in this order). */
async function publishToGateway(updates: ChallengeUpdated[]): Promise<void> {
  for (const u of updates) await publisher.publish(challengeEventsChannel(gatewayPrefix), JSON.stringify(u));
}

/** The real updates of a challenge (as the stack published them) with `seq` in `from..to`, in seq order. */
function realUpdates(id: string, from: number, to = Infinity): ChallengeUpdated[] {
  const bySeq = new Map((published.get(id) ?? []).map((u) => [u.seq, u]));
  return [...bySeq.values()].filter((u) => u.seq >= from && u.seq <= to).sort((a, b) => a.seq - b.seq);
}

/** A user whose sign-in texts its primary phone and, on `advance`, its backup. */
async function smsUserWithBackup(userId: string): Promise<{ userId: string; backup: string }> {
  const backup = freshNumber();
  await registerVerified(stack, userId, { number: freshNumber(), method: 'sms' }, [{ number: backup, method: 'sms', label: 'alternate' }]);
  return { userId, backup };
}

/**
 * Moves a sign-in to the backup phone and approves it with the backup's code: failover, queued, sent, …, approved.
 * Resolves with the challenge's updates from `from` on once the approval is published.
 */
async function failoverAndApprove(c: { id: string; token: string }, backup: string, from: number): Promise<ChallengeUpdated[]> {
  const auth = { authorization: `Bearer ${c.token}` };
  expect((await stack.request('POST', `/v1/challenges/${c.id}/advance`, undefined, auth)).status).toBe(200);
  await eventually('the backup text to be sent', async () => realUpdates(c.id, from).some((u) => u.type === 'attempt.sent' && u.challenge.currentStep === 1));
  const code = await latestCode(stack, backup);
  expect((await stack.request('POST', `/v1/challenges/${c.id}/check`, { code }, auth)).body.status).toBe('approved');
  await eventually('the approval to be published', async () => realUpdates(c.id, from).some((u) => u.type === 'challenge.approved'));
  const updates = realUpdates(c.id, from);
  expect(updates.map((u) => u.seq)).toEqual(updates.map((_, k) => from + k)); // the tap saw every one
  return updates;
}

/** The snapshot, then updates with seq rising by 1 from just after it. */
function expectSnapshotThenInOrder(client: LiveClient): ChallengeUpdated[] {
  const events = client.serverEvents;
  expect(events[0].event).toBe('challenge.snapshot');
  const updates = events.slice(1).map((r) => {
    expect(r.event).toBe('challenge.updated');
    return r.payload as ChallengeUpdated;
  });
  const first = client.snapshots[0].seq + 1;
  expect(updates.map((u) => u.seq)).toEqual(updates.map((_, k) => first + k));
  return updates;
}

let approved: { id: string; token: string; lastSeq: number };

it('N+2 before N+1, and some never published at all: the socket gets the snapshot, then every seq rising by 1, the missing ones read from PostgreSQL', async () => {
  const user = await smsUserWithBackup('order-user');
  const c = await signIn(stack, user.userId);
  const client = watch(c.token);
  const snapshot = (await client.nextEvent('challenge.snapshot')).payload as { seq: number };
  const s = snapshot.seq;

  const real = await failoverAndApprove(c, user.backup, s + 1);
  const n = real.length;
  expect(n).toBeGreaterThanOrEqual(4); // failover, queued, sent, …, approved
  const at = (seq: number) => real[seq - s - 1];
  // S+2 first (S+1 is read from PostgreSQL at once), S+1 late (dropped), S+3 … S+n-1 never (read when S+n comes).
  await publishToGateway([at(s + 2), at(s + 1), at(s + n)]);

  await client.next(`seq ${s + n}`, (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).seq === s + n);
  const updates = expectSnapshotThenInOrder(client);
  expect(updates.map((u) => [u.seq, u.type])).toEqual(real.map((u) => [u.seq, u.type]));
  // The ones it was sent arrive as published; the ones it read carry the challenge of the update that revealed the gap.
  expect(updates[1]).toEqual(at(s + 2));
  expect(updates[n - 1]).toEqual(at(s + n));
  expect(updates[0].challenge).toEqual(at(s + 2).challenge);
  for (const u of updates.slice(2, n - 1)) expect(u.challenge).toEqual(at(s + n).challenge);
  for (const u of updates) expect(new Date(u.at).toISOString()).toBe(u.at);
  approved = { id: c.id, token: c.token, lastSeq: s + n };
});

it('a gap PostgreSQL cannot fill closes the connection, and the client reconnects to a fresh snapshot', async () => {
  const client = watch(approved.token, { reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0 });
  expect(((await client.nextEvent('challenge.snapshot')).payload as { seq: number }).seq).toBe(approved.lastSeq);
  const last = realUpdates(approved.id, approved.lastSeq)[0];

  const from = client.mark();
  await publishToGateway([{ ...last, seq: approved.lastSeq + 5 }]); // seqs that were never committed
  expect((await client.nextEvent('disconnect', from)).payload).toBe('transport close');
  await client.nextEvent('connect', from);
  expect(((await client.nextEvent('challenge.snapshot', from)).payload as { seq: number }).seq).toBe(approved.lastSeq);
  expect(client.received.map((r) => r.event)).toEqual(['connect', 'challenge.snapshot', 'disconnect', 'connect', 'challenge.snapshot']);
});

it('updates published while the gateway had lost its subscription are read from PostgreSQL once it is back', async () => {
  const user = await smsUserWithBackup('order-resubscribed');
  const c = await signIn(stack, user.userId);
  const client = watch(c.token);
  const s = ((await client.nextEvent('challenge.snapshot')).payload as { seq: number }).seq;

  redisProxy.cut('refuse');
  const real = await failoverAndApprove(c, user.backup, s + 1);
  await publishToGateway(real); // nobody hears these: the gateway's connection is gone
  redisProxy.restore();

  const last = real.at(-1) as ChallengeUpdated;
  await client.next(`seq ${last.seq}`, (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).seq >= last.seq);
  const updates = expectSnapshotThenInOrder(client);
  expect(updates.map((u) => [u.seq, u.type])).toEqual(realUpdates(c.id, s + 1, updates.at(-1)?.seq).map((u) => [u.seq, u.type]));
  // Read from PostgreSQL together: each carries the challenge as it was read, approved.
  for (const u of updates) expect(u.challenge).toMatchObject({ id: c.id, status: 'approved', seq: updates.at(-1)?.seq });
  expect(client.received.filter((r) => r.event === 'disconnect')).toEqual([]);
});
