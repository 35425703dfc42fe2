import { useState, type FormEvent } from 'react';
import type { ChallengeStatus, OpsChallengeSummary } from '@redial/contracts';
import { CHALLENGE_STATUSES } from '@redial/contracts/enums.constants';
import { api, errorMessage, type OpsSearchParams } from '../lib/api';
import { currentStep, formatDateTime, shortId, statusLabel } from '../lib/format';
import { StatusBadge } from './StatusBadge';

const STATUSES: readonly ChallengeStatus[] = CHALLENGE_STATUSES;

const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/** Search challenges (id, user, masked phone — whatever the API matches), filter by status and time. */
export function OpsSearch({ token, onSelect }: { token: string; onSelect: (c: OpsChallengeSummary) => void }) {
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [items, setItems] = useState<OpsChallengeSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | undefined>();
  const [params, setParams] = useState<OpsSearchParams>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const run = async (p: OpsSearchParams, append: boolean): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const page = await api.opsChallenges(token, p);
      setItems((current) => (append && current ? [...current, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const p: OpsSearchParams = { query: query.trim(), status, from: toIso(from), to: toIso(to) };
    setParams(p);
    void run(p, false);
  };

  return (
    <div className="search" data-testid="ops-search">
      <form className="search__form" onSubmit={submit} role="search" aria-label="Search challenges">
        <div className="field search__query">
          <label htmlFor="ops-query">Challenge id, user id or phone</label>
          <input
            id="ops-query"
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            spellCheck={false}
            data-testid="ops-search-input"
          />
        </div>
        <div className="field">
          <label htmlFor="ops-status">Status</label>
          <select id="ops-status" value={status} onChange={(e) => setStatus(e.target.value)} data-testid="ops-search-status">
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ops-from">From</label>
          <input id="ops-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="ops-search-from" />
        </div>
        <div className="field">
          <label htmlFor="ops-to">To</label>
          <input id="ops-to" type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} data-testid="ops-search-to" />
        </div>
        <button type="submit" className="button button--primary" disabled={busy} data-testid="ops-search-submit">
          {busy && !cursor ? 'Searching…' : 'Search'}
        </button>
      </form>

      <div aria-live="polite" className="search__status">
        {error && (
          <p className="field__error" role="alert" data-testid="ops-search-error">
            {error}
          </p>
        )}
        {items && !error && (
          <p className="muted" data-testid="ops-search-count">
            {items.length === 0 ? 'No challenges match.' : `${items.length}${cursor ? '+' : ''} found.`}
          </p>
        )}
      </div>

      {items && items.length > 0 && (
        <ul className="results" data-testid="ops-search-results">
          {items.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className="result"
                onClick={() => onSelect(c)}
                data-testid="ops-result"
                data-challenge-id={c.id}
                data-status={c.status}
              >
                <code>{shortId(c.id)}</code>
                <span className="result__user">{c.userId}</span>
                <span className="num">{currentStep(c)?.phone ?? '—'}</span>
                <StatusBadge status={c.status} />
                <span className="muted num">{formatDateTime(c.createdAt)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void run({ ...params, cursor }, true)}
          disabled={busy}
          data-testid="ops-search-more"
        >
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
