import type { FormEvent } from 'react';
import { describedBy, FieldError } from './FieldError';
import { Link } from './Link';

/**
 * Whom the box calls Redial as: the sandbox's demo API key, an API key the visitor types (live mode: the server
 * never hands one out), or the operator signed in on /ops in this tab (live mode: the operator token).
 */
export type DemoActor = 'sandbox' | 'api-key' | 'operator';

interface Props {
  actor: DemoActor;
  userInput: string;
  onUserInput: (value: string) => void;
  /** `api-key`: the key the visitor types. */
  apiKey?: { value: string; onChange: (value: string) => void };
  /** Live mode with an operator signed in in this tab: switches between acting as the operator and an API key. */
  onSwitchActor?: () => void;
  errors: Record<string, string>;
  onLoad: (e: FormEvent) => void;
  /** Present once the loaded user's settings are in use: starts a sign-in and opens its status page. */
  onTrySignIn?: () => void;
  trying: boolean;
}

const TITLES: Record<DemoActor, string> = {
  sandbox: 'Sandbox demo: your sign-in system',
  'api-key': 'Demo: your sign-in system',
  operator: 'Demo: your sign-in system, as the signed-in operator',
};

/**
 * What stands in for the customer's own sign-in system on this demo page: whose settings to show, and a way to
 * try a sign-in for them. A person managing their phones never sees it; it is labelled as the demo it is.
 */
export function DemoAccess({ actor, userInput, onUserInput, apiKey, onSwitchActor, errors, onLoad, onTrySignIn, trying }: Props) {
  return (
    <section className="demo-panel" aria-labelledby="demo-title" data-testid="demo-panel">
      <h2 id="demo-title" className="demo-panel__title">
        {TITLES[actor]}
      </h2>
      <p className="hint" data-testid="demo-actor" data-actor={actor}>
        This box plays the part of your own sign-in system, which calls Redial with its API key
        {actor === 'sandbox' && (
          <>
            . No real calls or texts are made: they arrive in the{' '}
            <a href="/simulator" target="_blank" rel="noopener">
              phone simulator
            </a>{' '}
            (opens in a new tab).
          </>
        )}
        {actor === 'api-key' && (
          <>
            : enter one to use this page.
            {!onSwitchActor && (
              <>
                {' '}
                Operators can instead <Link href="/ops">sign in on the dashboard</Link>, then come back here in the same
                tab to try a sign-in without one.
              </>
            )}
          </>
        )}
        {actor === 'operator' &&
          ". You're signed in as an operator in this tab, so it uses your operator token instead: it shows a user's phones masked and can try a sign-in. Changing their phones takes an API key."}
      </p>
      {onSwitchActor && (
        <p>
          <button type="button" className="button button--quiet" onClick={onSwitchActor} data-testid="switch-actor">
            {actor === 'operator' ? 'Use an API key instead' : 'Act as the signed-in operator'}
          </button>
        </p>
      )}
      <form className="user-picker" onSubmit={onLoad} aria-label="Whose settings" data-testid="user-form">
        <div className="field">
          <label htmlFor="user-id">User id</label>
          <input
            id="user-id"
            value={userInput}
            onChange={(e) => onUserInput(e.target.value)}
            autoComplete="username"
            spellCheck={false}
            aria-invalid={errors.userId ? true : undefined}
            aria-describedby={describedBy(errors.userId && 'userId-error')}
            data-testid="user-id"
          />
          <FieldError id="userId-error" message={errors.userId} />
        </div>
        {apiKey && (
          <div className="field">
            <label htmlFor="api-key">API key</label>
            <input
              id="api-key"
              type="password"
              value={apiKey.value}
              onChange={(e) => apiKey.onChange(e.target.value)}
              autoComplete="off"
              aria-invalid={errors.apiKey ? true : undefined}
              aria-describedby={describedBy(errors.apiKey && 'apiKey-error')}
              data-testid="api-key"
            />
            <FieldError id="apiKey-error" message={errors.apiKey} />
          </div>
        )}
        <button type="submit" className="button button--secondary" data-testid="load-settings">
          Load settings
        </button>
      </form>
      {onTrySignIn && (
        <div className="demo-panel__try">
          <button type="button" className="button button--primary" onClick={onTrySignIn} disabled={trying} data-testid="try-sign-in">
            {trying ? 'Starting…' : 'Try a sign-in'}
          </button>
          <FieldError id="signIn-error" message={errors.signIn} />
          <p className="hint">Starts a sign-in for this user, as your sign-in system would, and opens the page the person watches.</p>
        </div>
      )}
    </section>
  );
}
