import { Logger } from '@nestjs/common';
import { type AppConfig, deriveKeys } from '@redial/config';
import type { ChallengeUpdated } from '@redial/contracts';
import type { ChallengeRecord, ChallengeRepository } from '@redial/database';
import { signChallengeToken } from '@redial/domain';
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
  rooms: string[] = [];
  emitted: Array<[string, unknown]> = [];
  disconnects: boolean[] = [];
  private outgoing: Array<(event: string, payload: unknown) => void> = [];
  constructor(readonly handshake: { auth: Record<string, unknown>; query: Record<string, unknown> }) {}
  join(room: string) {
    this.rooms.push(room);
  }
  emit(event: string, payload: unknown) {
    this.emitted.push([event, payload]);
  }
  once() {
    return this;
  }
  onAnyOutgoing(fn: (event: string, payload: unknown) => void) {
    this.outgoing.push(fn);
  }
  offAnyOutgoing(fn: (event: string, payload: unknown) => void) {
    this.outgoing = this.outgoing.filter((f) => f !== fn);
  }
  /** What the Redis adapter does when an update for the room arrives. */
  relay(update: Pick<ChallengeUpdated, 'seq'>) {
    this.emitted.push(['challenge.updated', update]);
    for (const fn of this.outgoing) fn('challenge.updated', update);
  }
  disconnect(close = false) {
    this.disconnects.push(close);
    this.connected = false;
  }
}

/** Initialises the gateway on a fake nsp (as Nest does) and returns its middleware and connection handler. */
function setUp(find: (id: string) => Promise<ChallengeRecord | undefined>) {
  const repo = { find: jest.fn(find) } as unknown as ChallengeRepository & { find: jest.Mock };
  const ns = new ChallengesNamespace(config, repo);
  let middleware: (s: FakeSocket, next: (err?: Error) => void) => void = () => undefined;
  ns.afterInit({ use: (fn: typeof middleware) => (middleware = fn) } as unknown as ChallengesNsp);
  const onConnection = (s: FakeSocket) => ns.handleConnection(s as unknown as ChallengeSocket);
  const handshake = (socket: FakeSocket) => new Promise<Error | undefined>((resolve) => middleware(socket, resolve));
  const connect = async (socket: FakeSocket) => {
    onConnection(socket);
    for (let i = 0; i < 20; i++) await Promise.resolve();
  };
  return { ns, repo, handshake, connect };
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
  const connected = () => {
    const socket = socketWith();
    socket.data.challengeId = ID;
    return socket;
  };

  it('joins the room before reading, then sends the snapshot', async () => {
    const socket = connected();
    const { connect, ns } = setUp(async () => {
      expect(socket.rooms).toEqual([`challenge-${ID}`]);
      return record(3);
    });
    await connect(socket);
    expect(socket.emitted).toEqual([['challenge.snapshot', expect.objectContaining({ id: ID, status: 'pending' })]]);
    expect(ns.openSockets).toBe(1);
  });

  it('reads again when an update newer than the read overtook it, so the snapshot never goes back in time', async () => {
    const socket = connected();
    const reads = [record(4), record(5, 'approved')];
    const { connect, repo } = setUp(async () => {
      if (repo.find.mock.calls.length === 1) socket.relay({ seq: 5 });
      return reads.shift();
    });
    await connect(socket);
    expect(repo.find).toHaveBeenCalledTimes(2);
    expect(socket.emitted.map(([e]) => e)).toEqual(['challenge.updated', 'challenge.snapshot']);
    expect(socket.emitted[1][1]).toMatchObject({ status: 'approved' });
  });

  it('reads once when the relayed update is already in the read', async () => {
    const socket = connected();
    const { connect, repo } = setUp(async () => {
      socket.relay({ seq: 4 });
      return record(4);
    });
    await connect(socket);
    expect(repo.find).toHaveBeenCalledTimes(1);
  });

  it('closes the connection when the snapshot cannot be read, so the client reconnects', async () => {
    const socket = connected();
    const { connect } = setUp(async () => {
      throw new Error('timeout');
    });
    await connect(socket);
    expect(socket.emitted).toEqual([]);
    expect(socket.disconnects).toEqual([true]);
  });
});
