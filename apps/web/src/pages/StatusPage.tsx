import { useState } from 'react';
import type { ChallengeView, CheckResult, UiConfig } from '@redial/contracts';
import { api, errorMessage } from '../lib/api';
import { countdown, currentStep, headline, isFinal, reasonText } from '../lib/format';
import { useLocation } from '../lib/router';
import { CodeEntry } from '../components/CodeEntry';
import { Link } from '../components/Link';
import { LiveIndicator } from '../components/LiveIndicator';
import { Notice } from '../components/Notice';
import { Timeline } from '../components/Timeline';
import { useChallengeLive } from '../hooks/use-challenge-live';
import { useNow } from '../hooks/use-now';
import { usePageTitle } from '../hooks/use-page-title';

const FINAL_ICON: Record<string, string> = {
  approved: '✓',
  denied: '⛔',
  failed: '×',
  expired: '⌛',
  canceled: '–',
  max_attempts_reached: '×',
};

export function StatusPage({ id, config }: { id: string; config: UiConfig }) {
  const { query } = useLocation();
  const token = query.get('token');
  const live = useChallengeLive(id, token, config.gatewayUrl);
  const c = live.challenge;
  usePageTitle(c?.purpose === 'sign_in' ? 'Signing in' : 'Verifying your phone');

  if (!token) {
    return (
      <div className="page page--status">
        <h1 tabIndex={-1} className="page__title">Verification status</h1>
        <Notice tone="error" title="This link is missing its token" testId="status-error">
          <p>Open the link exactly as you were given it, or start again from your settings.</p>
          <p>
            <Link href="/">Go to your settings</Link>
          </p>
        </Notice>
      </div>
    );
  }

  return (
    <div className="page page--status">
      <div className="status-head">
        <h1 tabIndex={-1} className="page__title">
          {c?.purpose === 'sign_in' ? 'Signing you in' : 'Verifying your phone'}
        </h1>
        <LiveIndicator state={live.state} />
      </div>

      <section
        className={`headline headline--${c?.status ?? 'loading'}`}
        data-testid="challenge-status"
        data-status={c?.status ?? 'loading'}
        aria-live="polite"
        aria-atomic="true"
      >
        {c && isFinal(c.status) && (
          <span className="headline__icon" aria-hidden="true">
            {FINAL_ICON[c.status]}
          </span>
        )}
        <p className="headline__text" data-testid="challenge-headline">
          {c ? headline(c) : live.error ? "We couldn't load this verification." : 'Loading your verification…'}
        </p>
      </section>

      {live.error && (
        <Notice tone="error" testId="status-error">
          <p>{live.error}</p>
        </Notice>
      )}

      {c && (c.status === 'pending' ? <PendingActions challenge={c} token={token} live={live} /> : <FinalPanel challenge={c} />)}

      {c && (
        <section className="card" aria-labelledby="timeline-heading">
          <h2 id="timeline-heading" className="card__title">
            What's happened so far
          </h2>
          <Timeline challenge={c} />
        </section>
      )}
    </div>
  );
}

function PendingActions({
  challenge,
  token,
  live,
}: {
  challenge: ChallengeView;
  token: string;
  live: { replace: (c: ChallengeView) => void; refresh: () => Promise<void> };
}) {
  const [busy, setBusy] = useState<'advance' | 'cancel' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow(1000);
  const step = currentStep(challenge);
  const codeStep = step?.method === 'sms' && step.status === 'active';
  const hasNext = challenge.steps.some((s) => s.index > challenge.currentStep && s.status === 'waiting');

  const act = async (kind: 'advance' | 'cancel'): Promise<void> => {
    setBusy(kind);
    setError(null);
    try {
      live.replace(kind === 'advance' ? await api.advance(challenge.id, token) : await api.cancel(challenge.id, token));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  const onChecked = (result: CheckResult): void => {
    if (result.status !== 'pending') void live.refresh();
  };

  return (
    <section className="card actions-card" aria-label="What you can do">
      <p className="expires" data-testid="expires-in">
        Expires in <span className="num">{countdown(challenge.expiresAt, now)}</span>
      </p>
      {codeStep && (
        <CodeEntry key={`${challenge.id}-${challenge.currentStep}`} challenge={challenge} token={token} onResult={onChecked} />
      )}
      {step?.method === 'call' && (
        <p className="hint" data-testid="call-help">
          Answer the call and press <kbd>#</kbd> to approve. If you didn't ask for this, press <kbd>0</kbd> then <kbd>#</kbd>{' '}
          to report fraud.
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void act('advance')}
          disabled={busy !== null || !hasNext}
          aria-describedby={hasNext ? undefined : 'no-more-options'}
          data-testid="advance-button"
        >
          {busy === 'advance' ? 'Switching…' : 'Use a different verification option'}
        </button>
        <button
          type="button"
          className="button button--quiet"
          onClick={() => void act('cancel')}
          disabled={busy !== null}
          data-testid="cancel-button"
        >
          {busy === 'cancel' ? 'Canceling…' : 'Cancel'}
        </button>
      </div>
      {!hasNext && (
        <p className="hint" id="no-more-options">
          This is your last verification option.
        </p>
      )}
      {error && (
        <Notice tone="error" testId="action-error">
          <p>{error}</p>
        </Notice>
      )}
    </section>
  );
}

function FinalPanel({ challenge }: { challenge: ChallengeView }) {
  const back = `/?user=${encodeURIComponent(challenge.userId)}`;
  const failedSteps = challenge.steps.filter((s) => s.status === 'failed');
  return (
    <section className={`card final final--${challenge.status}`} data-testid="final-panel" data-status={challenge.status}>
      {challenge.status === 'approved' && (
        <p>{challenge.purpose === 'settings' ? "You're all set. We'll use these phones next time you sign in." : 'You can close this page.'}</p>
      )}
      {challenge.status === 'denied' && (
        <p>
          Someone pressed 0 then # to report the call as fraud. If that wasn't you, change your password — someone else may
          know it.
        </p>
      )}
      {challenge.status === 'failed' && (
        <>
          <p>Here's what happened with each phone:</p>
          <ul className="plain-list" data-testid="failure-reasons">
            {failedSteps.map((s) => (
              <li key={s.index}>
                {s.role === 'primary' ? 'Primary' : 'Backup'} phone {s.phone}: {reasonText(s.reason) || 'it failed'}
              </li>
            ))}
          </ul>
        </>
      )}
      {challenge.status === 'max_attempts_reached' && <p>For your safety, no more codes can be tried for this verification.</p>}
      {challenge.status === 'expired' && <p>Verifications only last a few minutes. Start a new one to try again.</p>}
      {challenge.status !== 'approved' && challenge.purpose === 'settings' && (
        <p className="muted">Your previous settings are unchanged.</p>
      )}
      <p>
        <Link href={back} className="button button--secondary" data-testid="back-to-settings">
          {challenge.status === 'approved' ? 'Back to your settings' : 'Back to your settings to try again'}
        </Link>
      </p>
    </section>
  );
}
