/**
 * Plain-language reasons a step or an attempt did not succeed. They travel in `Step.reason` and
 * `attempt.reason` (CONTRACT.md), so the web UI and operators read the same words: the codes and their texts
 * are declared once in libs/contracts (enums.constants.ts, failure-reasons.ts), which the web imports too.
 */
import { FAILURE_REASONS, type FailureReasonCode, isFailureReason, reasonLabel } from '@redial/contracts';

export { FAILURE_REASONS, isFailureReason };

export type FailureReason = FailureReasonCode;

/** A short sentence for the reason; an unknown code (say, from a newer server) is made readable, not hidden. */
export function describeReason(reason: string): string {
  return reasonLabel(reason);
}
