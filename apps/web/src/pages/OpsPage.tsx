import { useEffect, useState, type FormEvent, type MouseEvent } from 'react';
import type { OpsChallengeSummary, UiConfig } from '@redial/contracts';
import { COUNTER_WINDOWS } from '@redial/contracts/ops-counters';
import { api, ApiError, errorMessage } from '../lib/api';
import { useLocation } from '../lib/router';
import { KEYS, session } from '../lib/storage';
import { AlertsList } from '../components/AlertsList';
import { SuspensionsPanel } from '../components/SuspensionsPanel';
import { ChallengeDetail } from '../components/ChallengeDetail';
import { Link } from '../components/Link';
import { CountryTable } from '../components/CountryTable';
import { describedBy, FieldError } from '../components/FieldError';
import { LiveFeed } from '../components/LiveFeed';
import { LiveIndicator } from '../components/LiveIndicator';
import { MinuteChart } from '../components/MinuteChart';
import { Notice } from '../components/Notice';
import { OpsSearch } from '../components/OpsSearch';
import { QueueTable } from '../components/QueueTable';
import { StatTiles } from '../components/StatTiles';
import { SpendPanel } from '../components/SpendPanel';
import { useOpsLive } from '../hooks/use-ops-live';
import { usePageTitle } from '../hooks/use-page-title';

/** Where Bull Board lives; the api answers this page there when the board has no operator session. */
const QUEUE_BOARD = '/ops/queues';

/** Opens the queue board: its session cookie first (renewed at every click), then the page. */
async function openQueueBoard(token: string): Promise<void> {
  await api.openBoardSession(token);
  window.location.assign(QUEUE_BOARD);
}

export function OpsPage({ config }: { config: UiConfig }) {
  usePageTitle('Operators');
  const { path } = useLocation();
  const forBoard = path === QUEUE_BOARD || path.startsWith(`${QUEUE_BOARD}/`);
  const [token, setToken] = useState<string | null>(() => session.get(KEYS.operatorToken));
  const [notice, setNotice] = useState<string | null>(forBoard ? 'Sign in to open the queue admin (Bull Board).' : null);

  const signIn = (t: string): void => {
    session.set(KEYS.operatorToken, t);
    setNotice(null);
    setToken(t);
    // Signing in made the board's session: back to the board that sent the operator here.
    if (forBoard) window.location.assign(QUEUE_BOARD);
  };
  const signOut = (message: string | null = null): void => {
    if (token) void api.closeBoardSession(token).catch(() => undefined);
    session.remove(KEYS.operatorToken);
    setNotice(message);
    setToken(null);
  };

  if (token && forBoard) return <BoardGate token={token} onSignOut={signOut} />;
  if (!token) return <OpsLogin onSignIn={signIn} notice={notice} sandbox={config.sandbox} />;
  return <Dashboard key={token} token={token} gatewayUrl={config.gatewayUrl} onSignOut={signOut} />;
}

/** The queue board refused this browser (no session yet, or an old one): one click makes one and opens it. */
function BoardGate({ token, onSignOut }: { token: string; onSignOut: (message?: string | null) => void }) {
  const [error, setError] = useState<string | null>(null);
  const open = (): void => {
    setError(null);
    openQueueBoard(token).catch((err: unknown) => {
      if (err instanceof ApiError && err.isAuth) onSignOut('Your operator token was refused. Sign in again.');
      else setError(errorMessage(err));
    });
  };
  return (
    <div className="page page--narrow">
      <h1 tabIndex={-1} className="page__title">
        Queue admin
      </h1>
      <div className="card" data-testid="board-gate">
        <p>The queue admin (Bull Board) opens with the session of this dashboard.</p>
        {error && (
          <p className="field__error" role="alert">
            {error}
          </p>
        )}
        <div className="button-row">
          <button type="button" className="button button--primary" onClick={open} data-testid="board-gate-open">
            Open the queue admin
          </button>
          <Link href="/ops" className="button button--secondary">
            Back to the dashboard
          </Link>
        </div>
      </div>
    </div>
  );
}

function OpsLogin({ onSignIn, notice, sandbox }: { onSignIn: (token: string) => void; notice: string | null; sandbox: boolean }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const t = value.trim();
    if (!t) {
      setError('Enter the operator token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.opsStats(t);
      // The queue board's session, so the dashboard's "Queue admin" link opens it.
      await api.openBoardSession(t);
      onSignIn(t);
    } catch (err) {
      if (err instanceof ApiError && err.isAuth) setError("That token wasn't accepted.");
      else setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page page--narrow">
      <h1 tabIndex={-1} className="page__title">Operators</h1>
      {notice && (
        <Notice tone="warning" testId="ops-login-notice">
          <p>{notice}</p>
        </Notice>
      )}
      <form className="card" onSubmit={(e) => void submit(e)} data-testid="ops-login" noValidate>
        <div className="field">
          <label htmlFor="operator-token">Operator token</label>
          <input
            id="operator-token"
            type="password"
            autoComplete="current-password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy('operator-token-hint', error && 'operator-token-error')}
            data-testid="operator-token"
          />
          <p className="hint" id="operator-token-hint">
            The server's <code>OPERATOR_TOKEN</code>.{sandbox ? ' In sandbox mode it defaults to dev-operator-token.' : ''} It is
            kept for this browser tab only.
          </p>
          <FieldError id="operator-token-error" message={error ?? undefined} />
        </div>
        <button type="submit" className="button button--primary" disabled={busy} data-testid="ops-login-submit">
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}

function Dashboard({
  token,
  gatewayUrl,
  onSignOut,
}: {
  token: string;
  gatewayUrl: string;
  onSignOut: (message?: string | null) => void;
}) {
  const live = useOpsLive(token, gatewayUrl);
  const [detail, setDetail] = useState<OpsChallengeSummary | null>(null);
  const [detailNote, setDetailNote] = useState<string | null>(null);

  useEffect(() => {
    if (live.unauthorized) onSignOut('Your operator token was refused. Sign in again.');
  }, [live.unauthorized, onSignOut]);

  // A plain click renews the board's session first; a new tab or window uses the one made at sign-in.
  const openBoard = (e: MouseEvent<HTMLAnchorElement>): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    openQueueBoard(token).catch((err: unknown) => {
      if (err instanceof ApiError && err.isAuth) onSignOut('Your operator token was refused. Sign in again.');
    });
  };

  const openFromFeed = async (id: string): Promise<void> => {
    const fromFeed = live.feed.find((e) => e.challenge.id === id)?.challenge;
    if (fromFeed) setDetail(fromFeed);
    setDetailNote('Loading provider details…');
    try {
      const page = await api.opsChallenges(token, { query: id });
      const found = page.items.find((c) => c.id === id);
      if (found) {
        setDetail(found);
        setDetailNote(null);
      } else {
        setDetailNote('Provider SIDs are not available for this challenge.');
      }
    } catch (err) {
      setDetailNote(`Couldn't load provider details: ${errorMessage(err)}`);
    }
  };

  return (
    <div className="page page--ops">
      <div className="ops-head">
        <h1 tabIndex={-1} className="page__title">Operators</h1>
        <LiveIndicator state={live.state} />
        <div className="ops-head__links">
          <a href={QUEUE_BOARD} className="button button--secondary" onClick={openBoard} data-testid="bull-board-link">
            Queue admin (Bull Board)
          </a>
          <button type="button" className="button button--quiet" onClick={() => onSignOut()} data-testid="ops-sign-out">
            Sign out
          </button>
        </div>
      </div>

      {live.error && (
        <Notice tone="error" testId="ops-error">
          <p>{live.error}</p>
        </Notice>
      )}

      <section className="card" aria-labelledby="alerts-heading">
        <h2 id="alerts-heading" className="card__title">
          Alerts
        </h2>
        <div aria-live="polite">
          <AlertsList alerts={live.alerts} />
        </div>
      </section>

      <section className="card" aria-labelledby="suspensions-heading">
        <h2 id="suspensions-heading" className="card__title">
          Suspended number ranges
        </h2>
        <SuspensionsPanel token={token} />
      </section>

      <section className="card" aria-labelledby="queues-heading">
        <h2 id="queues-heading" className="card__title">
          Queues <span className="muted num stats-at">{live.stats ? `at ${new Date(live.stats.at).toLocaleTimeString()}` : ''}</span>
        </h2>
        <QueueTable stats={live.stats} />
      </section>

      <section className="card" aria-labelledby="chart-heading">
        <h2 id="chart-heading" className="card__title">
          Per minute <span className="card__window">· {COUNTER_WINDOWS.hour.label}</span>
        </h2>
        <MinuteChart buckets={live.stats?.perMinute ?? []} window={COUNTER_WINDOWS.hour.label} />
      </section>

      <StatTiles stats={live.stats} />

      <section className="card" aria-labelledby="countries-heading">
        <h2 id="countries-heading" className="card__title">
          By country <span className="card__window">· {COUNTER_WINDOWS.hour.label}</span>
        </h2>
        <CountryTable stats={live.stats} window={COUNTER_WINDOWS.hour.label} />
      </section>

      <section className="card" aria-labelledby="spend-heading">
        <h2 id="spend-heading" className="card__title">
          Spend (estimated)
        </h2>
        <SpendPanel spend={live.stats?.spend} />
      </section>

      <section className="card" aria-labelledby="feed-heading">
        <h2 id="feed-heading" className="card__title">
          Live feed
        </h2>
        <LiveFeed feed={live.feed} onSelect={(id) => void openFromFeed(id)} />
      </section>

      <section className="card" aria-labelledby="search-heading">
        <h2 id="search-heading" className="card__title">
          Find a challenge
        </h2>
        <OpsSearch
          token={token}
          onSelect={(c) => {
            setDetailNote(null);
            setDetail(c);
          }}
        />
      </section>

      {detail && <ChallengeDetail challenge={detail} note={detailNote} onClose={() => setDetail(null)} />}
    </div>
  );
}
