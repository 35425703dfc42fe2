import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { ChallengeView, CheckResult } from '@redial/contracts';
import { api, errorMessage } from '../lib/api';
import { plural } from '../lib/format';
import { describedBy } from './FieldError';

interface Props {
  challenge: ChallengeView;
  token: string;
  onResult: (result: CheckResult) => void;
}

interface OtpCredentialLike {
  code?: string;
}

/** The 6-digit code box for a texted code; WebOTP fills it where the browser supports it. */
export function CodeEntry({ challenge, token, onResult }: Props) {
  const [code, setCode] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [left, setLeft] = useState<number | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const attemptsLeft = Math.min(challenge.attemptsLeft, left ?? Number.POSITIVE_INFINITY);

  const submit = async (value: string): Promise<void> => {
    if (!/^\d{6}$/.test(value)) {
      setMessage('Enter the 6 digits from the text message.');
      input.current?.focus();
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const result = await api.checkCode(challenge.id, token, value);
      setLeft(result.attemptsLeft);
      if (result.status === 'pending') {
        // How many tries are left is the line under the box (attempts-left), which this updates.
        setMessage("That code didn't work. Check the text and try again.");
        setCode('');
        input.current?.focus();
      }
      onResult(result);
    } catch (err) {
      setMessage(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  // WebOTP: the text's last line is `@host #code`; Chromium on Android offers to fill it in.
  useEffect(() => {
    if (!('OTPCredential' in window) || !navigator.credentials) return;
    const controller = new AbortController();
    const options = { otp: { transport: ['sms'] }, signal: controller.signal } as CredentialRequestOptions;
    navigator.credentials
      .get(options)
      .then((credential) => {
        const otp = (credential as OtpCredentialLike | null)?.code;
        if (otp && /^\d{6}$/.test(otp)) {
          setCode(otp);
          void submit(otp);
        }
      })
      .catch(() => {});
    return () => controller.abort();
    // One request per code step.
  }, [challenge.id, challenge.currentStep]); // eslint-disable-line react-hooks/exhaustive-deps

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(code);
  };

  return (
    <form className="code-entry" onSubmit={onSubmit} data-testid="code-form" noValidate>
      <label htmlFor="code" className="code-entry__label">
        Enter the 6-digit code
      </label>
      <div className="code-entry__row">
        <input
          ref={input}
          id="code"
          className="code-entry__input"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
          aria-invalid={message ? true : undefined}
          aria-describedby={describedBy('attempts-left', message && 'code-message')}
          data-testid="code-input"
          autoFocus
        />
        <button type="submit" className="button button--primary" disabled={busy} data-testid="code-submit">
          {busy ? 'Checking…' : 'Verify'}
        </button>
      </div>
      <p className="hint" id="attempts-left" data-testid="attempts-left" data-attempts-left={attemptsLeft}>
        {plural(attemptsLeft, 'attempt')} left
      </p>
      <p className="code-entry__message" id="code-message" role="alert" data-testid="code-message">
        {message}
      </p>
    </form>
  );
}
