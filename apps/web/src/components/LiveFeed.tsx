import type { FeedEntry } from '../hooks/use-ops-live';
import { currentStep, formatTime, humanize, shortId } from '../lib/format';
import { StatusBadge } from './StatusBadge';

/**
 * The latest challenges, updated in place; each row opens the detail view. A dashboard that connects gets the
 * last events at once (the gateway's backfill), so a reload does not empty it.
 */
export function LiveFeed({ feed, onSelect }: { feed: FeedEntry[]; onSelect: (id: string) => void }) {
  return (
    <div className="feed" data-testid="ops-feed" data-count={feed.length}>
      {feed.length === 0 ? (
        <p className="muted feed__empty" data-testid="feed-empty">
          No events yet.
        </p>
      ) : (
        <div className="feed__row feed__row--head" aria-hidden="true">
          <span>Time</span>
          <span>Challenge</span>
          <span>Phone</span>
          <span>Status</span>
          <span>Last event</span>
        </div>
      )}
      <p id="feed-row-hint" className="sr-only">
        Opens the challenge's details.
      </p>
      <ul className="feed__list" aria-label="Latest challenges">
        {feed.map((e) => {
          const step = currentStep(e.challenge);
          return (
            <li key={e.challenge.id}>
              <button
                type="button"
                className="feed__row"
                onClick={() => onSelect(e.challenge.id)}
                data-testid="feed-row"
                data-challenge-id={e.challenge.id}
                data-status={e.challenge.status}
                aria-describedby="feed-row-hint"
              >
                <time className="num" dateTime={e.at}>
                  {formatTime(e.at)}
                </time>
                <code className="feed__id">{shortId(e.challenge.id)}</code>
                <span className="num feed__phone">{step?.phone ?? '—'}</span>
                <StatusBadge status={e.challenge.status} />
                <span className="feed__event">{humanize(e.type.replace(/^challenge\./, ''))}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
