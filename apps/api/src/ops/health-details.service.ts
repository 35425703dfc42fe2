import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { HealthDetails } from '@redial/contracts';
import { aliveWorkers, OpsStatsService } from '@redial/ops';
import { QueueService } from '@redial/queue';

export type { HealthDetails };

/** `GET /health?verbose=1`: worker liveness (heartbeats) and queue backlog, from Redis only. */
@Injectable()
export class HealthDetailsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly stats: OpsStatsService,
  ) {}

  async details(): Promise<HealthDetails> {
    const [workers, snapshot] = await Promise.all([aliveWorkers(this.queues.connection, this.config.queuePrefix), this.stats.queueSnapshot()]);
    const queues: HealthDetails['queues'] = {};
    for (const [name, c] of Object.entries(snapshot.queues)) {
      queues[name] = { waiting: c.waiting + c.prioritized + c.paused, active: c.active, delayed: c.delayed, failed: c.failed, oldestWaitingMs: snapshot.oldestWaitingMs[name] ?? 0 };
    }
    const freshest = workers.length ? Math.min(...workers.map((w) => w.lastBeatMs)) : null;
    return { workers: { alive: workers.length, lastBeatMs: freshest }, queues };
  }
}
