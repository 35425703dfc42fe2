import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ChallengeUpdated, ChallengeView, OpsAlert, OpsStats } from '@redial/contracts';

/** socket.io clients for the gateway suites: every event is recorded, and tests wait on events, never on time. */

export interface Received {
  event: string;
  payload: unknown;
}

const WAIT_LIMIT_MS = 20000;

/** One socket.io client and everything it received, in order (connects, disconnects and errors included). */
export class LiveClient {
  readonly received: Received[] = [];
  private waiters: Array<{ predicate: (r: Received) => boolean; resolve: (r: Received) => void }> = [];

  constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown) => this.record(event, payload));
    socket.on('connect', () => this.record('connect', undefined));
    socket.on('disconnect', (reason) => this.record('disconnect', reason));
    socket.on('connect_error', (err) => this.record('connect_error', err.message));
  }

  /** Events the server sent (not the client's own connect, disconnect and connect_error). */
  get serverEvents(): Received[] {
    return this.received.filter((r) => !['connect', 'disconnect', 'connect_error'].includes(r.event));
  }

  get snapshots(): ChallengeView[] {
    return this.received.filter((r) => r.event === 'challenge.snapshot').map((r) => r.payload as ChallengeView);
  }

  get updates(): ChallengeUpdated[] {
    return this.received.filter((r) => r.event === 'challenge.updated').map((r) => r.payload as ChallengeUpdated);
  }

  get stats(): OpsStats[] {
    return this.received.filter((r) => r.event === 'queues.stats').map((r) => r.payload as OpsStats);
  }

  get alerts(): Array<{ event: string; alert: OpsAlert }> {
    return this.received.filter((r) => r.event.startsWith('alert.')).map((r) => ({ event: r.event, alert: r.payload as OpsAlert }));
  }

  /** The index the next received item will have: pass it as `from` to wait only for what comes after now. */
  mark(): number {
    return this.received.length;
  }

  /** Resolves with the first received item (already here or still to come) after index `from` that matches. */
  next(what: string, predicate: (r: Received) => boolean, from = 0): Promise<Received> {
    const found = this.received.slice(from).find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve: (r: Received) => (clearTimeout(timer), resolve(r)) };
      // A safety net with a clear message; no test relies on it for timing.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; received: ${this.received.map((r) => r.event).join(', ')}`));
      }, WAIT_LIMIT_MS);
      this.waiters.push(waiter);
    });
  }

  nextEvent(event: string, from = 0): Promise<Received> {
    return this.next(event, (r) => r.event === event, from);
  }

  /** The next `challenge.updated` (from index `from`) whose challenge has reached `status`. */
  async updateWithStatus(status: string, from = 0): Promise<ChallengeUpdated> {
    const r = await this.next(`an update with status ${status}`, (x) => x.event === 'challenge.updated' && (x.payload as ChallengeUpdated).challenge.status === status, from);
    return r.payload as ChallengeUpdated;
  }

  /** Resolves with the message of the connect_error, or rejects when the socket connects instead. */
  refusal(): Promise<string> {
    return this.next('connect or connect_error', (r) => r.event === 'connect' || r.event === 'connect_error').then((r) => {
      if (r.event === 'connect') throw new Error('expected the handshake to be refused, but the socket connected');
      return r.payload as string;
    });
  }

  close(): void {
    this.socket.disconnect();
  }

  private record(event: string, payload: unknown): void {
    const item = { event, payload };
    this.received.push(item);
    for (const w of [...this.waiters]) {
      if (w.predicate(item)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(item);
      }
    }
  }
}

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** Opens `<gatewayUrl><namespace>` with `auth`; websocket only and no automatic reconnection unless asked. */
export function connect(gatewayUrl: string, namespace: string, auth: Record<string, unknown> | undefined, options: ClientOptions = {}): LiveClient {
  const socket = io(`${gatewayUrl}${namespace}`, {
    forceNew: true,
    transports: ['websocket'],
    reconnection: false,
    ...(auth === undefined ? {} : { auth }),
    ...options,
  });
  return new LiveClient(socket);
}
