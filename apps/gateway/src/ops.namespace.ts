import { Inject, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { ChallengeEventType, ChallengeUpdated, ChallengeView, OPS_NAMESPACE, OpsServerToClient, OpsStats } from '@redial/contracts';
import { ChallengeRepository } from '@redial/database';
import { toChallengeView } from '@redial/engine';
import { OpsRepository, OpsStatsService } from '@redial/ops';
import { ChallengeEventsSubscriber } from './challenge-events.subscriber';
import { handshakeToken, secretChecker, unauthorized } from './handshake-auth';
import { StatsTicker } from './stats.ticker';

type NoEvents = Record<string, never>;
export type OpsNsp = Namespace<NoEvents, OpsServerToClient>;
export type OpsSocket = Socket<NoEvents, OpsServerToClient>;

export const STATS_INTERVAL_MS = 1000;
/** Events a newly connected dashboard gets at once, so its live feed is not empty after a reload. */
export const FEED_BACKFILL = 50;

/**
 * `/ops`: operators' sockets, opened by OPERATOR_TOKEN. Every gateway hears every `challenge.updated` on the
 * challenge-events channel (ChallengeEventsSubscriber) and relays it to its own `/ops` sockets only (`local`), so
 * each operator gets each update once however many gateways run, and api and worker publish it once, for both
 * namespaces. Alerts, which are rare, arrive from api and worker through the Redis adapter (the socket.io emitter).
 * `queues.stats` is computed here, once a second, only while an operator is connected, and sent to this process's
 * sockets only too. Right after connecting, a socket gets the last FEED_BACKFILL events from PostgreSQL as
 * `challenge.updated`.
 *
 * The feed is live only, in the order updates arrive: after a lost subscription it reads nothing back (as the
 * adapter did not), since a replay would repeat what operators already have; an update published while it was
 * down is missed, and the challenge's next update, or the backfill after a reload, shows it as it is now.
 */
@WebSocketGateway({ namespace: OPS_NAMESPACE })
export class OpsNamespace implements OnGatewayInit<OpsNsp>, OnGatewayConnection<OpsSocket>, OnModuleDestroy {
  private readonly logger = new Logger('OpsNamespace');
  private readonly isOperatorToken: (given: string | undefined) => boolean;
  private readonly ticker: StatsTicker<OpsStats>;
  private nsp: OpsNsp | undefined;
  private open = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    stats: OpsStatsService,
    private readonly repo: OpsRepository,
    private readonly challenges: ChallengeRepository,
    subscriber: ChallengeEventsSubscriber,
  ) {
    this.isOperatorToken = secretChecker(config.operatorToken);
    subscriber.listen({ update: (update) => this.relay(update), resubscribed: () => undefined });
    this.ticker = new StatsTicker(
      () => stats.snapshot(),
      (s) => this.nsp?.local.emit('queues.stats', s),
      (err) => this.logger.warn(`queue stats failed: ${(err as Error).message}`),
      STATS_INTERVAL_MS,
    );
  }

  /** Sockets connected to this process's `/ops`. */
  get openSockets(): number {
    return this.open;
  }

  /** Authentication at handshake: a refused socket gets `connect_error` and never reaches handleConnection. */
  afterInit(nsp: OpsNsp): void {
    this.nsp = nsp;
    nsp.use((socket, next) => next(this.isOperatorToken(handshakeToken(socket.handshake)) ? undefined : unauthorized()));
  }

  handleConnection(socket: OpsSocket): void {
    this.open++;
    this.logger.debug(`operator connected (${this.open} open)`);
    socket.once('disconnect', (reason) => {
      this.open--;
      this.logger.debug(`operator disconnected: ${reason} (${this.open} open)`);
      if (this.open === 0) this.ticker.stop();
    });
    // Between ticks, a newcomer gets the newest figures at once rather than up to a second later.
    const latest = this.ticker.latest;
    if (latest !== undefined) socket.emit('queues.stats', latest);
    this.ticker.start();
    void this.backfill(socket);
  }

  /**
   * socket.io encodes a broadcast before it looks for sockets: with no operator here, skip it. An operator counted
   * just after this update goes by finds it committed, in its backfill (read once it is counted).
   */
  private relay(update: ChallengeUpdated): void {
    if (this.open > 0) this.nsp?.local.emit('challenge.updated', update);
  }

  /**
   * The last FEED_BACKFILL events, newest last, each with its challenge as it is now (phones masked, as in every
   * view): the feed keeps the newest event of each challenge, and an update relayed meanwhile carries a higher
   * `seq`, so arriving after it changes nothing.
   */
  private async backfill(socket: OpsSocket): Promise<void> {
    try {
      const events = await this.repo.latestEvents(FEED_BACKFILL);
      const views = new Map<string, ChallengeView>();
      for (const record of await Promise.all([...new Set(events.map((e) => e.challengeId))].map((id) => this.challenges.find(id)))) {
        if (record) views.set(record.id, toChallengeView(record, this.config.maxWrongCodes));
      }
      for (const e of events.reverse()) {
        const challenge = views.get(e.challengeId);
        if (challenge && socket.connected) socket.emit('challenge.updated', { seq: e.seq, type: e.type as ChallengeEventType, at: e.createdAt.toISOString(), challenge });
      }
    } catch (err) {
      this.logger.warn(`live feed backfill failed: ${(err as Error).message}`);
    }
  }

  onModuleDestroy(): void {
    this.ticker.stop();
  }
}
