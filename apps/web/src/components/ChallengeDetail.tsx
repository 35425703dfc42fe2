import { useEffect, useRef } from 'react';
import type { AttemptView, OpsChallengeSummary, StepView } from '@redial/contracts';
import { reasonLabel } from '@redial/contracts/failure-reasons';
import { formatDateTime, formatTime, humanize } from '../lib/format';

type Times = NonNullable<OpsChallengeSummary['attemptTimes']>[number];

/** "+1.2 s" after the challenge was created: support reads the order and the gaps at a glance. */
function since(createdAt: string, iso: string | undefined): string {
  if (!iso) return '';
  const ms = new Date(iso).getTime() - new Date(createdAt).getTime();
  return ms < 1000 ? `+${Math.max(0, ms)} ms` : `+${(ms / 1000).toFixed(1)} s`;
}

function When({ challenge, iso }: { challenge: OpsChallengeSummary; iso: string | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} className="num">
      {formatTime(iso)} <span className="muted">({since(challenge.createdAt, iso)})</span>
    </time>
  );
}

/** `busy` → "busy — The line was busy"; the code first, as logs and Twilio's console show it. */
function Reason({ reason }: { reason: string | undefined }) {
  if (!reason) return <span className="muted">—</span>;
  return (
    <>
      <code>{reason}</code> — {reasonLabel(reason)}
    </>
  );
}

function AttemptFacts({ challenge, step, attempt }: { challenge: OpsChallengeSummary; step: StepView; attempt: AttemptView }) {
  const key = (x: { step: number; attemptNo: number }) => x.step === step.index && x.attemptNo === attempt.attemptNo;
  const sid = challenge.providerSids?.find(key)?.sid;
  const cost = challenge.costs?.find(key);
  const times: Times | undefined = challenge.attemptTimes?.find(key);
  return (
    <li className="ops-attempt" data-testid="detail-attempt" data-step={step.index} data-attempt={attempt.attemptNo} data-status={attempt.status}>
      <h4 className="ops-attempt__title">
        Attempt {attempt.attemptNo} · <code>{attempt.status}</code>
      </h4>
      <dl className="facts facts--compact">
        <div>
          <dt>Provider SID</dt>
          <dd>{sid ? <code data-testid="detail-sid">{sid}</code> : <span className="muted">none (nothing reached the provider)</span>}</dd>
        </div>
        <div>
          <dt>Reason</dt>
          <dd data-testid="detail-reason">
            <Reason reason={attempt.reason} />
          </dd>
        </div>
        <div>
          <dt>Error code</dt>
          <dd className="num" data-testid="detail-error-code">
            {attempt.errorCode ?? <span className="muted">—</span>}
          </dd>
        </div>
        <div>
          <dt>Queued</dt>
          <dd>
            <When challenge={challenge} iso={times?.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Sent</dt>
          <dd>
            <When challenge={challenge} iso={times?.sentAt} />
          </dd>
        </div>
        <div>
          <dt>{step.method === 'call' ? 'Answered' : 'Delivered'}</dt>
          <dd>
            <When challenge={challenge} iso={times?.deliveredAt} />
            {times?.answeredBy && <span className="muted"> by {humanize(times.answeredBy)}</span>}
          </dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>
            <When challenge={challenge} iso={times?.finishedAt ?? attempt.at} />
          </dd>
        </div>
        <div>
          <dt>Cost (estimate)</dt>
          <dd className="num">{cost?.usd != null ? `$${cost.usd.toFixed(4)} · ${cost.units} ${step.method === 'call' ? 'min' : 'segment(s)'}` : '—'}</dd>
        </div>
      </dl>
    </li>
  );
}

/**
 * Everything support needs about one challenge, in the operator's words (status codes, reasons with their codes,
 * provider SIDs and error codes, times from creation), in a modal dialog: it opens in view wherever the page is
 * scrolled, takes the focus, and gives it back on close (Esc or the Close button).
 */
export function ChallengeDetail({ challenge, note, onClose }: { challenge: OpsChallengeSummary; note?: string | null; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    heading.current?.focus();
  }, [challenge.id]);

  return (
    <dialog
      ref={dialog}
      className="detail-dialog"
      data-testid="ops-detail"
      data-challenge-id={challenge.id}
      aria-labelledby="detail-heading"
      onClose={onClose}
    >
      <div className="detail__head">
        <h2 id="detail-heading" className="card__title" tabIndex={-1} ref={heading}>
          Challenge <code>{challenge.id}</code>
        </h2>
        <button type="button" className="button button--secondary" onClick={() => dialog.current?.close()} data-testid="detail-close">
          Close
        </button>
      </div>
      {note && (
        <p className="muted" role="status" data-testid="detail-note">
          {note}
        </p>
      )}
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <code data-testid="detail-status">{challenge.status}</code>
          </dd>
        </div>
        <div>
          <dt>User</dt>
          <dd>
            <code>{challenge.userId}</code>
          </dd>
        </div>
        <div>
          <dt>Purpose</dt>
          <dd>
            <code>{challenge.purpose}</code>
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd className="num">{formatDateTime(challenge.createdAt)}</dd>
        </div>
        <div>
          <dt>{challenge.finishedAt ? 'Finished' : 'Expires'}</dt>
          <dd>
            {challenge.finishedAt ? <When challenge={challenge} iso={challenge.finishedAt} /> : <span className="num">{formatDateTime(challenge.expiresAt)}</span>}
          </dd>
        </div>
        <div>
          <dt>Wrong codes left</dt>
          <dd className="num">{challenge.attemptsLeft}</dd>
        </div>
        {challenge.costUsd !== undefined && (
          <div>
            <dt>Cost (estimate)</dt>
            <dd className="num">${challenge.costUsd.toFixed(4)}</dd>
          </div>
        )}
      </dl>
      <ol className="ops-steps" aria-label="Steps">
        {challenge.steps.map((step) => (
          <li key={step.index} className="ops-step" data-testid="detail-step" data-step={step.index} data-status={step.status}>
            <h3 className="ops-step__title">
              Step {step.index + 1} · {step.role}
              {step.label ? ` (${step.label})` : ''} · {step.method === 'call' ? 'call' : 'text'} to <span className="phone-masked num">{step.phone}</span>
              {' · '}
              <code>{step.status}</code>
            </h3>
            {step.reason && (
              <p className="ops-step__reason">
                Step reason: <Reason reason={step.reason} />
              </p>
            )}
            {step.attempts.length === 0 ? (
              <p className="muted">No attempt: {step.status === 'waiting' ? 'never reached.' : 'none was made.'}</p>
            ) : (
              <ol className="ops-attempts">
                {step.attempts.map((a) => (
                  <AttemptFacts key={a.attemptNo} challenge={challenge} step={step} attempt={a} />
                ))}
              </ol>
            )}
          </li>
        ))}
      </ol>
    </dialog>
  );
}
