import type { FormEvent } from 'react';
import { describedBy, FieldError } from './FieldError';

interface Props {
  sandbox: boolean;
  userInput: string;
  onUserInput: (value: string) => void;
  /** Live mode: the API key the visitor types (never handed out by the server there). */
  apiKey?: { value: string; onChange: (value: string) => void };
  errors: Record<string, string>;
  onLoad: (e: FormEvent) => void;
  /** Present once the loaded user's settings are in use: starts a sign-in and opens its status page. */
  onTrySignIn?: () => void;
  trying: boolean;
}

/**
 * What stands in for the customer's own sign-in system on this demo page: whose settings to show, and a way to
 * try a sign-in for them. A person managing their phones never sees it; it is labelled as the demo it is.
 */
export function DemoAccess({ sandbox, userInput, onUserInput, apiKey, errors, onLoad, onTrySignIn, trying }: Props) {
  return (
    <section className="demo-panel" aria-labelledby="demo-title" data-testid="demo-panel">
      <h2 id="demo-title" className="demo-panel__title">
        {sandbox ? 'Sandbox demo' : 'Demo'}: your sign-in system
      </h2>
      <p className="hint">
        This box plays the part of your own sign-in system, which calls Redial with its API key
        {sandbox ? (
          <>
            . No real calls or texts are made: they arrive in the{' '}
            <a href="/simulator" target="_blank" rel="noopener">
              phone simulator
            </a>{' '}
            (opens in a new tab).
          </>
        ) : (
          ': enter one to use this page.'
        )}
      </p>
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
