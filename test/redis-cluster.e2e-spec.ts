/**
 * Redial on a Redis Cluster (REDIS_CLUSTER_NODES, hash-tagged QUEUE_PREFIX): a local 3-master cluster with one
 * replica each, from the installed redis-server, on free ports. api, worker, sandbox and gateway run in this
 * process with every Redis client a Cluster client; the sign-in flows by text and by call, with live socket.io
 * updates through sharded pub/sub (SPUBLISH/SSUBSCRIBE: the challenge-events channel, which also feeds `/ops`, and
 * the sharded socket.io adapter for `/ops` alerts), each socket's in seq order after its snapshot, then a master
 * failover (CLUSTER FAILOVER on the replica of the master that owns the prefix's slot) in the middle of 12 sign-ins
 * — none lost, none texted or called twice, every socket's updates still in order.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { challengeEventsChannel, CHALLENGES_NAMESPACE, ChallengeUpdated, OPS_NAMESPACE } from '@redial/contracts';
import { PRODUCER_REDIS } from '@redial/queue';
import { connect, LiveClient } from './support/gateway-client';
import { eventually, inbox, latestCode, registerVerified, signIn, waitForStatus } from './support/flows';
import { type LocalRedisCluster, startRedisCluster } from './support/redis-cluster';
import { startStack, type Stack } from './support/stack';

let cluster: LocalRedisCluster;
let stack: Stack;
/** An operator watching from the start: `/ops` hears every update through the gateway's sharded subscription. */
let ops: LiveClient;
const clients: LiveClient[] = [];
const numberBase = 1000 + Math.floor(Math.random() * 8000);
let numberSeq = 0;
const freshNumber = () => `+1202555${String(numberBase + ++numberSeq).padStart(4, '0')}`;

function watch(token: string): LiveClient {
  const client = connect(stack.gatewayUrl as string, CHALLENGES_NAMESPACE, { token });
  clients.push(client);
  return client;
}

/** What a socket received: its snapshot, then updates with seq rising by 1 from just after it, ending with `status`. */
function expectInOrder(client: LiveClient, status: string): ChallengeUpdated[] {
  expect(client.serverEvents.map((r) => r.event)).toEqual(['challenge.snapshot', ...client.updates.map(() => 'challenge.updated')]);
  const updates = client.updates;
  const first = client.snapshots[0].seq + 1;
  expect(updates.map((u) => u.seq)).toEqual(updates.map((_, i) => first + i));
  expect(updates.at(-1)?.challenge.status).toBe(status);
  return updates;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  stack = await startStack({
    sandbox: true,
    worker: true,
    gateway: true,
    env: { REDIS_CLUSTER_NODES: cluster.nodeList, QUEUE_PREFIX: `{t-${randomBytes(4).toString('hex')}}`, RECONCILE_INTERVAL_MS: '1000' },
  });
  ops = connect(stack.gatewayUrl as string, OPS_NAMESPACE, { token: stack.config.operatorToken });
  clients.push(ops);
  await ops.nextEvent('connect');
}, 60000);

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.close();
  await cluster?.stop();
});

it('every Redis client is a Cluster client, and every key under the hash-tagged prefix lives in one slot', async () => {
  const producer = stack.api.get(PRODUCER_REDIS) as unknown as Cluster;
  expect(producer.isCluster).toBe(true);
  await registerVerified(stack, 'cluster-keys', { number: freshNumber(), method: 'call' });
  const prefix = stack.config.queuePrefix;
  const slots = new Set<number>();
  let keys = 0;
  for (const node of producer.nodes('master')) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys += found.length;
      for (const key of found) slots.add(Number(await node.cluster('KEYSLOT', key)));
    } while (cursor !== '0');
  }
  expect(keys).toBeGreaterThan(5); // BullMQ's queues, the workers' heartbeats, the guards' counters…
  expect(slots.size).toBe(1);
  // The gateway holds sharded subscriptions on the owning shard: the challenge-events channel, and its socket.io
  // adapter's (the sharded one).
  for (const channel of [challengeEventsChannel(prefix), `${prefix}-socket.io#${OPS_NAMESPACE}#`]) {
    const { master } = await cluster.ownerOf(channel);
    const [, subscribers] = (await cluster.cli(master, 'pubsub', 'shardnumsub', channel)).trim().split('\n');
    expect([channel, Number(subscribers)]).toEqual([channel, 1]);
  }
});

it('sign-in by text: the code approves, and the gateway streams every update in order', async () => {
  const phone = freshNumber();
  await registerVerified(stack, 'cluster-sms', { number: phone, method: 'sms' });
  const challenge = await signIn(stack, 'cluster-sms');
  const socket = watch(challenge.token);
  await socket.nextEvent('challenge.snapshot');
  const code = await latestCode(stack, phone, 1);
  const checked = await stack.request('POST', `/v1/challenges/${challenge.id}/check`, { code }, { authorization: `Bearer ${challenge.token}` });
  expect(checked.body.status).toBe('approved');
  const approved = await socket.updateWithStatus('approved');
  expectInOrder(socket, 'approved');
  expect((await inbox(stack, phone)).messages).toHaveLength(2); // the verification's text and the sign-in's
  // The operator, there before the challenge existed, got each of its updates once: the same ones.
  await ops.next('ops: the approval', (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).challenge.id === challenge.id && (r.payload as ChallengeUpdated).seq === approved.seq);
  const relayed = ops.updates.filter((u) => u.challenge.id === challenge.id).sort((a, b) => a.seq - b.seq);
  expect(relayed.map((u) => u.seq)).toEqual(Array.from({ length: approved.seq }, (_, k) => k + 1));
  expect(relayed.slice(-socket.updates.length)).toEqual(socket.updates);
});

it('sign-in by call: pressing # approves, and the gateway streams every update in order', async () => {
  const phone = freshNumber();
  await registerVerified(stack, 'cluster-call', { number: phone, method: 'call' });
  const challenge = await signIn(stack, 'cluster-call');
  const socket = watch(challenge.token);
  await socket.nextEvent('challenge.snapshot');
  await socket.updateWithStatus('approved');
  const types = expectInOrder(socket, 'approved').map((u) => u.type);
  expect(types).toContain('call.answered');
  expect((await inbox(stack, phone)).calls).toHaveLength(2);
});

it('a master failover in the middle of 12 sign-ins loses none and sends nothing twice', async () => {
  const users = Array.from({ length: 12 }, (_, i) => ({ userId: `cluster-fo-${i}`, phone: freshNumber(), method: (i % 2 ? 'call' : 'sms') as 'call' | 'sms' }));
  await Promise.all(users.map((u) => registerVerified(stack, u.userId, { number: u.phone, method: u.method })));
  const before = await cluster.ownerOf(`${stack.config.queuePrefix}-x`);

  const started = await Promise.all(users.map(async (u) => {
    const challenge = await signIn(stack, u.userId);
    const socket = watch(challenge.token);
    return { ...u, challenge, socket };
  }));
  // The prefix's slot moves to the replica while the texts and calls are in flight.
  const failover = await cluster.failover(`${stack.config.queuePrefix}-x`);
  expect(failover).toEqual({ oldMaster: before.master, newMaster: before.replica });

  await Promise.all(started.map(async (s) => {
    if (s.method === 'sms') {
      const code = await latestCode(stack, s.phone, 1);
      const checked = await stack.request('POST', `/v1/challenges/${s.challenge.id}/check`, { code }, { authorization: `Bearer ${s.challenge.token}` });
      expect(checked.body.status).toBe('approved');
    }
    await waitForStatus(stack, s.challenge.id, 'approved', 30000);
  }));
  for (const s of started) {
    const box = await inbox(stack, s.phone);
    // Exactly one text or call for the verification and one for the sign-in: nothing lost, nothing twice.
    expect(s.method === 'sms' ? box.messages : box.calls).toHaveLength(2);
    expect(s.method === 'sms' ? box.calls : box.messages).toHaveLength(0);
    // The socket got every update, once each, in order, through the failover.
    await s.socket.updateWithStatus('approved');
    expectInOrder(s.socket, 'approved');
  }
  // The cluster keeps serving after the failover: a fresh sign-in on the new topology.
  const again = await signIn(stack, 'cluster-fo-1');
  await eventually('the post-failover sign-in to be approved', async () => (await waitForStatus(stack, again.id, 'approved', 20000)).status === 'approved');
}, 60000);
