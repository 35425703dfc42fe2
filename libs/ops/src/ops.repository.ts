import { Injectable } from '@nestjs/common';
import { CHALLENGE_END_TYPES, OUTCOME_EVENT_TYPES } from '@redial/contracts';
import { Prisma, PrismaService } from '@redial/database';
import type { CountedEventRow } from './outcome-figures';

/**
 * The SQL behind operator statistics, alerts and metrics: a few aggregates, each bounded by an indexed
 * `created_at` window (challenges, delivery_attempts and challenge_events all index it). No business rules.
 */

/** The challenge event types behind the operators' counters and the challenge figures (libs/contracts ops-counters.ts). */
const COUNTED_TYPES = [...OUTCOME_EVENT_TYPES, ...Object.keys(CHALLENGE_END_TYPES)];

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

  /**
   * What the operators' counters count in [since, until] (libs/contracts ops-counters.ts): attempts sent and
   * delivered by their own times (`attempt.sent`, `attempt.delivered`; attempts created from `attemptsSince`,
   * which bounds the scan by the created_at index), and the counted challenge events. Grouped by minute, type,
   * reason and the step they are about (its destination country and channel); `recent` counts those at or after
   * `recentSince`. outcome-figures.ts adds them up.
   */
  countedEvents(since: Date, until: Date, recentSince: Date, attemptsSince: Date): Promise<CountedEventRow[]> {
    return this.db.$queryRaw<CountedEventRow[]>`
      WITH counted AS (
        SELECT a.sent_at AS at, 'attempt.sent' AS type, NULL::text AS reason, a.challenge_id, a.step_index AS step
          FROM delivery_attempts a
         WHERE a.created_at >= ${attemptsSince} AND a.sent_at >= ${since} AND a.sent_at <= ${until}
        UNION ALL
        SELECT a.delivered_at, 'attempt.delivered', NULL, a.challenge_id, a.step_index
          FROM delivery_attempts a
         WHERE a.created_at >= ${attemptsSince} AND a.delivered_at >= ${since} AND a.delivered_at <= ${until}
        UNION ALL
        -- A failover names the step it moves to; it is counted against the step it leaves.
        SELECT e.created_at, e.type, e.payload->>'reason', e.challenge_id,
               (e.payload->>'step')::int - (CASE WHEN e.type = 'step.failover' THEN 1 ELSE 0 END)
          FROM challenge_events e
         WHERE e.created_at >= ${since} AND e.created_at <= ${until} AND e.type IN (${Prisma.join(COUNTED_TYPES)})
      )
      SELECT date_trunc('minute', c.at) AS minute, c.type, c.reason, s.country, s.method AS channel, count(*)::int AS n,
             (count(*) FILTER (WHERE c.at >= ${recentSince}))::int AS recent
        FROM counted c
        LEFT JOIN challenge_steps s ON s.challenge_id = c.challenge_id AND s.index = c.step
       GROUP BY 1, 2, 3, 4, 5`;
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

  /** The newest `limit` challenge events (any type), newest first: the live feed's backfill. */
  latestEvents(limit: number): Promise<Array<{ challengeId: string; seq: number; type: string; createdAt: Date }>> {
    return this.db.challengeEvent.findMany({
      select: { challengeId: true, seq: true, type: true, createdAt: true },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
    });
  }

  /** Challenges pending now. */
  async pendingChallenges(): Promise<number> {
    const rows = await this.db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM challenges WHERE status = 'pending'`;
    return rows[0]?.n ?? 0;
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
