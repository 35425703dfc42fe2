import { Logger } from '@nestjs/common';
import type { AppConfig } from '@redial/config';
import type { ChallengeUpdated, OpsStats } from '@redial/contracts';
import type { ChallengeRecord, ChallengeRepository } from '@redial/database';
import type { OpsRepository, OpsStatsService } from '@redial/ops';
import { strictFake } from '../../../test/support/strict-fake';
import type { ChallengeEventsListener, ChallengeEventsSubscriber } from './challenge-events.subscriber';
import { OpsNamespace, OpsNsp, OpsSocket } from './ops.namespace';

beforeAll(() => Logger.overrideLogger(false));
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

class FakeSocket {
  emitted: string[] = [];
  payloads: unknown[] = [];
  connected = true;
  private onDisconnect: () => void = () => undefined;
  constructor(readonly handshake: { auth: Record<string, unknown>; query: Record<string, unknown> }) {}
  emit(event: string, payload: unknown) {
    this.emitted.push(event);
    this.payloads.push(payload);
  }
  once(_event: string, fn: () => void) {
    this.onDisconnect = fn;
  }
  disconnect() {
    this.connected = false;
    this.onDisconnect();
  }
}

type Event = { challengeId: string; seq: number; type: string; createdAt: Date };

/** A stored challenge with one step to a masked phone (what the backfill reads). */
const record = (id: string, lastSeq: number): ChallengeRecord =>
  ({
    id,
    userId: `user-${id}`,
    purpose: 'sign_in',
    status: 'pending',
    currentStep: 0,
    wrongCodes: 0,
    lastSeq,
    expiresAt: new Date(0),
    createdAt: new Date(0),
    approvedAt: null,
    steps: [{ index: 0, role: 'primary', masked: '+1 ••• ••• ••01', method: 'sms', status: 'active', reason: null, label: null }],
    attempts: [],
  }) as unknown as ChallengeRecord;

function setUp(events: Event[] = [], stored: ChallengeRecord[] = []) {
  let n = 0;
  const stats = { snapshot: jest.fn(async () => ({ at: String(++n) }) as unknown as OpsStats) } as unknown as OpsStatsService & { snapshot: jest.Mock };
  const repo = strictFake<OpsRepository>('repo', { latestEvents: async (limit: number) => events.slice(0, limit) });
  const challenges = strictFake<ChallengeRepository>('challenges', { find: async (id: string) => stored.find((r) => r.id === id) });
  const listeners: ChallengeEventsListener[] = [];
  const subscriber = strictFake<ChallengeEventsSubscriber>('subscriber', { listen: (l: ChallengeEventsListener) => void listeners.push(l) });
  const ns = new OpsNamespace({ operatorToken: 'operator-token-0123', maxWrongCodes: 5 } as AppConfig, stats, repo, challenges, subscriber);
  /** What went to this process's sockets (`nsp.local.emit`): event names, and each with its payload. */
  const local: string[] = [];
  const localEmits: Array<[string, unknown]> = [];
  let middleware: (s: FakeSocket, next: (err?: Error) => void) => void = () => undefined;
  ns.afterInit({
    use: (fn: typeof middleware) => (middleware = fn),
    local: { emit: (event: string, payload: unknown) => (local.push(event), localEmits.push([event, payload])) },
  } as unknown as OpsNsp);
  const onConnection = (s: FakeSocket) => ns.handleConnection(s as unknown as OpsSocket);
  const handshake = (auth: Record<string, unknown>) => new Promise<Error | undefined>((resolve) => middleware(new FakeSocket({ auth, query: {} }), resolve));
  const connect = () => {
    const socket = new FakeSocket({ auth: {}, query: {} });
    onConnection(socket);
    return socket;
  };
  return { ns, stats, local, localEmits, listeners, handshake, connect };
}

it('admits the operator token only', async () => {
  const { handshake } = setUp();
  expect(await handshake({ token: 'operator-token-0123' })).toBeUndefined();
  expect((await handshake({ token: 'operator-token-012' }))?.message).toBe('unauthorized');
  expect((await handshake({}))?.message).toBe('unauthorized');
});

it('computes stats once a second while an operator is connected, locally only, and stops with the last one', async () => {
  const { ns, stats, local, connect } = setUp();
  await jest.advanceTimersByTimeAsync(5000);
  expect(stats.snapshot).not.toHaveBeenCalled();

  const first = connect();
  await jest.advanceTimersByTimeAsync(0);
  expect(local).toEqual(['queues.stats']);
  const second = connect();
  expect(second.emitted[0]).toBe('queues.stats'); // the newest figures at once, not a second later
  await jest.advanceTimersByTimeAsync(2000);
  expect(local).toHaveLength(3);
  expect(ns.openSockets).toBe(2);

  first.disconnect();
  await jest.advanceTimersByTimeAsync(1000);
  expect(local).toHaveLength(4);
  second.disconnect();
  expect(ns.openSockets).toBe(0);
  const calls = stats.snapshot.mock.calls.length;
  await jest.advanceTimersByTimeAsync(5000);
  expect(stats.snapshot.mock.calls.length).toBe(calls);
  expect(local).toHaveLength(4);
});

it('backfills a newcomer with the last events, newest last, each with its challenge as it is now (masked)', async () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
  // Newest first, as the repository answers; `gone` was deleted since.
  const events: Event[] = [
    { challengeId: 'b', seq: 2, type: 'attempt.sent', createdAt: at(4) },
    { challengeId: 'a', seq: 3, type: 'attempt.delivered', createdAt: at(3) },
    { challengeId: 'gone', seq: 1, type: 'challenge.created', createdAt: at(2) },
    { challengeId: 'a', seq: 2, type: 'attempt.sent', createdAt: at(1) },
  ];
  const { connect } = setUp(events, [record('a', 3), record('b', 2)]);
  const socket = connect();
  await jest.advanceTimersByTimeAsync(0);
  const updates = socket.payloads.filter((_, i) => socket.emitted[i] === 'challenge.updated') as Array<{ seq: number; type: string; at: string; challenge: { id: string; steps: Array<{ phone: string }> } }>;
  expect(updates.map((u) => [u.challenge.id, u.seq, u.type, u.at])).toEqual([
    ['a', 2, 'attempt.sent', at(1).toISOString()],
    ['a', 3, 'attempt.delivered', at(3).toISOString()],
    ['b', 2, 'attempt.sent', at(4).toISOString()],
  ]);
  expect(updates[0].challenge.steps[0].phone).toBe('+1 ••• ••• ••01');
  socket.disconnect();
});

it('relays each update of the challenge-events channel to this process\'s sockets once, only while one is open, and replays nothing after a lost subscription', async () => {
  const { localEmits, listeners, connect } = setUp();
  expect(listeners).toHaveLength(1);
  const [channel] = listeners;
  const update = (seq: number) => ({ seq, type: 'attempt.sent', at: `at ${seq}`, challenge: { id: 'a', seq } }) as unknown as ChallengeUpdated;
  const relayed = () => localEmits.filter(([event]) => event === 'challenge.updated').map(([, payload]) => payload);

  channel.update(update(1)); // no operator here: nothing to encode
  const socket = connect();
  await jest.advanceTimersByTimeAsync(0);
  channel.update(update(2));
  channel.update(update(3));
  expect(relayed()).toEqual([update(2), update(3)]);
  expect(socket.emitted.filter((e) => e === 'challenge.updated')).toEqual([]); // the backfill found nothing

  channel.resubscribed();
  await jest.advanceTimersByTimeAsync(0);
  expect(relayed()).toHaveLength(2);
  expect(socket.emitted.filter((e) => e === 'challenge.updated')).toEqual([]);

  socket.disconnect();
  channel.update(update(4));
  expect(relayed()).toHaveLength(2);
});
