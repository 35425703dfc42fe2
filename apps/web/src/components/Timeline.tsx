import type { ChallengeView, StepView } from '@redial/contracts';
import { formatTime } from '../lib/format';
import { attemptText, stepOutcome, stepReason, stepSentence } from '../lib/status-text';
import { Icon, type IconName } from './Icon';
import { StatusBadge } from './StatusBadge';

const MARKER: Record<string, IconName> = { active: 'dot', succeeded: 'check', failed: 'cross', skipped: 'minus' };

interface Props {
  challenge: ChallengeView;
  /** Operators: error codes and provider SIDs per attempt. */
  detailed?: boolean;
  providerSids?: Array<{ step: number; attemptNo: number; sid: string | null }>;
}

/** Steps in order, each with its attempts; keyed by index and attempt number, so a new view never duplicates. */
export function Timeline({ challenge, detailed = false, providerSids = [] }: Props) {
  const steps = [...challenge.steps].sort((a, b) => a.index - b.index);
  const sid = (step: number, attemptNo: number): string | null | undefined =>
    providerSids.find((s) => s.step === step && s.attemptNo === attemptNo)?.sid;
  return (
    <ol className="timeline" data-testid="timeline">
      {steps.map((step) => (
        <TimelineStep
          key={step.index}
          step={step}
          challenge={challenge}
          current={challenge.status === 'pending' && step.index === challenge.currentStep}
          detailed={detailed}
          sid={sid}
        />
      ))}
    </ol>
  );
}

function TimelineStep({
  step,
  challenge,
  current,
  detailed,
  sid,
}: {
  step: StepView;
  challenge: ChallengeView;
  current: boolean;
  detailed: boolean;
  sid: (step: number, attemptNo: number) => string | null | undefined;
}) {
  const attempts = [...step.attempts].sort((a, b) => a.attemptNo - b.attemptNo);
  return (
    <li
      className={`timeline__step timeline__step--${step.status}${current ? ' timeline__step--current' : ''}`}
      data-testid={`step-${step.index}`}
      data-status={step.status}
      data-role={step.role}
      data-method={step.method}
      aria-current={current ? 'step' : undefined}
    >
      <span className="timeline__marker" aria-hidden="true">
        {MARKER[step.status] && <Icon name={MARKER[step.status]} />}
      </span>
      <div className="timeline__body">
        <p className="timeline__sentence" data-testid={`step-${step.index}-sentence`}>
          {stepSentence(step, challenge)}
        </p>
        <p className="timeline__meta">
          <StatusBadge status={step.status} label={stepOutcome(step, challenge)} />
          <span className="timeline__method">{step.method === 'sms' ? 'Text message' : 'Voice call'}</span>
          {stepReason(step) && <span className="muted">{stepReason(step)}</span>}
        </p>
        {attempts.length > 0 && (
          <ul className="attempts" aria-label={`Attempts for step ${step.index + 1}`}>
            {attempts.map((a) => {
              const providerSid = detailed ? sid(step.index, a.attemptNo) : undefined;
              return (
                <li key={a.attemptNo} data-testid={`step-${step.index}-attempt-${a.attemptNo}`} data-status={a.status}>
                  <span className="attempts__no">Attempt {a.attemptNo}</span>
                  <span className="attempts__status">{attemptText(a)}</span>
                  <time className="attempts__time" dateTime={a.at}>
                    {formatTime(a.at)}
                  </time>
                  {detailed && (
                    <span className="attempts__detail">
                      <span>status {a.status}</span>
                      {a.errorCode !== undefined && <span>error {a.errorCode}</span>}
                      {a.reason && <span>reason {a.reason}</span>}
                      <span>SID {providerSid ?? '—'}</span>
                    </span>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </div>
    </li>
  );
}
