import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { CHALLENGES_NAMESPACE, challengeRoom, ChallengesServerToClient, ChallengeUpdated, ChallengeView } from '@redial/contracts';
import { ChallengeRepository } from '@redial/database';
import { verifyChallengeToken } from '@redial/domain';
import { toChallengeView } from '@redial/engine';
import { handshakeToken, unauthorized } from './handshake-auth';

type NoEvents = Record<string, never>;
export interface ChallengeSocketData {
  challengeId: string;
}
export type ChallengesNsp = Namespace<NoEvents, ChallengesServerToClient, NoEvents, ChallengeSocketData>;
export type ChallengeSocket = Socket<NoEvents, ChallengesServerToClient, NoEvents, ChallengeSocketData>;

/** Reads of a snapshot that may be repeated when an update overtook the first read (see `snapshotAfterJoin`). */
const SNAPSHOT_READS = 3;

/**
 * `/challenges`: one challenge per socket, opened by its token. Authenticate at handshake, join the challenge's
 * room, send a snapshot from PostgreSQL; the Redis adapter relays `challenge.updated` from api and worker.
 */
@WebSocketGateway({ namespace: CHALLENGES_NAMESPACE })
export class ChallengesNamespace implements OnGatewayInit<ChallengesNsp>, OnGatewayConnection<ChallengeSocket> {
  private readonly logger = new Logger('ChallengesNamespace');
  private open = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly challenges: ChallengeRepository,
  ) {}

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
    if (!(await this.challenges.find(claims.challengeId))) return unauthorized();
    socket.data.challengeId = claims.challengeId;
    return undefined;
  }

  private async onConnection(socket: ChallengeSocket): Promise<void> {
    const { challengeId } = socket.data;
    this.open++;
    this.logger.debug(`connected to challenge ${challengeId} (${this.open} open)`);
    socket.once('disconnect', (reason) => {
      this.open--;
      this.logger.debug(`disconnected from challenge ${challengeId}: ${reason} (${this.open} open)`);
    });
    // Join first, read second: an update committed after the read started reaches the room, so none is lost.
    void socket.join(challengeRoom(challengeId));
    try {
      const view = await this.snapshotAfterJoin(socket, challengeId);
      if (!socket.connected) return;
      if (view === undefined) {
        socket.disconnect(); // the challenge disappeared after the handshake
        return;
      }
      socket.emit('challenge.snapshot', view);
    } catch (err) {
      this.logger.warn(`snapshot of challenge ${challengeId} failed: ${(err as Error).message}`);
      // Closing the transport (not just this namespace) lets the client reconnect and try again.
      socket.disconnect(true);
    }
  }

  /**
   * The challenge as PostgreSQL has it now. An update relayed to the socket while the read was in flight may be
   * newer than what the read saw; the snapshot, sent after it, would then take the client back in time. Such a
   * read is repeated: the update was committed before it was published, so the next read includes it.
   */
  private async snapshotAfterJoin(socket: ChallengeSocket, challengeId: string): Promise<ChallengeView | undefined> {
    let relayedSeq = 0;
    const watch = (event: string, update?: ChallengeUpdated): void => {
      if (event === 'challenge.updated' && update !== undefined && update.seq > relayedSeq) relayedSeq = update.seq;
    };
    socket.onAnyOutgoing(watch);
    try {
      let view: ChallengeView | undefined;
      for (let read = 0; read < SNAPSHOT_READS; read++) {
        const record = await this.challenges.find(challengeId);
        if (record === undefined) return undefined;
        view = toChallengeView(record, this.config.maxWrongCodes);
        if (record.lastSeq >= relayedSeq) break;
      }
      return view;
    } finally {
      socket.offAnyOutgoing(watch);
    }
  }
}
