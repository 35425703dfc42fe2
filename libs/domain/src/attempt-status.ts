/**
 * An attempt's status only moves forward. Provider callbacks arrive out of order and twice (TWILIO.md §2, §3.1),
 * so a status is applied only when its rank is higher than the stored one, and the first final status wins.
 * These are our statuses; libs/telephony maps the provider's vocabulary onto them.
 */

export type AttemptStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'ringing'
  | 'answered'
  | 'delivered'
  | 'completed'
  | 'undelivered'
  | 'failed'
  | 'busy'
  | 'no_answer'
  | 'canceled';

const FINAL_RANK = 5;

/** Monotonic order: queued < sending < sent < ringing < answered < every final status. */
export function rankOf(status: AttemptStatus): number {
  switch (status) {
    case 'queued':
      return 0;
    case 'sending':
      return 1;
    case 'sent':
      return 2;
    case 'ringing':
      return 3;
    case 'answered':
      return 4;
    case 'delivered':
    case 'undelivered':
    case 'failed':
    case 'completed':
    case 'busy':
    case 'no_answer':
    case 'canceled':
      return FINAL_RANK;
  }
}

export function isFinalAttemptStatus(status: AttemptStatus): boolean {
  return rankOf(status) === FINAL_RANK;
}

/** True when `next` may replace `current` (it moves forward). */
export function isStatusAdvance(current: AttemptStatus | undefined, next: AttemptStatus): boolean {
  return current === undefined || rankOf(next) > rankOf(current);
}

/** Fields of an attempt a rule may ask to change; the engine writes them as they are. */
export interface AttemptChange {
  status?: AttemptStatus;
  statusRank?: number;
  errorCode?: number;
  answeredBy?: string;
  reason?: string | null;
  promptsPlayed?: number;
  deliveredAt?: Date;
  finishedAt?: Date;
}

/**
 * The attempt moved to `status`: its patch (rank, delivery and finish times, the error code and the AMD answer
 * when given), or null for a duplicate or a late, lower-ranked status — which then changes nothing.
 */
export function advanceAttempt(
  current: { statusRank: number },
  status: AttemptStatus,
  now: Date,
  extra: { errorCode?: number; answeredBy?: string } = {},
): AttemptChange | null {
  const rank = rankOf(status);
  if (rank <= current.statusRank) return null;
  const patch: AttemptChange = { status, statusRank: rank };
  if (extra.errorCode !== undefined) patch.errorCode = extra.errorCode;
  if (extra.answeredBy) patch.answeredBy = extra.answeredBy;
  // A text that arrived, or a call someone picked up, was delivered.
  if (status === 'delivered' || status === 'answered') patch.deliveredAt = now;
  if (isFinalAttemptStatus(status)) patch.finishedAt = now;
  return patch;
}
