import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { reportGatewaySockets } from '@redial/ops';
import { QueueService, waitReady } from '@redial/queue';
import { ChallengesNamespace } from './challenges.namespace';
import { OpsNamespace } from './ops.namespace';

/** How often this gateway reports its open sockets for /metrics (LIVENESS_TTL_MS is 15 s). */
const SOCKET_REPORT_MS = 5000;

/**
 * This gateway process's sockets: counted per namespace, and reported to Redis every few seconds so /metrics
 * can sum them over the gateways alive. Per-process by nature, so a timer of the process.
 */
@Injectable()
export class GatewayPresence implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('GatewayPresence');
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly challenges: ChallengesNamespace,
    private readonly ops: OpsNamespace,
  ) {}

  /** Open sockets per namespace in this process (for metrics). */
  get sockets(): { challenges: number; ops: number } {
    return { challenges: this.challenges.openSockets, ops: this.ops.openSockets };
  }

  get openSockets(): number {
    return this.challenges.openSockets + this.ops.openSockets;
  }

  onApplicationBootstrap(): void {
    const redis = this.queues.connection;
    const report = () =>
      void reportGatewaySockets(redis, this.config.queuePrefix, this.id, this.openSockets).catch((err: Error) => this.logger.debug(`socket report failed: ${err.message}`));
    // A producer connection refuses commands until it is ready.
    void waitReady(redis).then(report, () => undefined);
    this.reportTimer = setInterval(report, SOCKET_REPORT_MS);
    this.reportTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.reportTimer);
  }
}
