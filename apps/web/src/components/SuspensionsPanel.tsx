import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { SuspensionList } from '@redial/contracts';
import { errorMessage, request } from '../lib/api';
import { FieldError } from './FieldError';
import { Notice } from './Notice';

const REFRESH_MS = 5000;

/**
 * The SMS pumping guard's suspended number ranges (GET /v1/ops/suspensions), refreshed every few seconds, each
 * with a Release button (POST /v1/ops/suspensions/:prefix/release). A release is audited, so it asks who you are.
 */
export function SuspensionsPanel({ token }: { token: string }) {
  const [list, setList] = useState<SuspensionList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [operator, setOperator] = useState('');
  const [operatorError, setOperatorError] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const refresh = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setList(await request<SuspensionList>('GET', '/v1/ops/suspensions', { token, signal }));
        setError(null);
      } catch (err) {
        if (!signal?.aborted) setError(errorMessage(err));
      }
    },
    [token],
  );

  useEffect(() => {
    const controller = new AbortController();
    void refresh(controller.signal);
    const timer = window.setInterval(() => void refresh(controller.signal), REFRESH_MS);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [refresh]);

  const release = async (e: FormEvent, prefix: string, display: string) => {
    e.preventDefault();
    if (!operator.trim()) {
      setOperatorError('Enter your name: releases are recorded.');
      document.getElementById('release-operator')?.focus();
      return;
    }
    setBusy(prefix);
    setDone(null);
    try {
      await request('POST', `/v1/ops/suspensions/${encodeURIComponent(prefix)}/release`, { token, body: { operator: operator.trim() } });
      setDone(`Texts to ${display} flow again (released by ${operator.trim()}).`);
      await refresh();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const suspensions = list?.suspensions ?? [];
  const t = list?.thresholds;
  return (
    <div data-testid="suspensions">
      {t && (
        <p className="hint">
          A number range is paused when it has been sent {t.minSends} texts in {t.windowMin} minutes and fewer than{' '}
          {Math.round(t.conversionFloor * 100)}% of their codes were entered (possible SMS pumping). Its people are called
          instead where they have a phone for calls.
        </p>
      )}
      {error && (
        <Notice tone="error" testId="suspensions-error">
          <p>{error}</p>
        </Notice>
      )}
      {done && (
        <Notice tone="success" live testId="suspension-released">
          <p>{done}</p>
        </Notice>
      )}
      {suspensions.length === 0 ? (
        <p className="muted" data-testid="no-suspensions">
          No number range is suspended.
        </p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="release-operator">Your name (recorded with a release)</label>
            <input
              id="release-operator"
              value={operator}
              onChange={(e) => {
                setOperator(e.target.value);
                setOperatorError(undefined);
              }}
              autoComplete="name"
              data-testid="release-operator"
            />
            <FieldError id="release-operator-error" message={operatorError} />
          </div>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Number range</th>
                <th scope="col">Since</th>
                <th scope="col">Codes entered</th>
                <th scope="col">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {suspensions.map((s) => (
                <tr key={s.prefix} data-testid={`suspension-${s.prefix}`}>
                  <td className="num">{s.display}</td>
                  <td>{new Date(s.since).toLocaleTimeString()}</td>
                  <td className="num">
                    {s.verified} of {s.sent} in {s.windowMin} min
                  </td>
                  <td>
                    <form onSubmit={(e) => void release(e, s.prefix, s.display)}>
                      <button type="submit" className="button button--secondary" disabled={busy === s.prefix} data-testid={`release-${s.prefix}`}>
                        {busy === s.prefix ? 'Releasing…' : 'Release'}
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
