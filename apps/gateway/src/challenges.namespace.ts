import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { CHALLENGES_NAMESPACE, ChallengesServerToClient, ChallengeUpdated } from '@redial/contracts';
import { ChallengeEventsRepository, ChallengeRepository } from '@redial/database';
import { verifyChallengeToken } from '@redial/domain';
import { toChallengeView } from '@redial/engine';
import { ChallengeEventsSubscriber } from './challenge-events.subscriber';
import { ChallengeReader, ChallengeSocketRelay } from './challenge-socket.relay';
import { handshakeToken, unauthorized } from './handshake-auth';

type NoEvents = Record<string, never>;
export interface ChallengeSocketData {
  challengeId: string;
}
export type ChallengesNsp = Namespace<NoEvents, ChallengesServerToClient, NoEvents, ChallengeSocketData>;
export type ChallengeSocket = Socket<NoEvents, ChallengesServerToClient, NoEvents, ChallengeSocketData>;

/**
 * `/challenges`: one challenge per socket, opened by its token. Authenticate at handshake, send a snapshot from
 * PostgreSQL, then relay the challenge's updates from the challenge-events channel, each socket's in `seq` order
 * (ChallengeSocketRelay). Updates come from api and worker processes, which may publish one challenge's updates
 * out of order; each socket's relay puts them in order and reads what is missing from PostgreSQL.
 */
@WebSocketGateway({ namespace: CHALLENGES_NAMESPACE })
export class ChallengesNamespace implements OnGatewayInit<ChallengesNsp>, OnGatewayConnection<ChallengeSocket> {
  private readonly logger = new Logger('ChallengesNamespace');
  /** This process's sockets, by challenge. */
  private readonly relays = new Map<string, Set<ChallengeSocketRelay>>();
  private open = 0;
  private readonly reader: ChallengeReader = {
    view: async (id) => {
      const record = await this.challenges.find(id);
      return record && toChallengeView(record, this.config.maxWrongCodes);
    },
    events: async (id, from, to) =>
      (await this.events.between(id, from, to)).map((e) => ({ seq: e.seq, type: e.type, at: e.createdAt.toISOString() })),
  };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly challenges: ChallengeRepository,
    private readonly events: ChallengeEventsRepository,
    subscriber: ChallengeEventsSubscriber,
  ) {
    subscriber.listen({
      update: (update) => this.relay(update),
      resubscribed: () => this.relays.forEach((relays) => relays.forEach((relay) => relay.resync())),
    });
  }

  /** Sockets connected to this process's `/challenges`. */
  get openSockets(): number {
    return this.open;
  }

  /** Authentication at handshake: a refused socket gets `connect_error` and never reaches handleConnection. */
  afterInit(nsp: ChallengesNsp): void {
    nsp.use((socket, next) => {
      this.authenticate(socket).then(next, (err: unknown) => {
        this.logger.warn(`handshake check failed: ${(err as Error).message}`);
        next(new Error('unavailable'));
      });
    });
  }

  handleConnection(socket: ChallengeSocket): void {
    void this.onConnection(socket);
  }

  /** A valid, unexpired token for a challenge that exists; anything else is `unauthorized`. */
  private async authenticate(socket: ChallengeSocket): Promise<Error | undefined> {
    const token = handshakeToken(socket.handshake);
    const claims = token === undefined ? null : verifyChallengeToken(token, this.config.keys.challengeTokens, new Date());
    if (claims === null) return unauthorized();
    // Existence only (one indexed row): the snapshot, read once the socket listens, is the full record.
    if ((await this.challenges.userIdOf(claims.challengeId)) === undefined) return unauthorized();
    socket.data.challengeId = claims.challengeId;
    return undefined;
  }

  private async onConnection(socket: ChallengeSocket): Promise<void> {
    const { challengeId } = socket.data;
    this.open++;
    this.logger.debug(`connected to challenge ${challengeId} (${this.open} open)`);
    // Listen first, read second: an update committed after the read started is held for the socket, so none is lost.
    const relay = new ChallengeSocketRelay(socket, challengeId, this.reader, this.logger);
    const relays = this.relays.get(challengeId) ?? new Set();
    this.relays.set(challengeId, relays.add(relay));
    socket.once('disconnect', (reason) => {
      this.open--;
      relays.delete(relay);
      if (relays.size === 0) this.relays.delete(challengeId);
      this.logger.debug(`disconnected from challenge ${challengeId}: ${reason} (${this.open} open)`);
    });
    try {
      const view = await this.reader.view(challengeId);
      if (!socket.connected) return;
      if (view === undefined) {
        socket.disconnect(); // the challenge disappeared after the handshake
        return;
      }
      relay.snapshot(view);
    } catch (err) {
      relay.fail(`its snapshot could not be read: ${(err as Error).message}`);
    }
  }

  private relay(update: ChallengeUpdated): void {
    this.relays.get(update.challenge.id)?.forEach((relay) => relay.update(update));
  }
}
