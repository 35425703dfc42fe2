import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { COUNTER_WINDOWS, OUTCOME_COUNTERS, OUTCOME_TEXTS } from '@redial/contracts';
import { aliveWorkers, gatewaySockets, HistogramSpec, JOB_DURATION, OpsRepository, OpsStatsService, PROVIDER_LATENCY, readHistogram } from '@redial/ops';
import { RATE_LIMIT_CHECKS, RATE_LIMIT_REFUSALS, readRateLimitCounts, readSpend, readSpendTotals, SPEND_METRIC } from '@redial/guard';
import { QueueService } from '@redial/queue';
import { TwilioSignatureGuard } from '../webhooks/twilio-signature.guard';

/** The operators' counters (libs/contracts ops-counters.ts) over their hour window: a windowed gauge. */
export const OUTCOMES_METRIC = 'redial_outcomes_recent';

/**
 * GET /metrics, Prometheus text. One registry per api instance (never prom-client's global one, so several
 * apps in one process do not collide). Everything is read at scrape time:
 *  - queue depth and oldest waiting age: BullMQ counters in Redis;
 *  - job durations and provider latency: histograms the workers add to in Redis (libs/ops
 *    redis-metrics.store.ts), so every api instance exports the whole fleet's figures;
 *  - the operators' counters (the dashboard's snapshot, OpsStatsService) and firing alerts: PostgreSQL;
 *  - worker and gateway liveness, open sockets: the sets workers and gateways beat into;
 *  - webhook signature failures and process metrics: this process.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly stats: OpsStatsService,
    private readonly repo: OpsRepository,
  ) {
    const registers = [this.registry];
    const redis = () => this.queues.connection;
    const prefix = config.queuePrefix;
    collectDefaultMetrics({ register: this.registry, prefix: DEFAULT_METRICS_PREFIX });
    dropGaugesNamedLikeCounters(this.registry);

    // Both queue gauges collect in the same scrape (in parallel): they share one snapshot.
    const opsStats = this.stats;
    const queueSnapshot = shareFor(500, () => opsStats.queueSnapshot());
    new Gauge({
      name: 'redial_queue_oldest_waiting_seconds',
      help: 'Age of the oldest waiting job per queue (0 when none waits).',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, ms] of Object.entries((await queueSnapshot()).oldestWaitingMs)) this.set({ queue }, ms / 1000);
      },
    });
    new Gauge({
      name: 'redial_queue_jobs',
      help: 'Jobs per queue and state (BullMQ counters, read at scrape time).',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const [queue, counts] of Object.entries((await queueSnapshot()).queues)) {
          for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
        }
      },
    });

    this.registerHistogram(JOB_DURATION, redis, prefix);
    this.registerHistogram(PROVIDER_LATENCY, redis, prefix);

    new Gauge({
      name: OUTCOMES_METRIC,
      help: `The operators' counters over the ${COUNTER_WINDOWS.hour.label} (the dashboard's numbers): ${OUTCOME_COUNTERS.map((c) => `${c} = ${OUTCOME_TEXTS[c].counts}`).join('; ')}. By channel and destination country (PostgreSQL).`,
      labelNames: ['outcome', 'channel', 'country'],
      registers,
      async collect() {
        this.reset();
        for (const s of await opsStats.outcomeSeries()) this.set({ outcome: s.outcome, channel: s.channel, country: s.country }, s.count);
      },
    });
    const opsRepo = this.repo;
    new Gauge({
      name: 'redial_alerts_firing',
      help: 'Alerts raised and not cleared, by kind and severity.',
      labelNames: ['kind', 'severity'],
      registers,
      async collect() {
        this.reset();
        for (const r of await opsRepo.firingAlertCounts()) this.set({ kind: r.kind, severity: r.severity }, r.count);
      },
    });
    new Gauge({
      name: 'redial_workers_alive',
      help: 'Workers that sent a heartbeat in the last 15 seconds.',
      registers,
      async collect() {
        this.set((await aliveWorkers(redis(), prefix)).length);
      },
    });
    const gateways = new Gauge({ name: 'redial_gateways_alive', help: 'Gateways that reported their sockets in the last 15 seconds.', registers });
    new Gauge({
      name: 'redial_gateway_open_sockets',
      help: 'Open socket.io connections summed over the gateways that reported in the last 15 seconds.',
      registers,
      async collect() {
        const figures = await gatewaySockets(redis(), prefix);
        this.set(figures.sockets);
        gateways.set(figures.gateways);
      },
    });
    new Counter({
      name: 'redial_webhook_signature_failures_total',
      help: 'Twilio webhooks refused for a missing or wrong X-Twilio-Signature (this api process, since start).',
      registers,
      collect() {
        this.reset();
        this.inc(TwilioSignatureGuard.failures);
      },
    });
    this.registerSpend(registers, redis, prefix, config.spend.dailyCapUsd);
    // Rate limits (libs/guard): checks and refusals per limit, counted by every api and worker in Redis.
    for (const [metric, help] of [
      [RATE_LIMIT_CHECKS, 'Rate-limit checks per limit (requests, sends and codes asked about), from every api and worker.'],
      [RATE_LIMIT_REFUSALS, 'Requests answered 429 rate_limited and sends failed with rate_limited, per limit, from every api and worker.'],
    ] as const) {
      new Counter({
        name: metric,
        help,
        labelNames: ['limit'],
        registers,
        async collect() {
          this.reset();
          for (const [limit, n] of Object.entries(await readRateLimitCounts(redis(), prefix, metric))) this.inc({ limit }, n);
        },
      });
    }
  }

  // Spend (libs/guard): every send's estimate, added up by the workers in Redis.
  private registerSpend(registers: Registry[], redis: () => QueueService['connection'], prefix: string, capUsd: number): void {
    new Counter({
      name: SPEND_METRIC,
      help: 'Estimated spend in US dollars on texts and calls sent (the price table × segments or started minutes), by destination country and channel; from every worker.',
      labelNames: ['country', 'channel'],
      registers,
      async collect() {
        this.reset();
        for (const r of await readSpendTotals(redis(), prefix)) if (r.usd > 0) this.inc({ country: r.country, channel: r.channel }, r.usd);
      },
    });
    new Gauge({
      name: 'redial_spend_today_usd',
      help: 'Estimated spend in US dollars this UTC day (what the daily cap compares), from every worker.',
      registers,
      async collect() {
        this.set((await readSpend(redis(), prefix)).today.totalUsd);
      },
    });
    new Gauge({ name: 'redial_spend_cap_daily_usd', help: 'The daily spend cap in US dollars (SPEND_CAP_DAILY_USD; 0 = no cap).', registers }).set(capUsd);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private registerHistogram(spec: HistogramSpec, redis: () => QueueService['connection'], prefix: string): void {
    this.registry.registerMetric({
      name: spec.name,
      help: spec.help,
      type: 'histogram',
      get: async () => ({ name: spec.name, help: spec.help, type: 'histogram', aggregator: 'sum', values: await readHistogram(redis(), prefix, spec) }),
    } as never);
  }
}

export const DEFAULT_METRICS_PREFIX = 'redial_api_';

/**
 * prom-client's default metrics include three gauges named like counters (`nodejs_active_handles_total`,
 * `nodejs_active_requests_total`, `nodejs_active_resources_total`), which `promtool check metrics` rejects:
 * only counters may end in `_total`. Each is the sum over `type` of the gauge registered beside it without the
 * suffix (`nodejs_active_handles{type="Socket"}` …), so dropping them loses nothing: `sum(…_active_handles)`.
 */
export function dropGaugesNamedLikeCounters(registry: Registry): void {
  for (const metric of registry.getMetricsAsArray()) {
    const { name, type } = metric as unknown as { name: string; type: string };
    if (type !== 'counter' && name.endsWith('_total')) registry.removeSingleMetric(name);
  }
}

/** `fn`'s promise, shared by the callers within `ms` of each other. */
function shareFor<T>(ms: number, fn: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > ms) last = { at: now, value: fn() };
    return last.value;
  };
}
