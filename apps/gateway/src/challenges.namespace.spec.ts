import { Logger } from '@nestjs/common';
import { type AppConfig, deriveKeys } from '@redial/config';
import type { ChallengeUpdated } from '@redial/contracts';
import type { ChallengeEventsRepository, ChallengeRecord, ChallengeRepository, EventHeader } from '@redial/database';
import { signChallengeToken } from '@redial/domain';
import type { ChallengeEventsListener, ChallengeEventsSubscriber } from './challenge-events.subscriber';
import { ChallengeSocket, ChallengesNamespace, ChallengesNsp } from './challenges.namespace';

const SECRET = 'unit-test-secret-0123456789';
const ID = '6f1c2a7e-1b1e-4a57-9a53-0d6f0c6f1a11';
const KEYS = deriveKeys(SECRET);
const config = { tokenSecret: SECRET, keys: KEYS, maxWrongCodes: 5 } as AppConfig;

function record(lastSeq: number, status = 'pending'): ChallengeRecord {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    id: ID, userId: 'u1', purpose: 'sign_in', settingsId: null, status, currentStep: 0,
    wrongCodes: 0, sends: 1, fraudReported: false, nextActionAt: null, nextAction: null, expiresAt: new Date('2026-01-01T00:10:00Z'),
    approvedAt: null, finishedAt: null, firstDeliveryAt: null, lastSeq, version: lastSeq, requestId: null, createdAt: at, updatedAt: at,
    steps: [], attempts: [],
  };
}

/** The parts of a socket.io socket the namespace uses, recording what it was asked to do. */
class FakeSocket {
  data: Record<string, string> = {};
  connected = true;
  emitted: Array<[string, unknown]> = [];
  disconnects = 0;
  /** The engine connection: closing it is what makes a client reconnect. */
  conn = { closed: 0, close: () => void this.conn.closed++ };
  private onDisconnect: () => void = () => undefined;
  constructor(readonly handshake: { auth: Record<string, unknown>; query: Record<string, unknown> }) {}
  emit(event: string, payload: unknown) {
    this.emitted.push([event, payload]);
  }
  once(_event: 'disconnect', fn: () => void) {
    this.onDisconnect = fn;
  }
  disconnect() {
    this.disconnects++;
    this.connected = false;
    this.onDisconnect();
  }
  /** `[event, seq]` of what it was sent. */
  get sent(): Array<[string, number]> {
    return this.emitted.map(([e, p]) => [e, (p as { seq: number }).seq]);
  }
}

const update = (seq: number, id = ID): ChallengeUpdated => ({ seq, type: 'attempt.sent', at: `at ${seq}`, challenge: { id, seq } }) as ChallengeUpdated;

/** Initialises the gateway on a fake nsp (as Nest does) and returns its middleware and connection handler. */
function setUp(find: (id: string) => Promise<ChallengeRecord | undefined>, between: (id: string, from: number, to: number) => Promise<EventHeader[]> = async () => []) {
  const repo = { find: jest.fn(find), userIdOf: jest.fn(async (id: string) => (await find(id))?.userId) } as unknown as ChallengeRepository & {
    find: jest.Mock;
    userIdOf: jest.Mock;
  };
  const events = { between: jest.fn(between) } as unknown as ChallengeEventsRepository & { between: jest.Mock };
  let listener: ChallengeEventsListener = { update: () => undefined, resubscribed: () => undefined };
  const subscriber = { listen: (l: ChallengeEventsListener) => (listener = l) } as unknown as ChallengeEventsSubscriber;
  const ns = new ChallengesNamespace(config, repo, events, subscriber);
  let middleware: (s: FakeSocket, next: (err?: Error) => void) => void = () => undefined;
  ns.afterInit({ use: (fn: typeof middleware) => (middleware = fn) } as unknown as ChallengesNsp);
  const onConnection = (s: FakeSocket) => ns.handleConnection(s as unknown as ChallengeSocket);
  const handshake = (socket: FakeSocket) => new Promise<Error | undefined>((resolve) => middleware(socket, resolve));
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  const connect = async (socket: FakeSocket) => {
    onConnection(socket);
    await settle();
  };
  return { ns, repo, events, handshake, connect, settle, publish: (u: ChallengeUpdated) => listener.update(u), resubscribed: () => listener.resubscribed() };
}

beforeAll(() => Logger.overrideLogger(false));

const tokenFor = (id: string, expiresAt = new Date(Date.now() + 60_000), secret: string | Buffer = KEYS.challengeTokens) => signChallengeToken({ challengeId: id, expiresAt }, secret);
const socketWith = (token?: string) => new FakeSocket({ auth: token === undefined ? {} : { token }, query: {} });

describe('ChallengesNamespace handshake', () => {
  it('lets a valid token for an existing challenge in, remembering which challenge', async () => {
    const { handshake } = setUp(async () => record(2));
    const socket = socketWith(tokenFor(ID));
    expect(await handshake(socket)).toBeUndefined();
    expect(socket.data.challengeId).toBe(ID);
  });

  it.each([
    ['no token', undefined],
    ['garbage', 'x.y'],
    ['expired', tokenFor(ID, new Date(Date.now() - 1000))],
    ['another secret', tokenFor(ID, undefined, 'some-other-secret-0123456789')],
  ])('refuses %s without reading the database', async (_name, token) => {
    const { handshake, repo } = setUp(async () => record(2));
    expect((await handshake(socketWith(token)))?.message).toBe('unauthorized');
    expect(repo.find).not.toHaveBeenCalled();
    expect(repo.userIdOf).not.toHaveBeenCalled();
  });

  it('refuses a valid token whose challenge does not exist', async () => {
    const { handshake } = setUp(async () => undefined);
    expect((await handshake(socketWith(tokenFor(ID))))?.message).toBe('unauthorized');
  });

  it('answers `unavailable` (not `unauthorized`) when the database fails', async () => {
    const { handshake } = setUp(async () => {
      throw new Error('connection refused');
    });
    expect((await handshake(socketWith(tokenFor(ID))))?.message).toBe('unavailable');
  });
});

describe('ChallengesNamespace connection', () => {
  const connected = (id = ID) => {
    const socket = socketWith();
    socket.data.challengeId = id;
    return socket;
  };

  it('listens before it reads: an update relayed during the read follows the snapshot, one the snapshot covers is dropped', async () => {
    const socket = connected();
    const { connect, ns, publish } = setUp(async () => {
      publish(update(4));
      publish(update(5));
      return record(4);
    });
    await connect(socket);
    expect(socket.sent).toEqual([['challenge.snapshot', 4], ['challenge.updated', 5]]);
    expect(socket.emitted[0][1]).toMatchObject({ id: ID, status: 'pending' });
    expect(ns.openSockets).toBe(1);
  });

  it('relays an update to the sockets of its challenge only, and to none once they are gone', async () => {
    const other = '0b7c5a8e-1234-4567-89ab-1234567890ab';
    const [one, two, elsewhere] = [connected(), connected(), connected(other)];
    const { connect, publish, ns } = setUp(async () => record(2));
    for (const s of [one, two, elsewhere]) await connect(s);
    publish(update(3));
    expect([one.sent, two.sent, elsewhere.sent]).toEqual([
      [['challenge.snapshot', 2], ['challenge.updated', 3]],
      [['challenge.snapshot', 2], ['challenge.updated', 3]],
      [['challenge.snapshot', 2]],
    ]);
    one.disconnect();
    publish(update(4));
    expect(one.sent).toHaveLength(2);
    expect(two.sent.at(-1)).toEqual(['challenge.updated', 4]);
    expect(ns.openSockets).toBe(2);
  });

  it('fills a gap from the events table, with the challenge the later update carries', async () => {
    const socket = connected();
    const { connect, publish, settle, events } = setUp(
      async () => record(3),
      async (_id, from) => [{ seq: from, type: 'attempt.sent', createdAt: new Date('2026-01-01T00:00:01Z') }],
    );
    await connect(socket);
    publish(update(5));
    await settle();
    expect(events.between).toHaveBeenCalledWith(ID, 4, 5);
    expect(socket.sent).toEqual([['challenge.snapshot', 3], ['challenge.updated', 4], ['challenge.updated', 5]]);
    expect(socket.emitted[1][1]).toEqual({ seq: 4, type: 'attempt.sent', at: '2026-01-01T00:00:01.000Z', challenge: update(5).challenge });
  });

  it('after the subscription was lost and is back, reads what each socket missed', async () => {
    const socket = connected();
    let lastSeq = 3;
    const { connect, settle, resubscribed, events } = setUp(
      async () => record(lastSeq),
      async (_id, from, to) => Array.from({ length: to - from }, (_, k) => ({ seq: from + k, type: 'attempt.sent' as const, createdAt: new Date() })),
    );
    await connect(socket);
    lastSeq = 5;
    resubscribed();
    await settle();
    expect(events.between).toHaveBeenCalledWith(ID, 4, 6);
    expect(socket.sent).toEqual([['challenge.snapshot', 3], ['challenge.updated', 4], ['challenge.updated', 5]]);
  });

  it('closes the transport, not the namespace, when the snapshot cannot be read, so the client reconnects', async () => {
    const socket = connected();
    const { connect } = setUp(async () => {
      throw new Error('timeout');
    });
    await connect(socket);
    expect(socket.emitted).toEqual([]);
    expect([socket.conn.closed, socket.disconnects]).toEqual([1, 0]);
  });

  it('closes the transport when a gap cannot be filled', async () => {
    const socket = connected();
    const { connect, publish, settle } = setUp(async () => record(3));
    await connect(socket);
    publish(update(6));
    await settle();
    expect(socket.sent).toEqual([['challenge.snapshot', 3]]);
    expect(socket.conn.closed).toBe(1);
  });
});
