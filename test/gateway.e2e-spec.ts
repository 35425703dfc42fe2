/**
 * The gateway (socket.io) end to end: api, worker, Twilio sandbox and gateway run in this process against real
 * PostgreSQL and Redis. Tests wait for events (socket events, or the sandbox reporting a call waiting for keys),
 * never for time.
 */
import { randomUUID } from 'node:crypto';
import { CHALLENGE_EVENT_TYPES, challengeEventsChannel, CHALLENGES_NAMESPACE, ChallengeUpdated, OPS_NAMESPACE, OpsAlert } from '@redial/contracts';
import { signChallengeToken } from '@redial/domain';
import { createRedis, EventPublisher, socketIoKey, waitReady } from '@redial/queue';
import { Emitter } from '@socket.io/redis-emitter';
import { challengeEventsConnectionName } from '../apps/gateway/src/challenge-events.subscriber';
import { type RunningGateway, startGateway } from '../apps/gateway/src/gateway.app';
import { type ClientOptions, connect, LiveClient } from './support/gateway-client';
import { startStack, type Stack } from './support/stack';
import { eventually } from './support/flows';

let stack: Stack;
let ops: LiveClient;
const clients: LiveClient[] = [];
const gateways: RunningGateway[] = [];
/** Every raw number this suite used: none may appear in anything a socket received. */
const rawNumbers: string[] = [];

let numberSeq = 0;
const numberBase = 1000 + Math.floor(Math.random() * 8000);
function freshNumber(): string {
  const e164 = `+1201555${String(numberBase + ++numberSeq).padStart(4, '0')}`;
  rawNumbers.push(e164);
  return e164;
}

function open(namespace: string, auth: Record<string, unknown> | undefined, options: ClientOptions = {}, url = stack.gatewayUrl as string): LiveClient {
  const client = connect(url, namespace, auth, options);
  clients.push(client);
  return client;
}

async function sandbox(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.sandboxUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function behave(e164: string, behaviour: { voice?: string; sms?: string; delayMs?: number }): Promise<void> {
  await sandbox('PUT', `/sandbox/numbers/${encodeURIComponent(e164)}`, behaviour);
}

/** Asks the sandbox until `check` yields a value: the sandbox has no push for "a call waits for keys". */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Presses `digits` on the newest call to `e164` once it waits in its Gather (voice behaviour `interactive`). */
async function press(e164: string, digits: string): Promise<void> {
  const sid = await waitingCall(e164);
  await sandbox('POST', `/sandbox/calls/${sid}/digits`, { digits });
}

function waitingCall(e164: string): Promise<string> {
  return until(`a call to ${e164} waiting for keys`, async () => {
    const inbox = await sandbox('GET', `/sandbox/inbox/${encodeURIComponent(e164)}`);
    const call = (inbox.calls as Array<{ sid: string; awaitingDigits: boolean }>).find((c) => c.awaitingDigits);
    return call?.sid;
  });
}

function latestCode(e164: string): Promise<string> {
  return until(`a text to ${e164}`, async () => {
    const inbox = await sandbox('GET', `/sandbox/inbox/${encodeURIComponent(e164)}`);
    const newest = (inbox.messages as Array<{ body: string }>).at(-1);
    return newest ? /#(\d{6})\s*$/.exec(newest.body)?.[1] : undefined;
  });
}

async function savePhones(userId: string, body: unknown): Promise<{ challengeId: string; token: string }> {
  const res = await stack.request('PUT', `/v1/users/${userId}/phones`, body);
  expect(res.status).toBe(200);
  return res.body.verification;
}

/** The `/ops` feed's updates of one challenge, in arrival order. */
function opsUpdatesOf(challengeId: string): ChallengeUpdated[] {
  return ops.updates.filter((u) => u.challenge.id === challengeId);
}

function opsFinal(challengeId: string, status: string): Promise<unknown> {
  return ops.next(`ops: challenge ${challengeId} ${status}`, (r) => {
    const u = r.payload as ChallengeUpdated;
    return r.event === 'challenge.updated' && u.challenge.id === challengeId && u.challenge.status === status;
  });
}

/** seq rises by 1 from one update to the next, in the order they arrived. */
function expectContiguous(updates: ChallengeUpdated[]): void {
  const seqs = updates.map((u) => u.seq);
  expect(seqs.length).toBeGreaterThan(0);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
}

beforeAll(async () => {
  stack = await startStack({ sandbox: true, worker: true, gateway: true });
  // The operator watches from the start, so it sees every challenge of the suite from its first event.
  ops = open(OPS_NAMESPACE, { token: stack.config.operatorToken });
  await ops.nextEvent('connect');
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const g of gateways) await g.close().catch(() => undefined);
  await stack?.close();
});

describe('/challenges handshake', () => {
  it('refuses a missing, malformed, expired, foreign or orphaned token with `unauthorized` and sends nothing', async () => {
    const { challengeId } = await savePhones('refused-user', { primary: { number: freshNumber(), method: 'call' } });
    const secret = stack.config.keys.challengeTokens;
    const inAMinute = new Date(Date.now() + 60_000);
    const cases: Array<Record<string, unknown> | undefined> = [
      undefined,
      {},
      { token: '' },
      { token: 'garbage' },
      { token: 'bm90.YS10b2tlbg' },
      { token: 42 },
      { token: signChallengeToken({ challengeId, expiresAt: new Date(Date.now() - 1000) }, secret) },
      { token: signChallengeToken({ challengeId, expiresAt: inAMinute }, 'another-secret-0123456789abcdef') },
      { token: signChallengeToken({ challengeId: randomUUID(), expiresAt: inAMinute }, secret) },
    ];
    const refused = cases.map((auth) => open(CHALLENGES_NAMESPACE, auth));
    for (const client of refused) expect(await client.refusal()).toBe('unauthorized');

    // A good token, given as ?token= (the fallback): its snapshot proves the server has answered everyone.
    const good = open(CHALLENGES_NAMESPACE, undefined, { query: { token: signChallengeToken({ challengeId, expiresAt: inAMinute }, secret) } });
    expect(((await good.nextEvent('challenge.snapshot')).payload as { id: string }).id).toBe(challengeId);

    for (const client of refused) {
      expect(client.received).toEqual([{ event: 'connect_error', payload: 'unauthorized' }]);
      expect(client.socket.connected).toBe(false);
    }
  });
});

describe('/ops handshake', () => {
  it('refuses anything but the operator token', async () => {
    const { token: challengeToken } = await savePhones('ops-refused-user', { primary: { number: freshNumber(), method: 'call' } });
    const operator = stack.config.operatorToken;
    const cases: Array<Record<string, unknown> | undefined> = [undefined, {}, { token: 'wrong-operator-token' }, { token: operator.toUpperCase() }, { token: `${operator}x` }, { token: challengeToken }];
    const refused = cases.map((auth) => open(OPS_NAMESPACE, auth));
    for (const client of refused) expect(await client.refusal()).toBe('unauthorized');

    const viaQuery = open(OPS_NAMESPACE, undefined, { query: { token: operator } });
    await viaQuery.nextEvent('queues.stats');
    for (const client of refused) expect(client.received).toEqual([{ event: 'connect_error', payload: 'unauthorized' }]);
  });
});

describe('/challenges live status', () => {
  it('sends the snapshot, then every change with seq rising by 1, up to approval by the call', async () => {
    const phone = freshNumber();
    await behave(phone, { voice: 'interactive' });
    const { challengeId, token } = await savePhones('live-user', { primary: { number: phone, method: 'call' } });

    const client = open(CHALLENGES_NAMESPACE, { token });
    const snapshot = (await client.nextEvent('challenge.snapshot')).payload as any;
    expect(snapshot).toMatchObject({ id: challengeId, userId: 'live-user', purpose: 'settings', status: 'pending', currentStep: 0 });
    expect(snapshot.steps).toEqual([expect.objectContaining({ index: 0, role: 'primary', method: 'call', phone: '+1 ••• ••• ••' + phone.slice(-2) })]);
    expect(client.received[0].event).toBe('connect');
    expect(client.received[1].event).toBe('challenge.snapshot');

    await press(phone, '#');
    const approved = await client.updateWithStatus('approved');
    expect(approved.type).toBe('challenge.approved');
    expect(approved.challenge.approvedAt).toEqual(expect.any(String));

    // What this socket saw after its snapshot: contiguous seqs, known types, the approval last and once.
    const updates = client.updates;
    expectContiguous(updates);
    for (const u of updates) {
      expect(CHALLENGE_EVENT_TYPES).toContain(u.type);
      expect(u.challenge.id).toBe(challengeId);
      expect(new Date(u.at).toISOString()).toBe(u.at);
    }
    expect(updates.at(-1)).toEqual(approved);
    expect(updates.filter((u) => u.type === 'challenge.approved')).toHaveLength(1);

    // The operator was connected before the challenge existed: it saw the whole story, from seq 1.
    await opsFinal(challengeId, 'approved');
    const story = opsUpdatesOf(challengeId);
    expectContiguous(story);
    expect(story[0]).toMatchObject({ seq: 1, type: 'challenge.created' });
    // The api writes the first two together; the call's own progress (the worker's `sent`, the status callbacks)
    // may interleave and, when a callback loses the race against the keypress, be missing: Twilio's are async.
    const types = story.map((u) => u.type);
    expect(types.slice(0, 2)).toEqual(['challenge.created', 'attempt.queued']);
    expect(types.at(-1)).toBe('challenge.approved');
    const middle = types.slice(2, -1);
    expect(new Set(middle).size).toBe(middle.length);
    for (const type of middle) expect(['attempt.sent', 'call.ringing', 'call.answered']).toContain(type);
    // The challenge socket's updates are the tail of that story, payloads and all.
    expect(story.slice(story.length - updates.length)).toEqual(updates);
  });

  it('sends a fresh snapshot on every reconnect, and the updates continue', async () => {
    const phone = freshNumber();
    await behave(phone, { voice: 'interactive' });
    const { challengeId, token } = await savePhones('reconnect-user', { primary: { number: phone, method: 'call' } });
    const client = open(CHALLENGES_NAMESPACE, { token }, { reconnection: true, reconnectionDelay: 20, reconnectionDelayMax: 50, randomizationFactor: 0 });
    await client.nextEvent('challenge.snapshot');
    await waitingCall(phone);

    // The client goes away and comes back: a new connect, so a new snapshot.
    let from = client.mark();
    client.socket.disconnect();
    client.socket.connect();
    await client.nextEvent('connect', from);
    const second = (await client.nextEvent('challenge.snapshot', from)).payload as any;
    expect(second).toMatchObject({ id: challengeId, status: 'pending' });

    // The transport drops under it: socket.io reconnects by itself, and again a snapshot comes first.
    from = client.mark();
    client.socket.io.engine.close();
    await client.nextEvent('disconnect', from);
    await client.nextEvent('connect', from);
    const third = (await client.nextEvent('challenge.snapshot', from)).payload as any;
    expect(third).toMatchObject({ id: challengeId, status: 'pending' });
    expect(client.snapshots).toHaveLength(3);

    from = client.mark();
    await press(phone, '#');
    const approved = await client.updateWithStatus('approved', from);
    expect(approved).toMatchObject({ type: 'challenge.approved', challenge: { id: challengeId } });
    // Nothing was lost across the reconnects: the approval follows the last event the operator saw before it.
    await opsFinal(challengeId, 'approved');
    const story = opsUpdatesOf(challengeId);
    expectContiguous(story);
    expect(story.at(-1)).toEqual(approved);
  });
});

describe('two gateway processes', () => {
  it('relay the same updates to clients of the same challenge on either gateway', async () => {
    const primary = freshNumber();
    const backup = freshNumber();
    await behave(primary, { voice: 'interactive' });
    const verification = await savePhones('two-gateways-user', {
      primary: { number: primary, method: 'call' },
      backups: [{ number: backup, method: 'sms', label: 'alternate' }],
    });
    await press(primary, '#');
    await opsFinal(verification.challengeId, 'approved');

    const second = await startGateway(stack.config, { logger: false, port: 0 });
    gateways.push(second);
    expect(second.url).not.toBe(stack.gatewayUrl);
    // An operator on each gateway. The second's backfill (read once, before it sends anything) has the verification
    // in it: read before the sign-in below existed, so every update of the sign-in it gets is a live one.
    const opsTwo = open(OPS_NAMESPACE, { token: stack.config.operatorToken }, {}, second.url);
    await opsTwo.next('its backfill', (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).challenge.id === verification.challengeId);

    const signIn = await stack.request('POST', '/v1/challenges', { userId: 'two-gateways-user' });
    expect(signIn.status).toBe(201);
    const { id, token } = signIn.body as { id: string; token: string };
    const one = open(CHALLENGES_NAMESPACE, { token });
    const two = open(CHALLENGES_NAMESPACE, { token }, {}, second.url);
    await Promise.all([one.nextEvent('challenge.snapshot'), two.nextEvent('challenge.snapshot')]);
    expect(second.openSockets()).toBe(2); // the operator's and this one

    // Both are listening before anything below happens: from the failover on, both must see the same updates.
    const advanced = await stack.request('POST', `/v1/challenges/${id}/advance`, undefined, { authorization: `Bearer ${token}` });
    expect(advanced.status).toBe(200);
    const code = await latestCode(backup);
    const checked = await stack.request('POST', `/v1/challenges/${id}/check`, { code }, { authorization: `Bearer ${token}` });
    expect(checked.body).toMatchObject({ status: 'approved' });

    const [fromOne, fromTwo] = await Promise.all([one.updateWithStatus('approved'), two.updateWithStatus('approved')]);
    expect(fromTwo).toEqual(fromOne);
    const sinceFailover = (c: LiveClient) => {
      const updates = c.updates;
      return updates.slice(updates.findIndex((u) => u.type === 'step.failover'));
    };
    const seenByOne = sinceFailover(one);
    // (`attempt.sent` / `attempt.delivered` may lose the race against the code check: the text is in the inbox
    // before the worker records it as sent.)
    const types = seenByOne.map((u) => u.type);
    expect(types.slice(0, 2)).toEqual(['step.failover', 'attempt.queued']);
    expect(types.at(-1)).toBe('challenge.approved');
    expectContiguous(seenByOne);
    expect(sinceFailover(two)).toEqual(seenByOne);

    // Each gateway relays the challenge-events channel to its own operators only: each operator got every update of
    // the sign-in once, not once per gateway. A later update heard by both comes after any copy of those.
    const later = await savePhones('two-gateways-later', { primary: { number: freshNumber(), method: 'sms' } });
    for (const operator of [ops, opsTwo]) {
      await operator.next('a later update', (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).challenge.id === later.challengeId);
      const seqs = operator.updates.filter((u) => u.challenge.id === id).map((u) => u.seq);
      expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: fromOne.seq }, (_, k) => k + 1));
    }
  });
});

/** The client's own websocket (the `ws` package's), to send frames socket.io-client never would. */
interface RawWebSocket {
  send(frame: string): void;
  once(event: 'close', listener: (code: number) => void): void;
}
function rawSocket(client: LiveClient): RawWebSocket {
  return (client.socket.io.engine as unknown as { transport: { ws: RawWebSocket } }).transport.ws;
}

/** Updates after the snapshot: seq rising by 1, the last one approving. */
function expectApprovedInOrder(client: LiveClient): void {
  expect(client.serverEvents[0].event).toBe('challenge.snapshot');
  const updates = client.updates;
  expect(updates.map((u) => u.seq)).toEqual(updates.map((_, k) => client.snapshots[0].seq + 1 + k));
  expect(updates.at(-1)?.challenge.status).toBe('approved');
}

describe('faults from clients and Redis', () => {
  it('garbage, a client-sent `error` event and an oversized frame close that connection only (or nothing): the gateway keeps serving', async () => {
    const phone = freshNumber();
    await behave(phone, { voice: 'interactive' });
    const { token } = await savePhones('garbage-user', { primary: { number: phone, method: 'call' } });
    const open4 = () => Promise.all([0, 1, 2, 3].map(async () => {
      const c = open(CHALLENGES_NAMESPACE, { token });
      await c.nextEvent('challenge.snapshot');
      return c;
    }));
    const [erroring, malformed, oversized, unparsable] = await open4();
    const root = open('/', undefined);
    await root.nextEvent('connect');

    // An event the client named `error` is handed to the socket's error handler; the connection stays.
    rawSocket(erroring).send(`42${CHALLENGES_NAMESPACE},["error","${phone} boom"]`);
    // A socket.io packet whose JSON does not parse, on a namespace and on the main one: that connection is closed.
    rawSocket(malformed).send(`42${CHALLENGES_NAMESPACE},["challenge.x",{oops`);
    rawSocket(root).send('42["x",{oops');
    // An engine.io packet of no known type, and a frame over maxHttpBufferSize (16 KiB): closed too.
    rawSocket(unparsable).send('garbage');
    const tooBig = new Promise<number>((resolve) => rawSocket(oversized).once('close', (code: number) => resolve(code)));
    rawSocket(oversized).send(`42${CHALLENGES_NAMESPACE},["x","${'x'.repeat(20 * 1024)}"]`);
    expect(await tooBig).toBe(1009); // the websocket's "message too big"
    for (const c of [malformed, root, unparsable, oversized]) expect((await c.nextEvent('disconnect')).payload).toMatch(/^transport (close|error)$/);

    // Still serving: a new client gets its snapshot, and it and the `error` sender both get every update.
    const newcomer = open(CHALLENGES_NAMESPACE, { token });
    await newcomer.nextEvent('challenge.snapshot');
    await press(phone, '#');
    await Promise.all([newcomer.updateWithStatus('approved'), erroring.updateWithStatus('approved')]);
    expectApprovedInOrder(newcomer);
    expectApprovedInOrder(erroring);
    expect(erroring.received.filter((r) => r.event === 'disconnect')).toEqual([]);
  });

  it('its challenge-events connection killed (CLIENT KILL): it subscribes again, and every socket, old or new, gets every update in order', async () => {
    const phone = freshNumber();
    await behave(phone, { voice: 'interactive' });
    const { token } = await savePhones('client-kill-user', { primary: { number: phone, method: 'call' } });
    const before = open(CHALLENGES_NAMESPACE, { token });
    await before.nextEvent('challenge.snapshot');

    const redis = createRedis(stack.config.redisUrl, 'producer');
    try {
      await waitReady(redis);
      const name = challengeEventsConnectionName(stack.config.queuePrefix);
      const connectionId = async () => {
        const list = (await redis.client('LIST')) as string;
        return list.split('\n').find((line) => line.includes(` name=${name} `))?.match(/^id=(\d+)/)?.[1];
      };
      const killed = await connectionId();
      expect(killed).toEqual(expect.any(String));
      expect(await redis.client('KILL', 'ID', killed as string)).toBe(1);

      const after = open(CHALLENGES_NAMESPACE, { token });
      await after.nextEvent('challenge.snapshot');
      await press(phone, '#');
      await Promise.all([before.updateWithStatus('approved'), after.updateWithStatus('approved')]);
      expectApprovedInOrder(before);
      expectApprovedInOrder(after);
      // The gateway is subscribed again on a new connection.
      const replaced = await eventually('the gateway to reconnect its subscriber', async () => {
        const id = await connectionId();
        return id !== undefined && id !== killed ? id : undefined;
      });
      expect(replaced).not.toBe(killed);
    } finally {
      redis.disconnect();
    }
  });
});

describe('/ops feed', () => {
  it('sends queue stats every second, updates of every user`s challenges, and alerts — never a raw number', async () => {
    const from = ops.mark();
    await ops.nextEvent('queues.stats', from);
    const stats = ops.stats.at(-1) as any;
    for (const queue of ['calls', 'texts', 'timers']) {
      for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'paused']) {
        expect(stats.queues[queue][state]).toEqual(expect.any(Number));
      }
    }
    expect(stats.queues.calls.completed + stats.queues.texts.completed).toBeGreaterThan(0);
    expect(stats.rates).toEqual(expect.objectContaining({ sent: expect.any(Number), delivered: expect.any(Number) }));
    expect(new Date(stats.at).toISOString()).toBe(stats.at);

    const alert: OpsAlert = { id: randomUUID(), kind: 'queue_depth', key: 'calls', severity: 'warning', message: 'calls queue is deep', raisedAt: new Date().toISOString() };
    // Published the way api and worker publish (socket.io emitter on the stack's key), from another connection.
    const redis = createRedis(stack.config.redisUrl, 'producer');
    try {
      await waitReady(redis);
      new Emitter(redis, { key: socketIoKey(stack.config.queuePrefix) }).of(OPS_NAMESPACE).emit('alert.raised', alert);
      expect((await ops.nextEvent('alert.raised', from)).payload).toEqual(alert);
    } finally {
      redis.disconnect();
    }

    const users = new Set(ops.updates.map((u) => u.challenge.userId));
    expect([...users]).toEqual(expect.arrayContaining(['live-user', 'reconnect-user', 'two-gateways-user']));
    // Phones are masked everywhere: in the operator's feed and in every challenge socket's snapshots and updates.
    const everything = JSON.stringify(clients.map((c) => c.received));
    expect(rawNumbers.length).toBeGreaterThan(0);
    for (const e164 of rawNumbers) {
      expect(everything).not.toContain(e164);
      expect(everything).not.toContain(e164.slice(2));
    }
  });

  it('reports its open sockets for /metrics', async () => {
    const metric = await eventually('the gateways to report their sockets', async () => {
      const res = await fetch(`${stack.apiUrl}/metrics`);
      const line = (await res.text()).split('\n').find((l) => l.startsWith('redial_gateway_open_sockets'));
      return line && Number(line.split(' ').at(-1)) >= 1 ? line : undefined;
    }, 15000, 200);
    expect(metric).toMatch(/^redial_gateway_open_sockets \d+/);
  });
});

describe('publishing', () => {
  it('api and worker publish each update once, as JSON on the challenge-events channel, and the operator gets each once', async () => {
    const channel = challengeEventsChannel(stack.config.queuePrefix);
    // Everything published on this Redis while the test runs, on any channel (the socket.io adapter's too).
    const heard: Array<{ channel: string; message: Buffer }> = [];
    const about = (id: string) => heard.filter((h) => h.message.includes(id));
    const waiters = new Map<string, () => void>();
    const hearAbout = (id: string) => new Promise<void>((resolve) => waiters.set(id, resolve));
    const tap = createRedis(stack.config.redisUrl, 'subscriber');
    tap.on('pmessageBuffer', (_pattern: Buffer, from: Buffer, message: Buffer) => {
      heard.push({ channel: from.toString(), message });
      for (const [id, resolve] of waiters) if (message.includes(id)) resolve();
    });
    try {
      await waitReady(tap);
      await tap.psubscribe('*');

      // A text, its status callbacks (the api), its `sent` (the worker), then the code.
      const phone = freshNumber();
      const { challengeId, token } = await savePhones('publish-once-user', { primary: { number: phone, method: 'sms' } });
      await ops.next('the text delivered', (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).challenge.id === challengeId && (r.payload as ChallengeUpdated).type === 'attempt.delivered');
      const checked = await stack.request('POST', `/v1/challenges/${challengeId}/check`, { code: await latestCode(phone) }, { authorization: `Bearer ${token}` });
      expect(checked.body).toMatchObject({ status: 'approved' });
      const approved = (await opsFinal(challengeId, 'approved')) as { payload: ChallengeUpdated };

      // A marker through the api's publisher and one through the worker's, after the approval: each publisher's
      // messages arrive in the order it sent them, so once both are heard, so is everything about the challenge.
      const markers = [stack.api.get(EventPublisher), stack.worker!.get(EventPublisher)].map((publisher) => {
        const marker = { ...approved.payload, challenge: { ...approved.payload.challenge, id: randomUUID(), userId: 'publish-marker' } };
        const heardIt = hearAbout(marker.challenge.id);
        publisher.challengeUpdated(marker);
        return { id: marker.challenge.id, heardIt };
      });
      await Promise.all(markers.map((m) => m.heardIt));
      for (const m of markers) expect(about(m.id).map((h) => h.channel)).toEqual([channel]);

      // One message per update, all on the challenge-events channel, as JSON: none through the socket.io emitter.
      const messages = about(challengeId);
      expect(new Set(messages.map((h) => h.channel))).toEqual(new Set([channel]));
      const published = messages.map((h) => JSON.parse(h.message.toString()) as ChallengeUpdated);
      const seqs = published.map((u) => u.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: approved.payload.seq }, (_, k) => k + 1));
      expect(published.map((u) => u.type)).toEqual(expect.arrayContaining(['challenge.created', 'attempt.queued', 'attempt.sent', 'attempt.delivered', 'challenge.approved']));

      // The operator (connected before the challenge existed) got each of them once, as published.
      await Promise.all(markers.map((m) => ops.next('a marker', (r) => r.event === 'challenge.updated' && (r.payload as ChallengeUpdated).challenge.id === m.id)));
      const relayed = opsUpdatesOf(challengeId);
      expect([...relayed].sort((a, b) => a.seq - b.seq)).toEqual([...published].sort((a, b) => a.seq - b.seq));
    } finally {
      tap.disconnect();
    }
  });
});
