import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { COUNTER_WINDOWS, OpsStats } from '@redial/contracts';
import { readSpend, SpendBreakdown } from '@redial/guard';
import { QueueService } from '@redial/queue';
import { OpsRepository } from './ops.repository';
import { outcomeFigures, OutcomeSeries } from './outcome-figures';
import { queueFigures } from './queue-stats';

const MINUTE = 60_000;
const DELIVERY_WINDOW_MS = 15 * MINUTE;
const TOP_REASONS = 10;
/** A delivery receipt is counted when it arrives up to this long after its attempt was created. */
export const ATTEMPT_LOOKBACK_MS = 60 * MINUTE;
/** Callers within this long share one snapshot (the gateway ticks every second; dashboards poll). */
export const STATS_CACHE_MS = 1000;

interface Snapshot {
  stats: OpsStats;
  series: OutcomeSeries[];
}

/**
 * Operator statistics (GET /v1/ops/stats, the gateway's `queues.stats` ticker, /metrics). Queue figures come
 * from BullMQ's counters; the operators' counters (sent, delivered, failed, failed over, fraud, skipped) from
 * one grouped read of the window's challenge events, added up by outcome-figures.ts. Snapshots are cached for
 * up to a second and concurrent callers share the one in flight, so many dashboards cost the same as one.
 */
@Injectable()
export class OpsStatsService {
  private cached?: { at: number; value: Promise<Snapshot> };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly repo: OpsRepository,
  ) {}

  async snapshot(): Promise<OpsStats> {
    return (await this.shared()).stats;
  }

  /**
   * The operators' counters per outcome, channel and destination country over the hour window, from the same
   * snapshot as `snapshot()`: `/metrics` exports the dashboard's numbers.
   */
  async outcomeSeries(): Promise<OutcomeSeries[]> {
    return (await this.shared()).series;
  }

  private shared(): Promise<Snapshot> {
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

  private async compute(now: Date): Promise<Snapshot> {
    const t = now.getTime();
    const currentMinute = Math.floor(t / MINUTE) * MINUTE;
    const firstMinute = currentMinute - (COUNTER_WINDOWS.hour.minutes - 1) * MINUTE;
    const [queue, rows, ttfd, pending, spend] = await Promise.all([
      this.queueSnapshot(t),
      this.repo.countedEvents(new Date(firstMinute), now, new Date(t - COUNTER_WINDOWS.recent.ms), new Date(firstMinute - ATTEMPT_LOOKBACK_MS)),
      this.repo.timeToFirstDelivery(new Date(t - DELIVERY_WINDOW_MS)),
      this.repo.pendingChallenges(),
      readSpend(this.queues.connection, this.config.queuePrefix, now),
    ]);
    const figures = outcomeFigures(rows, firstMinute, currentMinute);

    const cap = this.config.spend.dailyCapUsd;
    const stats: OpsStats = {
      at: now.toISOString(),
      queues: queue.queues,
      rates: figures.recent,
      outcomes: { since: new Date(firstMinute).toISOString(), counts: figures.totals },
      perMinute: figures.perMinute,
      timeToFirstDelivery: { p50Ms: roundOrNull(ttfd.p50), p95Ms: roundOrNull(ttfd.p95), samples: ttfd.n },
      oldestWaitingMs: queue.oldestWaitingMs,
      topFailureReasons: figures.failureReasons.slice(0, TOP_REASONS),
      byCountry: figures.byCountry,
      challenges: { pending, approvedLastHour: figures.challenges.approved, failedLastHour: figures.challenges.failed },
      spend: {
        capDailyUsd: cap > 0 ? cap : null,
        capReached: cap > 0 && (spend.today.refused > 0 || spend.today.totalUsd >= cap),
        refusedToday: spend.today.refused,
        today: spendPeriod(spend.today.start, spend.today),
        thisHour: spendPeriod(spend.thisHour.start, spend.thisHour),
      },
    };
    return { stats, series: figures.series };
  }
}

function spendPeriod(start: Date, b: SpendBreakdown): OpsStats['spend']['today'] {
  return { start: start.toISOString(), totalUsd: b.totalUsd, byChannel: b.byChannel, byCountry: b.byCountry };
}

function roundOrNull(v: number | null): number | null {
  return v === null || v === undefined ? null : Math.round(Number(v));
}
