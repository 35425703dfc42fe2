import { useEffect, useRef } from 'react';
import type { OpsChallengeSummary } from '@redial/contracts';
import { formatDateTime, humanize } from '../lib/format';
import { StatusBadge } from './StatusBadge';
import { Timeline } from './Timeline';

/** Everything support needs about one challenge: times, steps, attempts, reasons and provider SIDs. */
export function ChallengeDetail({
  challenge,
  note,
  onClose,
}: {
  challenge: OpsChallengeSummary;
  note?: string | null;
  onClose: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
    heading.current?.scrollIntoView({ block: 'nearest' });
  }, [challenge.id]);
  return (
    <section className="card detail" data-testid="ops-detail" data-challenge-id={challenge.id} aria-labelledby="detail-heading">
      <div className="detail__head">
        <h2 id="detail-heading" className="card__title" tabIndex={-1} ref={heading}>
          Challenge <code>{challenge.id}</code>
        </h2>
        <button type="button" className="button button--quiet" onClick={onClose} data-testid="detail-close">
          Close
        </button>
      </div>
      {note && <p className="muted">{note}</p>}
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={challenge.status} />
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
          <dd>{humanize(challenge.purpose)}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd className="num">{formatDateTime(challenge.createdAt)}</dd>
        </div>
        <div>
          <dt>{challenge.approvedAt ? 'Approved' : 'Expires'}</dt>
          <dd className="num">{formatDateTime(challenge.approvedAt ?? challenge.expiresAt)}</dd>
        </div>
        <div>
          <dt>Code attempts left</dt>
          <dd className="num">{challenge.attemptsLeft}</dd>
        </div>
      </dl>
      <Timeline challenge={challenge} detailed providerSids={challenge.providerSids} />
    </section>
  );
}
