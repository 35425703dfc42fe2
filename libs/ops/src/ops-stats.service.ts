import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { MinuteBucket, OpsStats } from '@redial/contracts';
import { readSpend, SpendBreakdown } from '@redial/guard';
import { QueueService } from '@redial/queue';
import { COUNTED_EVENTS, OpsRepository } from './ops.repository';
import { queueFigures } from './queue-stats';

const MINUTE = 60_000;
const PER_MINUTE_WINDOW = 30;
const RATE_WINDOW_MS = 60_000;
const DELIVERY_WINDOW_MS = 15 * MINUTE;
const HOUR = 60 * MINUTE;
/** Callers within this long share one snapshot (the gateway ticks every second; dashboards poll). */
export const STATS_CACHE_MS = 1000;

/**
 * Operator statistics (GET /v1/ops/stats, the gateway's `queues.stats` ticker). Queue figures come from
 * BullMQ's counters, the rest from five indexed SQL aggregates; snapshots are cached for up to a second and
 * concurrent callers share the one in flight, so many dashboards cost the same as one.
 */
@Injectable()
export class OpsStatsService {
  private cached?: { at: number; value: Promise<OpsStats> };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly repo: OpsRepository,
  ) {}

  snapshot(): Promise<OpsStats> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < STATS_CACHE_MS) return this.cached.value;
    const value = this.compute(new Date(now));
    this.cached = { at: now, value };
    // A failed snapshot is not served to later callers.
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    return value;
  }

  /** Queue counts and oldest waiting age only (Redis, no SQL): for health details and alerts. */
  async queueSnapshot(now = Date.now()): Promise<Pick<OpsStats, 'queues' | 'oldestWaitingMs'>> {
    const queues: OpsStats['queues'] = {};
    const oldestWaitingMs: Record<string, number> = {};
    await Promise.all(
      this.queues.all().map(async (q) => {
        const figures = await queueFigures(q, now);
        queues[q.name] = figures.counts;
        oldestWaitingMs[q.name] = figures.oldestWaitingMs;
      }),
    );
    return { queues, oldestWaitingMs };
  }

  private async compute(now: Date): Promise<OpsStats> {
    const t = now.getTime();
    const currentMinute = Math.floor(t / MINUTE) * MINUTE;
    const firstMinute = currentMinute - (PER_MINUTE_WINDOW - 1) * MINUTE;
    const [queue, buckets, ttfd, reasons, countries, counts, spend] = await Promise.all([
      this.queueSnapshot(t),
      this.repo.eventBuckets(new Date(firstMinute), new Date(t - RATE_WINDOW_MS)),
      this.repo.timeToFirstDelivery(new Date(t - DELIVERY_WINDOW_MS)),
      this.repo.failureReasons(new Date(t - HOUR), 10),
      this.repo.byCountry(new Date(t - HOUR)),
      this.repo.challengeCounts(new Date(t - HOUR), new Date(t - HOUR - this.config.challengeTtlSec * 1000)),
      readSpend(this.queues.connection, this.config.queuePrefix, now),
    ]);

    const cap = this.config.spend.dailyCapUsd;
    const perMinute: MinuteBucket[] = [];
    const index = new Map<number, MinuteBucket>();
    for (let m = firstMinute; m <= currentMinute; m += MINUTE) {
      const bucket = { minute: new Date(m).toISOString(), sent: 0, delivered: 0, failed: 0, failedOver: 0 };
      perMinute.push(bucket);
      index.set(m, bucket);
    }
    const rates = { sent: 0, delivered: 0, failed: 0, failedOver: 0 };
    for (const row of buckets) {
      const field = COUNTED_EVENTS[row.type];
      if (!field) continue;
      const bucket = index.get(new Date(row.minute).getTime());
      if (bucket) bucket[field] += row.n;
      rates[field] += row.recent;
    }

    return {
      at: now.toISOString(),
      queues: queue.queues,
      rates,
      perMinute,
      timeToFirstDelivery: { p50Ms: roundOrNull(ttfd.p50), p95Ms: roundOrNull(ttfd.p95), samples: ttfd.n },
      oldestWaitingMs: queue.oldestWaitingMs,
      topFailureReasons: reasons,
      byCountry: countries,
      challenges: { pending: counts.pending, approvedLastHour: counts.approved, failedLastHour: counts.failed },
      spend: {
        capDailyUsd: cap > 0 ? cap : null,
        capReached: cap > 0 && (spend.today.refused > 0 || spend.today.totalUsd >= cap),
        refusedToday: spend.today.refused,
        today: spendPeriod(spend.today.start, spend.today),
        thisHour: spendPeriod(spend.thisHour.start, spend.thisHour),
      },
    };
  }
}

function spendPeriod(start: Date, b: SpendBreakdown): OpsStats['spend']['today'] {
  return { start: start.toISOString(), totalUsd: b.totalUsd, byChannel: b.byChannel, byCountry: b.byCountry };
}

function roundOrNull(v: number | null): number | null {
  return v === null || v === undefined ? null : Math.round(Number(v));
}
