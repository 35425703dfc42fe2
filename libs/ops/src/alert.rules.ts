import type { AlertThresholds } from '@redial/config';
import type { OpsAlert } from '@redial/contracts';

/**
 * Which alerts fire, decided from figures gathered elsewhere (pure: no I/O, table-testable).
 * An alert is identified by (kind, key); it stays raised while its condition holds and clears when it stops.
 */

export interface AlertFigures {
  /**
   * Per channel over the failure-rate window, the operators' `failed` and `delivered` counters (libs/contracts
   * ops-counters.ts: a fraud report or a skipped phone is neither).
   */
  channels: Array<{ channel: string; failed: number; succeeded: number }>;
  /** Per queue: jobs ready to run and not started (waiting, prioritized, or held by a paused queue), and the oldest one's age. */
  queues: Array<{ queue: string; depth: number; oldestWaitingMs: number }>;
  /** `challenge.denied` events within the fraud window. */
  fraudReports: number;
  /** Attempts that failed for a provider configuration reason within the configuration window, per reason. */
  configuration: Array<{ reason: string; count: number }>;
  /** Destination prefixes the SMS pumping guard has suspended (`44-770`), with the figures that suspended them. */
  suspendedPrefixes?: Array<{ prefix: string; sent: number; verified: number }>;
  /** This UTC day's estimated spend (USD), the daily cap (0 = none) and the sends and challenges it refused today. */
  spend?: { todayUsd: number; capUsd: number; refused: number };
}

export interface FiringAlert {
  kind: OpsAlert['kind'];
  key: string;
  severity: OpsAlert['severity'];
  message: string;
  value: number;
  threshold: number;
}

export const FAILURE_RATE_WINDOW_MIN = 5;

const CHANNEL_NAMES: Record<string, string> = { sms: 'Texts', call: 'Calls' };

export function firingAlerts(f: AlertFigures, t: AlertThresholds): FiringAlert[] {
  const firing: FiringAlert[] = [];
  for (const c of f.channels) {
    const samples = c.failed + c.succeeded;
    if (samples < t.failureRateMinSamples || samples === 0) continue;
    const rate = c.failed / samples;
    if (rate < t.failureRate) continue;
    firing.push({
      kind: 'failure_rate',
      key: c.channel,
      severity: 'critical',
      message: `${CHANNEL_NAMES[c.channel] ?? c.channel}: ${c.failed} failed and ${c.succeeded} delivered in the last ${FAILURE_RATE_WINDOW_MIN} minutes (${pct(rate)} failed, threshold ${pct(t.failureRate)}).`,
      value: round(rate, 4),
      threshold: t.failureRate,
    });
  }
  for (const q of f.queues) {
    if (q.depth >= t.queueDepth) {
      firing.push({
        kind: 'queue_depth',
        key: q.queue,
        severity: 'warning',
        message: `Queue ${q.queue}: ${q.depth} jobs waiting (threshold ${t.queueDepth}).`,
        value: q.depth,
        threshold: t.queueDepth,
      });
    }
    const ageSec = q.oldestWaitingMs / 1000;
    if (ageSec >= t.oldestWaitingSec) {
      firing.push({
        kind: 'oldest_waiting',
        key: q.queue,
        severity: 'warning',
        message: `Queue ${q.queue}: the oldest job has waited ${Math.round(ageSec)} s (threshold ${t.oldestWaitingSec} s). Are the workers running?`,
        value: Math.round(ageSec),
        threshold: t.oldestWaitingSec,
      });
    }
  }
  if (f.fraudReports >= t.fraudReports) {
    firing.push({
      kind: 'fraud_report',
      key: 'all',
      severity: 'warning',
      message: `${f.fraudReports} verification call${f.fraudReports === 1 ? ' was' : 's were'} reported as fraud in the last ${t.fraudWindowMin} minutes (threshold ${t.fraudReports}).`,
      value: f.fraudReports,
      threshold: t.fraudReports,
    });
  }
  for (const c of f.configuration) {
    if (c.count <= 0) continue;
    firing.push({
      kind: 'provider_configuration',
      key: c.reason,
      severity: 'critical',
      message: `The phone provider refused ${c.count} delivery attempt${c.count === 1 ? '' : 's'} for a configuration problem (${c.reason}) in the last ${t.configurationWindowMin} minutes: check the account, sender and geo permissions.`,
      value: c.count,
      threshold: 1,
    });
  }
  const suspended = f.suspendedPrefixes ?? [];
  if (suspended.length > 0) {
    // One alert while any prefix is suspended (it clears when the last one is released); its message names them.
    const shown = suspended.slice(0, 5).map((p) => `+${p.prefix.replace('-', ' ')}… (${p.verified} of ${p.sent} codes entered)`);
    const more = suspended.length > shown.length ? ` and ${suspended.length - shown.length} more` : '';
    firing.push({
      kind: 'destination_suspended',
      key: 'sms',
      severity: 'critical',
      message: `Possible SMS pumping: texts to ${suspended.length} number range${suspended.length === 1 ? ' are' : 's are'} suspended: ${shown.join(', ')}${more}. Release them on the dashboard once checked.`,
      value: suspended.length,
      threshold: 1,
    });
  }
  const spend = f.spend;
  // The daily spend cap: raised when it refused something (or the day's spend reached it); clears the next UTC day.
  if (spend && spend.capUsd > 0 && (spend.refused > 0 || spend.todayUsd >= spend.capUsd)) {
    firing.push({
      kind: 'spend_cap',
      key: 'daily',
      severity: 'critical',
      message: `The daily spend cap of $${spend.capUsd} is reached ($${round(spend.todayUsd, 2)} spent today, UTC): ${spend.refused} send${spend.refused === 1 ? '' : 's'} and new challenges refused until midnight UTC. Raise SPEND_CAP_DAILY_USD if this traffic is genuine.`,
      value: round(spend.todayUsd, 4),
      threshold: spend.capUsd,
    });
  }
  return firing;
}

export const alertId = (kind: string, key: string): string => `${kind}/${key}`;

function pct(v: number): string {
  return `${Math.round(v * 100)}%`;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
