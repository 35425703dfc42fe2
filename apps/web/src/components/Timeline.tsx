import type { ChallengeView, StepView } from '@redial/contracts';
import { formatTime } from '../lib/format';
import { attemptText, stepOutcome, stepReason, stepSentence } from '../lib/status-text';
import { Icon, type IconName } from './Icon';
import { StatusBadge } from './StatusBadge';

const MARKER: Record<string, IconName> = { active: 'dot', succeeded: 'check', failed: 'cross', skipped: 'minus' };

/**
 * The person's view of a challenge: steps in order, each with its attempts; keyed by index and attempt number, so a
 * new view never duplicates. (Operators see theirs in ChallengeDetail.)
 */
export function Timeline({ challenge }: { challenge: ChallengeView }) {
  const steps = [...challenge.steps].sort((a, b) => a.index - b.index);
  return (
    <ol className="timeline" data-testid="timeline">
      {steps.map((step) => (
        <TimelineStep
          key={step.index}
          step={step}
          challenge={challenge}
          current={challenge.status === 'pending' && step.index === challenge.currentStep}
        />
      ))}
    </ol>
  );
}

function TimelineStep({ step, challenge, current }: { step: StepView; challenge: ChallengeView; current: boolean }) {
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
            {attempts.map((a) => (
              <li key={a.attemptNo} data-testid={`step-${step.index}-attempt-${a.attemptNo}`} data-status={a.status}>
                <span className="attempts__no">Attempt {a.attemptNo}</span>
                <span className="attempts__status">{attemptText(a)}</span>
                <time className="attempts__time" dateTime={a.at}>
                  {formatTime(a.at)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
}
