import type { AttemptView, ChallengeStatus, ChallengeView, ContactMethod, PhoneLabel, PhoneRole, StepStatus, StepView } from '@redial/contracts';
import type { ChallengeRecord } from '@redial/database';

/** The outside shape of a challenge. Phones appear masked only. */
export function toChallengeView(record: ChallengeRecord, maxWrongCodes: number): ChallengeView {
  const steps: StepView[] = record.steps.map((s) => {
    const attempts: AttemptView[] = record.attempts
      .filter((a) => a.stepIndex === s.index)
      .map((a) => {
        const view: AttemptView = { attemptNo: a.attemptNo, status: a.status, at: a.updatedAt.toISOString() };
        if (a.errorCode !== null) view.errorCode = a.errorCode;
        if (a.reason !== null) view.reason = a.reason;
        return view;
      });
    const step: StepView = {
      index: s.index,
      role: s.role as PhoneRole,
      phone: s.masked,
      method: s.method as ContactMethod,
      status: s.status as StepStatus,
      attempts,
    };
    if (s.reason !== null) step.reason = s.reason;
    if (s.label !== null) step.label = s.label as PhoneLabel;
    return step;
  });
  const view: ChallengeView = {
    id: record.id,
    userId: record.userId,
    purpose: record.purpose as ChallengeView['purpose'],
    status: record.status as ChallengeStatus,
    currentStep: record.currentStep,
    expiresAt: record.expiresAt.toISOString(),
    createdAt: record.createdAt.toISOString(),
    attemptsLeft: Math.max(0, maxWrongCodes - record.wrongCodes),
    seq: record.lastSeq,
    steps,
  };
  if (record.approvedAt) view.approvedAt = record.approvedAt.toISOString();
  return view;
}
