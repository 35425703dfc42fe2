import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@redial/database';

/**
 * The SQL behind operator statistics, alerts and metrics: a few aggregates, each bounded by an indexed
 * `created_at` window (challenges, delivery_attempts and challenge_events all index it). No business rules.
 */

/** Event types counted per minute, and the MinuteBucket field each one feeds. */
export const COUNTED_EVENTS = {
  'attempt.sent': 'sent',
  'attempt.delivered': 'delivered',
  'attempt.failed': 'failed',
  'step.failover': 'failedOver',
} as const;

/** Final attempt statuses that mean "did not get through" (a stored `reason` means the same). */
export const FAILED_ATTEMPT_STATUSES = ['undelivered', 'failed', 'busy', 'no_answer', 'canceled'];

const FAILED = Prisma.sql`(a.reason IS NOT NULL OR a.status IN (${Prisma.join(FAILED_ATTEMPT_STATUSES)}))`;

export interface EventBucketRow {
  minute: Date;
  type: keyof typeof COUNTED_EVENTS;
  n: number;
  recent: number;
}

export interface AlertRow {
  id: string;
  kind: string;
  key: string;
  severity: string;
  message: string;
  value: number | null;
  threshold: number | null;
  raisedAt: Date;
  clearedAt: Date | null;
}

export type NewAlert = Omit<AlertRow, 'clearedAt'>;

@Injectable()
export class OpsRepository {
  constructor(private readonly prisma: PrismaService) {}

  private get db() {
    return this.prisma.client;
  }

  /** Counted events per minute since `since`; `recent` counts those at or after `recentSince`. */
  eventBuckets(since: Date, recentSince: Date): Promise<EventBucketRow[]> {
    return this.db.$queryRaw<EventBucketRow[]>`
      SELECT date_trunc('minute', created_at) AS minute, type, count(*)::int AS n,
             (count(*) FILTER (WHERE created_at >= ${recentSince}))::int AS recent
        FROM challenge_events
       WHERE created_at >= ${since} AND type IN (${Prisma.join(Object.keys(COUNTED_EVENTS))})
       GROUP BY 1, 2`;
  }

  /** Creation → first delivery of challenges created since `since`, in ms. */
  async timeToFirstDelivery(since: Date): Promise<{ p50: number | null; p95: number | null; n: number }> {
    const rows = await this.db.$queryRaw<Array<{ p50: number | null; p95: number | null; n: number }>>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
             count(*)::int AS n
        FROM (SELECT extract(epoch FROM (first_delivery_at - created_at)) * 1000 AS ms
                FROM challenges
               WHERE created_at >= ${since} AND first_delivery_at IS NOT NULL) t`;
    return rows[0] ?? { p50: null, p95: null, n: 0 };
  }

  /** The most frequent reasons of failed attempts created since `since`. */
  failureReasons(since: Date, limit: number): Promise<Array<{ reason: string; count: number }>> {
    return this.db.$queryRaw`
      SELECT coalesce(a.reason, a.status) AS reason, count(*)::int AS count
        FROM delivery_attempts a
       WHERE a.created_at >= ${since} AND ${FAILED}
       GROUP BY 1
       ORDER BY 2 DESC, 1
       LIMIT ${limit}`;
  }

  /** Attempts created since `since`, per destination country. */
  byCountry(since: Date): Promise<Array<{ country: string; sent: number; delivered: number; failed: number }>> {
    return this.db.$queryRaw`
      SELECT s.country,
             (count(*) FILTER (WHERE a.sent_at IS NOT NULL))::int AS sent,
             (count(*) FILTER (WHERE a.delivered_at IS NOT NULL))::int AS delivered,
             (count(*) FILTER (WHERE ${FAILED}))::int AS failed
        FROM delivery_attempts a
        JOIN challenge_steps s ON s.challenge_id = a.challenge_id AND s.index = a.step_index
       WHERE a.created_at >= ${since}
       GROUP BY s.country
       ORDER BY 2 DESC, 1`;
  }

  /**
   * Pending challenges, and those approved / failed since `since`. A challenge ends within its lifetime, so
   * `createdSince` (since minus the TTL) bounds the scan by the created_at index.
   */
  async challengeCounts(since: Date, createdSince: Date): Promise<{ pending: number; approved: number; failed: number }> {
    const rows = await this.db.$queryRaw<Array<{ pending: number; approved: number; failed: number }>>`
      SELECT (SELECT count(*) FROM challenges WHERE status = 'pending')::int AS pending,
             (count(*) FILTER (WHERE status = 'approved'))::int AS approved,
             (count(*) FILTER (WHERE status IN ('failed', 'denied', 'expired', 'max_attempts_reached')))::int AS failed
        FROM challenges
       WHERE created_at >= ${createdSince} AND finished_at >= ${since}`;
    return rows[0] ?? { pending: 0, approved: 0, failed: 0 };
  }

  /** Finished attempts per channel since `since`: how many got through and how many failed. */
  attemptOutcomesByChannel(since: Date): Promise<Array<{ channel: string; failed: number; succeeded: number }>> {
    return this.db.$queryRaw`
      SELECT a.method AS channel,
             (count(*) FILTER (WHERE ${FAILED}))::int AS failed,
             (count(*) FILTER (WHERE NOT ${FAILED} AND a.delivered_at IS NOT NULL))::int AS succeeded
        FROM delivery_attempts a
       WHERE a.created_at >= ${since}
       GROUP BY a.method`;
  }

  /** Attempts created since `since` by channel, status and reason (for /metrics). */
  attemptsByOutcome(since: Date): Promise<Array<{ channel: string; status: string; reason: string; count: number }>> {
    return this.db.$queryRaw`
      SELECT a.method AS channel, a.status, coalesce(a.reason, '') AS reason, count(*)::int AS count
        FROM delivery_attempts a
       WHERE a.created_at >= ${since}
       GROUP BY 1, 2, 3`;
  }

  /**
   * Challenges denied (fraud reported) in [since, until]. The type is part of the statement, not a parameter,
   * so PostgreSQL reads the partial index that holds denied events only.
   */
  async countDenied(since: Date, until: Date): Promise<number> {
    const rows = await this.db.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM challenge_events WHERE type = 'challenge.denied' AND created_at >= ${since} AND created_at <= ${until}`;
    return rows[0]?.n ?? 0;
  }

  /** Attempts failed for one of `reasons` created in [since, until], per reason. */
  reasonCounts(reasons: string[], since: Date, until: Date): Promise<Array<{ reason: string; count: number }>> {
    if (reasons.length === 0) return Promise.resolve([]);
    return this.db.$queryRaw`
      SELECT a.reason, count(*)::int AS count
        FROM delivery_attempts a
       WHERE a.created_at >= ${since} AND a.created_at <= ${until} AND a.reason IN (${Prisma.join(reasons)})
         -- Redial's own geo permissions refuse before sending (no provider error code): policy, not misconfiguration.
         AND (a.reason <> 'geo_blocked' OR a.error_code IS NOT NULL)
       GROUP BY 1`;
  }

  // --- alerts --------------------------------------------------------------------------------------------

  activeAlerts(): Promise<AlertRow[]> {
    return this.db.alert.findMany({ where: { clearedAt: null }, orderBy: [{ raisedAt: 'desc' }, { id: 'asc' }] });
  }

  /** Active alerts first (newest first), then those cleared since `clearedSince` (latest cleared first). */
  async listAlerts(clearedSince: Date, limit: number): Promise<AlertRow[]> {
    const [active, cleared] = await Promise.all([
      this.activeAlerts(),
      this.db.alert.findMany({ where: { clearedAt: { gte: clearedSince } }, orderBy: [{ clearedAt: 'desc' }, { id: 'asc' }], take: limit }),
    ]);
    return [...active, ...cleared];
  }

  async insertAlert(alert: NewAlert): Promise<void> {
    await this.db.alert.create({ data: alert });
  }

  async updateAlertValue(id: string, value: number | null, message: string): Promise<void> {
    await this.db.alert.update({ where: { id }, data: { value, message } });
  }

  /** Clears an active alert; false when it was already cleared (by another evaluator). */
  async clearAlert(id: string, at: Date): Promise<boolean> {
    const { count } = await this.db.alert.updateMany({ where: { id, clearedAt: null }, data: { clearedAt: at } });
    return count === 1;
  }

  async firingAlertCounts(): Promise<Array<{ kind: string; severity: string; count: number }>> {
    const rows = await this.db.alert.groupBy({ by: ['kind', 'severity'], where: { clearedAt: null }, _count: { _all: true } });
    return rows.map((r) => ({ kind: r.kind, severity: r.severity, count: r._count._all }));
  }
}
