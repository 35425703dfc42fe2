import { ChallengeView } from './rest.types';

/** Operator-facing payloads: GET /v1/ops/* and the /ops socket namespace. Phones are always masked. */

export type JobState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized' | 'paused';

export interface MinuteBucket {
  /** ISO time of the minute's start. */
  minute: string;
  sent: number;
  delivered: number;
  failed: number;
  failedOver: number;
}

export interface OpsStats {
  at: string;
  /** Counts per queue (`calls`, `texts`, `timers`) and job state. */
  queues: Record<string, Record<JobState, number>>;
  /** Totals over the last 60 seconds. */
  rates: { sent: number; delivered: number; failed: number; failedOver: number };
  /** The last 30 minutes, oldest first. */
  perMinute: MinuteBucket[];
  /** Challenge creation → first delivery (texts delivered / calls answered), last 15 minutes. */
  timeToFirstDelivery: { p50Ms: number | null; p95Ms: number | null; samples: number };
  /** Age of the oldest waiting job per queue, ms (0 when empty). */
  oldestWaitingMs: Record<string, number>;
  /** Reasons of failed delivery attempts created in the last hour, most frequent first (at most 10). */
  topFailureReasons: Array<{ reason: string; count: number }>;
  /** Delivery attempts created in the last hour, by the destination's country. */
  byCountry: Array<{ country: string; sent: number; delivered: number; failed: number }>;
  /** `failedLastHour` counts failed, denied, expired and max_attempts_reached challenges finished in the last hour. */
  challenges: { pending: number; approvedLastHour: number; failedLastHour: number };
}

export interface OpsAlert {
  id: string;
  kind: 'failure_rate' | 'queue_depth' | 'oldest_waiting' | 'fraud_report' | 'provider_configuration';
  key: string;
  severity: 'warning' | 'critical';
  message: string;
  value?: number;
  threshold?: number;
  raisedAt: string;
  clearedAt?: string;
}

export interface OpsChallengeSummary extends ChallengeView {
  /** Provider SIDs per attempt, for support. */
  providerSids?: Array<{ step: number; attemptNo: number; sid: string | null }>;
}

export interface OpsChallengePage {
  items: OpsChallengeSummary[];
  nextCursor?: string;
}

/** GET /ui-config.json: what the single-page app needs to know about this deployment. */
export interface UiConfig {
  gatewayUrl: string;
  sandbox: boolean;
  senderCountry: string;
  /** Sandbox mode only: the development API key, so the demo settings page works without setup. */
  demoApiKey?: string;
}
