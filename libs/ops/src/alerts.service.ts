import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { alertsLockKey, type OpsAlert, pumpingSuspendedKey } from '@redial/contracts';
import { EventPublisher, QueueService } from '@redial/queue';
import { readSpend } from '@redial/guard';
import { CODE_TABLE } from '@redial/telephony';
import { AlertFigures, FAILURE_RATE_WINDOW_MIN, FiringAlert, firingAlerts } from './alert.rules';
import { AlertNotifier } from './alert.notifier';
import { AlertRow, OpsRepository } from './ops.repository';
import { outcomeFigures } from './outcome-figures';
import { ATTEMPT_LOOKBACK_MS, OpsStatsService } from './ops-stats.service';

const MINUTE = 60_000;
const minuteOf = (t: number): number => Math.floor(t / MINUTE) * MINUTE;
/** How long an evaluation may hold the lock; it normally takes a few milliseconds. */
const LOCK_TTL_MS = 30_000;
/** Cleared alerts stay listed this long. */
const RECENTLY_CLEARED_MS = 24 * 60 * MINUTE;

/**
 * Provider configuration reasons: the `configuration` rows of the telephony error classification, plus
 * TelephonyConfigurationError's default. A delivery attempt failing for one of these will not get better by
 * retrying or failing over: somebody has to fix the account.
 */
export const CONFIGURATION_REASONS: string[] = [
  ...new Set([...Object.values(CODE_TABLE).filter((row) => row.action === 'configuration').map((row) => row.reason), 'invalid_sender', 'auth_failed']),
].sort();

/** The evaluation lock's key, declared in libs/contracts (redis-keys.ts); re-exported for the tests that watch it. */
export { alertsLockKey };

export interface AlertsEvaluation {
  raised: OpsAlert[];
  cleared: OpsAlert[];
  active: OpsAlert[];
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Raises and clears operator alerts. `evaluate()` gathers the figures (queue counters from Redis, a few
 * windowed counts from PostgreSQL), decides with the pure rules in alert.rules.ts, and writes the difference
 * to the alerts table, then publishes `alert.raised` / `alert.cleared` to /ops and the alert webhook.
 * One evaluation runs at a time across all processes (Redis `SET NX PX` lock), so alerts are not raised twice.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger('Alerts');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: OpsRepository,
    private readonly stats: OpsStatsService,
    private readonly queues: QueueService,
    private readonly publisher: EventPublisher,
    private readonly notifier: AlertNotifier,
  ) {}

  /**
   * Evaluates now, waiting for another evaluator to finish first. `now` moves the time windows (tests use it
   * to see an alert clear without waiting for its window to pass).
   */
  async evaluate(options: { now?: Date } = {}): Promise<AlertsEvaluation> {
    const deadline = Date.now() + LOCK_TTL_MS;
    for (;;) {
      const result = await this.evaluateIfFree(options);
      if (result) return result;
      if (Date.now() > deadline) throw new Error('alerts evaluation lock is held by someone else');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Evaluates unless another process is evaluating right now (the periodic loop uses this). */
  async evaluateIfFree(options: { now?: Date } = {}): Promise<AlertsEvaluation | undefined> {
    const redis = this.queues.connection;
    const key = alertsLockKey(this.config.queuePrefix);
    const token = randomUUID();
    const locked = await redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX');
    if (locked !== 'OK') return undefined;
    try {
      return await this.run(options.now ?? new Date());
    } finally {
      await redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  /** Active alerts first (newest first), then alerts cleared in the last 24 hours. */
  async list(limit = 100): Promise<OpsAlert[]> {
    const rows = await this.repo.listAlerts(new Date(Date.now() - RECENTLY_CLEARED_MS), limit);
    return rows.map(toOpsAlert);
  }

  async figures(now: Date): Promise<AlertFigures> {
    const t = now.getTime();
    const a = this.config.alerts;
    const [events, queue, fraudReports, configuration, suspendedPrefixes, spend] = await Promise.all([
      this.repo.countedEvents(new Date(t - FAILURE_RATE_WINDOW_MIN * MINUTE), now, now, new Date(t - FAILURE_RATE_WINDOW_MIN * MINUTE - ATTEMPT_LOOKBACK_MS)),
      // Queues are live state: their ages are measured at the real now, whatever window `now` picks.
      this.stats.queueSnapshot(),
      this.repo.countDenied(new Date(t - a.fraudWindowMin * MINUTE), now),
      this.repo.reasonCounts(CONFIGURATION_REASONS, new Date(t - a.configurationWindowMin * MINUTE), now),
      this.suspendedPrefixes(),
      // The spend cap is per UTC day at the real now (like the queues, live state).
      readSpend(this.queues.connection, this.config.queuePrefix),
    ]);
    const since = minuteOf(t - FAILURE_RATE_WINDOW_MIN * MINUTE);
    const channels = outcomeFigures(events, since, minuteOf(t)).byChannel.map((c) => ({ channel: c.channel, failed: c.failed, succeeded: c.delivered }));
    return {
      channels,
      queues: Object.entries(queue.queues).map(([name, counts]) => ({
        queue: name,
        depth: counts.waiting + counts.prioritized + counts.paused,
        oldestWaitingMs: queue.oldestWaitingMs[name] ?? 0,
      })),
      fraudReports,
      configuration,
      suspendedPrefixes,
      spend: { todayUsd: spend.today.totalUsd, capUsd: this.config.spend.dailyCapUsd, refused: spend.today.refused },
    };
  }

  /** The SMS pumping guard's suspended prefixes (libs/guard writes the hash; only the prefix and figures are read). */
  private async suspendedPrefixes(): Promise<NonNullable<AlertFigures['suspendedPrefixes']>> {
    const all = await this.queues.connection.hgetall(pumpingSuspendedKey(this.config.queuePrefix));
    return Object.entries(all)
      .map(([prefix, json]) => {
        const v = JSON.parse(json) as { sent?: number; verified?: number };
        return { prefix, sent: v.sent ?? 0, verified: v.verified ?? 0 };
      })
      .sort((x, y) => x.prefix.localeCompare(y.prefix));
  }

  private async run(now: Date): Promise<AlertsEvaluation> {
    const firing = firingAlerts(await this.figures(now), this.config.alerts);
    const active = await this.repo.activeAlerts();
    const byKey = new Map(active.map((row) => [`${row.kind}/${row.key}`, row]));
    const raised: OpsAlert[] = [];
    const cleared: OpsAlert[] = [];
    const stillActive: OpsAlert[] = [];

    for (const f of firing) {
      const existing = byKey.get(`${f.kind}/${f.key}`);
      if (existing) {
        byKey.delete(`${f.kind}/${f.key}`);
        if (existing.value !== f.value || existing.message !== f.message) await this.repo.updateAlertValue(existing.id, f.value, f.message);
        stillActive.push(toOpsAlert({ ...existing, value: f.value, message: f.message }));
        continue;
      }
      const row = newRow(f, now);
      await this.repo.insertAlert(row);
      const alert = toOpsAlert({ ...row, clearedAt: null });
      raised.push(alert);
      stillActive.push(alert);
    }
    for (const row of byKey.values()) {
      if (await this.repo.clearAlert(row.id, now)) cleared.push(toOpsAlert({ ...row, clearedAt: now }));
    }

    for (const alert of raised) this.announce('alert.raised', alert);
    for (const alert of cleared) this.announce('alert.cleared', alert);
    await Promise.all([...raised.map((a) => this.notifier.notify('alert.raised', a)), ...cleared.map((a) => this.notifier.notify('alert.cleared', a))]);
    return { raised, cleared, active: stillActive };
  }

  private announce(event: 'alert.raised' | 'alert.cleared', alert: OpsAlert): void {
    this.publisher.alert(event, alert);
    const line = `${event === 'alert.raised' ? 'raised' : 'cleared'} ${alert.severity} alert ${alert.kind}/${alert.key}: ${alert.message}`;
    if (event === 'alert.raised') this.logger.warn(line);
    else this.logger.log(line);
  }
}

function newRow(f: FiringAlert, now: Date): Omit<AlertRow, 'clearedAt'> {
  return { id: randomUUID(), kind: f.kind, key: f.key, severity: f.severity, message: f.message, value: f.value, threshold: f.threshold, raisedAt: now };
}

export function toOpsAlert(row: AlertRow): OpsAlert {
  const alert: OpsAlert = {
    id: row.id,
    kind: row.kind as OpsAlert['kind'],
    key: row.key,
    severity: row.severity as OpsAlert['severity'],
    message: row.message,
    raisedAt: row.raisedAt.toISOString(),
  };
  if (row.value !== null) alert.value = row.value;
  if (row.threshold !== null) alert.threshold = row.threshold;
  if (row.clearedAt) alert.clearedAt = row.clearedAt.toISOString();
  return alert;
}
