import { Logger } from '@nestjs/common';
import type { AppConfig } from '@redial/config';
import type { OpsStats } from '@redial/contracts';
import type { OpsStatsService } from '@redial/ops';
import { OpsNamespace, OpsNsp, OpsSocket } from './ops.namespace';

beforeAll(() => Logger.overrideLogger(false));
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

class FakeSocket {
  emitted: string[] = [];
  private onDisconnect: () => void = () => undefined;
  constructor(readonly handshake: { auth: Record<string, unknown>; query: Record<string, unknown> }) {}
  emit(event: string) {
    this.emitted.push(event);
  }
  once(_event: string, fn: () => void) {
    this.onDisconnect = fn;
  }
  disconnect() {
    this.onDisconnect();
  }
}

function setUp() {
  let n = 0;
  const stats = { snapshot: jest.fn(async () => ({ at: String(++n) }) as unknown as OpsStats) } as unknown as OpsStatsService & { snapshot: jest.Mock };
  const ns = new OpsNamespace({ operatorToken: 'operator-token-0123' } as AppConfig, stats);
  const local: string[] = [];
  let middleware: (s: FakeSocket, next: (err?: Error) => void) => void = () => undefined;
  ns.afterInit({
    use: (fn: typeof middleware) => (middleware = fn),
    local: { emit: (event: string) => local.push(event) },
  } as unknown as OpsNsp);
  const onConnection = (s: FakeSocket) => ns.handleConnection(s as unknown as OpsSocket);
  const handshake = (auth: Record<string, unknown>) => new Promise<Error | undefined>((resolve) => middleware(new FakeSocket({ auth, query: {} }), resolve));
  const connect = () => {
    const socket = new FakeSocket({ auth: {}, query: {} });
    onConnection(socket);
    return socket;
  };
  return { ns, stats, local, handshake, connect };
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
  expect(second.emitted).toEqual(['queues.stats']); // the newest figures at once, not a second later
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
