import { useState } from 'react';
import type { ChallengeView, CheckResult, UiConfig } from '@redial/contracts';
import { api, errorMessage } from '../lib/api';
import { countdown, currentStep, isFinal } from '../lib/format';
import { headline, statusTitle } from '../lib/status-text';
import { useLocation } from '../lib/router';
import { CodeEntry } from '../components/CodeEntry';
import { Icon, type IconName } from '../components/Icon';
import { Link } from '../components/Link';
import { LiveIndicator } from '../components/LiveIndicator';
import { Notice } from '../components/Notice';
import { Timeline } from '../components/Timeline';
import { useChallengeLive } from '../hooks/use-challenge-live';
import { useNow } from '../hooks/use-now';
import { usePageTitle } from '../hooks/use-page-title';

const FINAL_ICON: Record<string, IconName> = {
  approved: 'check',
  denied: 'stop',
  failed: 'cross',
  expired: 'clock',
  canceled: 'minus',
  max_attempts_reached: 'cross',
};

/**
 * The person's live status page, in its own minimal layout (App renders no navigation around it): the heading
 * names what is going on and, once it is over, the outcome; the live indicator shows only while it runs.
 */
export function StatusPage({ id, config }: { id: string; config: UiConfig }) {
  const { query } = useLocation();
  const token = query.get('token');
  const live = useChallengeLive(id, token, config.gatewayUrl);
  const c = live.challenge;
  const invalid = !token || (!c && live.invalid);
  const title = invalid ? INVALID_LINK_TITLE : statusTitle(c);
  usePageTitle(title);

  if (!token || invalid) return <InvalidLink />;
  const final = c !== null && isFinal(c.status);

  return (
    <div className="page page--status">
      <div className="status-head">
        <h1 tabIndex={-1} className="page__title" data-testid="status-title">
          {title}
        </h1>
        {!final && <LiveIndicator state={live.state} />}
      </div>

      <section
        className={`headline headline--${c?.status ?? 'loading'}`}
        data-testid="challenge-status"
        data-status={c?.status ?? 'loading'}
        aria-live="polite"
        aria-atomic="true"
      >
        {c && final && (
          <span className="headline__icon" data-testid="final-icon">
            <Icon name={FINAL_ICON[c.status]} />
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
            {final ? 'What happened' : "What's happened so far"}
          </h2>
          <Timeline challenge={c} />
        </section>
      )}
    </div>
  );
}

const INVALID_LINK_TITLE = "This link doesn't work";

/** A link without its token, with a bad one, or one that has expired with its verification: what to do now. */
function InvalidLink() {
  return (
    <div className="page page--status" data-testid="invalid-link">
      <h1 tabIndex={-1} className="page__title">
        {INVALID_LINK_TITLE}
      </h1>
      <Notice tone="error" title="The verification can't be shown">
        <p>
          A verification link works only while its verification runs (a few minutes), and only exactly as it was sent.
        </p>
      </Notice>
      <p className="next-step" data-testid="invalid-link-next">
        Go back to the sign-in page and start again. If you were changing your phone settings, open them again and
        save.
      </p>
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
        {hasNext && (
          <button
            type="button"
            className="button button--secondary"
            onClick={() => void act('advance')}
            disabled={busy !== null}
            data-testid="advance-button"
          >
            {busy === 'advance' ? 'Switching…' : 'Use a different verification option'}
          </button>
        )}
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
      {!hasNext && challenge.steps.length > 1 && (
        <p className="hint" data-testid="last-option">
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

/** What to do next, once it is over (the headline has said why). */
function FinalPanel({ challenge }: { challenge: ChallengeView }) {
  const approved = challenge.status === 'approved';
  const denied = challenge.status === 'denied';
  const signIn = challenge.purpose === 'sign_in';
  return (
    <section className={`card final final--${challenge.status}`} data-testid="final-panel" data-status={challenge.status} aria-label="What to do next">
      {denied && <p>If that wasn't you, change your password: someone else may know it.</p>}
      {signIn && <p className="next-step">{approved ? 'You can close this page.' : 'Go back to the sign-in page and start again.'}</p>}
      {!signIn && (
        <>
          {approved && (
            <p>
              {challenge.purpose === 'settings'
                ? "We'll use these phones next time you sign in."
                : "We'll use this phone if your primary phone can't be reached."}
            </p>
          )}
          {!approved && challenge.purpose === 'settings' && <p className="muted">Your previous settings are unchanged.</p>}
          <p>
            <Link href={`/?user=${encodeURIComponent(challenge.userId)}`} className="button button--secondary" data-testid="back-to-settings">
              {approved ? 'Back to your settings' : 'Back to your settings to try again'}
            </Link>
          </p>
        </>
      )}
    </section>
  );
}
