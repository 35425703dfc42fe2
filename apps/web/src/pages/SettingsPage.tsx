import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { flushSync } from 'react-dom';
import type { PhoneSettingsView, UiConfig } from '@redial/contracts';
import { api, ApiError, errorMessage, fieldErrors } from '../lib/api';
import { navigate, onThisOrigin, useLocation } from '../lib/router';
import {
  BACKUP_WHAT,
  edited,
  emptyPhone,
  fromView,
  MAX_BACKUPS,
  normaliseErrorPaths,
  swapBackupErrors,
  toSettingsInput,
  validate,
  validatePhone,
  type PhoneDraft,
} from '../lib/settings-form';
import { KEYS, local, session } from '../lib/storage';
import { DemoAccess, type DemoActor } from '../components/DemoAccess';
import { FieldError, fieldId } from '../components/FieldError';
import { Link } from '../components/Link';
import { Notice } from '../components/Notice';
import { AllowedCountries } from '../components/AllowedCountries';
import { PhoneFields } from '../components/PhoneFields';
import { SettingsStatus } from '../components/SettingsStatus';
import { usePageTitle } from '../hooks/use-page-title';

type Load =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'loaded'; settings: PhoneSettingsView | null }
  | { kind: 'error'; message: string };

const DEFAULT_USER = 'demo-user';
const KEY_REFUSED = "The API key wasn't accepted. Check it and load again.";
const OPERATOR_REFUSED = "The operator token wasn't accepted. Sign in again on the operators' dashboard, then come back in the same tab.";

export function SettingsPage({ config }: { config: UiConfig }) {
  usePageTitle('Security verification settings');
  const { query } = useLocation();
  const sender = config.senderCountry;
  const demoKey = config.sandbox ? config.demoApiKey : undefined;

  const [userId, setUserId] = useState(() => query.get('user') || local.get(KEYS.userId) || DEFAULT_USER);
  const [userInput, setUserInput] = useState(userId);
  const [apiKey, setApiKey] = useState(() => demoKey ?? session.get(KEYS.apiKey) ?? '');
  /** Live mode: the operator signed in on /ops in this tab (sessionStorage), whom the demo box acts as unless told otherwise. */
  const [operatorToken] = useState(() => (demoKey ? null : session.get(KEYS.operatorToken)));
  const [asOperator, setAsOperator] = useState(operatorToken !== null);
  const [load, setLoad] = useState<Load>({ kind: 'idle' });
  const [primary, setPrimary] = useState<PhoneDraft>(() => emptyPhone(sender));
  const [backups, setBackups] = useState<PhoneDraft[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  /** A sign-in or a backup's verification being started (the key of that backup), before the page moves on. */
  const [starting, setStarting] = useState<string | null>(null);
  /** Said (politely) after a backup moved, since the focus stays on its button. */
  const [moved, setMoved] = useState('');
  const errorSummary = useRef<HTMLDivElement>(null);

  const actor: DemoActor = demoKey ? 'sandbox' : asOperator ? 'operator' : 'api-key';
  const needsKey = actor === 'api-key';
  /** What the demo box calls Redial with. An operator may load a user and start a sign-in, not save or verify a phone. */
  const credential = actor === 'operator' ? (operatorToken as string) : apiKey;
  const firstTime = load.kind === 'loaded' && (!load.settings || (!load.settings.primary && !load.settings.pending));
  const verified = load.kind === 'loaded' && load.settings?.status === 'verified';

  const fill = useCallback(
    (settings: PhoneSettingsView | null) => {
      const pending = settings?.pending;
      const source = pending ?? (settings?.primary ? { primary: settings.primary, backups: settings.backups } : null);
      setPrimary(source ? fromView(source.primary, sender) : emptyPhone(sender));
      // Only backups of the settings in use can be verified on their own (the API names them by index).
      setBackups(source ? source.backups.map((b, i) => fromView(b, sender, pending ? undefined : i)) : []);
      setErrors({});
    },
    [sender],
  );

  const loadSettings = useCallback(
    async (id: string, key: string, signal?: AbortSignal) => {
      if (!key) {
        setLoad({ kind: 'error', message: 'Enter the API key to load settings.' });
        return;
      }
      setLoad({ kind: 'loading' });
      setFormError(null);
      setSaved(null);
      try {
        const settings = await api.getPhones(id, key, signal);
        setLoad({ kind: 'loaded', settings });
        fill(settings);
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof ApiError && err.status === 404) {
          setLoad({ kind: 'loaded', settings: null });
          fill(null);
        } else if (err instanceof ApiError && err.isAuth) {
          setLoad({ kind: 'error', message: asOperator ? OPERATOR_REFUSED : KEY_REFUSED });
        } else {
          setLoad({ kind: 'error', message: errorMessage(err) });
        }
      }
    },
    [fill, asOperator],
  );

  useEffect(() => {
    const controller = new AbortController();
    local.set(KEYS.userId, userId);
    if (query.get('user') !== userId) {
      const q = new URLSearchParams(window.location.search);
      q.set('user', userId);
      navigate(`/?${q.toString()}`, { replace: true });
    }
    if (credential) void loadSettings(userId, credential, controller.signal);
    else {
      setLoad({ kind: 'idle' });
      fill(null);
    }
    return () => controller.abort();
    // A new user id, or acting as someone else, reloads by itself; a changed API key waits for "Load settings".
  }, [userId, asOperator]); // eslint-disable-line react-hooks/exhaustive-deps

  // Back/forward or a link to `/?user=…` picks that user.
  const queryUser = query.get('user');
  useEffect(() => {
    if (queryUser && queryUser !== userId) {
      setUserId(queryUser);
      setUserInput(queryUser);
    }
  }, [queryUser]); // eslint-disable-line react-hooks/exhaustive-deps

  const chooseUser = (e: FormEvent) => {
    e.preventDefault();
    const id = userInput.trim();
    if (!id) return;
    if (needsKey) session.set(KEYS.apiKey, apiKey);
    if (id === userId) void loadSettings(id, credential);
    else setUserId(id);
  };

  const clearError = (...paths: string[]) =>
    setErrors((current) => {
      if (!paths.some((p) => Object.keys(current).some((k) => k === p || k.startsWith(`${p}.`)))) return current;
      const next = { ...current };
      for (const key of Object.keys(next)) if (paths.some((p) => key === p || key.startsWith(`${p}.`))) delete next[key];
      return next;
    });

  const changePrimary = (patch: Partial<PhoneDraft>) => {
    setPrimary((p) => edited(p, patch));
    clearError(...Object.keys(patch).map((k) => `primary.${k}`), 'primary');
  };
  const changeBackup = (index: number, patch: Partial<PhoneDraft>) => {
    setBackups((list) => list.map((b, i) => (i === index ? edited(b, patch) : b)));
    clearError(...Object.keys(patch).map((k) => `backups[${index}].${k}`), `backups[${index}]`);
  };
  /** Validation on blur: a problem with the field just left shows at once (an empty one waits for Save). */
  const checkField = (path: string, draft: PhoneDraft, what: string) => (field: 'number' | 'extension') => {
    const message = validatePhone(draft, path, what, true)[`${path}.${field}`];
    if (message) setErrors((current) => ({ ...current, [`${path}.${field}`]: message }));
  };
  /**
   * Swaps two neighbouring backups; the focus stays on the button that moved it, wherever that now is. The swap is
   * rendered before the handler returns (flushSync), so the focus has moved by the time the key press or click is over —
   * never a moment later, when a screen reader or the next key press would find it on the page's body.
   */
  const moveBackup = (from: number, to: number) => {
    flushSync(() => {
      setBackups((list) => list.map((b, i) => (i === from ? list[to] : i === to ? list[from] : b)));
      setErrors((current) => swapBackupErrors(current, from, to));
      setMoved(`Backup phone ${from + 1} is now backup phone ${to + 1}.`);
    });
    const direction = to < from ? 'up' : 'down';
    const other = direction === 'up' ? 'down' : 'up';
    const id = fieldId(`backups[${to}]`);
    (document.getElementById(`move-${direction}-${id}`) ?? document.getElementById(`move-${other}-${id}`))?.focus();
  };
  /** Starts a challenge (a sign-in, a backup's verification) and opens its status page; a refusal stays here. */
  const start = async (key: string, errorPath: string, begin: () => Promise<{ statusUrl: string }>) => {
    setStarting(key);
    clearError(errorPath);
    try {
      navigate(onThisOrigin((await begin()).statusUrl));
    } catch (err) {
      setErrors((current) => ({ ...current, [errorPath]: errorMessage(err) }));
      setStarting(null);
    }
  };
  const addBackup = () => {
    flushSync(() => {
      setBackups((list) => (list.length >= MAX_BACKUPS ? list : [...list, emptyPhone(sender, list.length === 0 ? 'office' : 'mobile')]));
      clearError('backups');
    });
    // The new phone is rendered: its number takes the focus.
    document.getElementById(`backups-${backups.length}-number`)?.focus();
  };
  const removeBackup = (index: number) => {
    flushSync(() => {
      setBackups((list) => list.filter((_, i) => i !== index));
      // Indexes after the removed phone shift, so old errors no longer point at the right control.
      setErrors((current) => Object.fromEntries(Object.entries(current).filter(([k]) => !k.startsWith('backups'))));
    });
    document.getElementById('add-backup')?.focus();
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    setSaved(null);
    const problems = validate(primary, backups);
    setErrors(problems);
    if (Object.keys(problems).length > 0) {
      focusFirstError(problems);
      return;
    }
    if (!apiKey) {
      setErrors({ apiKey: 'Enter the API key.' });
      focusFirstError({ apiKey: '' });
      return;
    }
    setSaving(true);
    try {
      const result = await api.putPhones(userId, apiKey, toSettingsInput(primary, backups));
      setLoad({ kind: 'loaded', settings: result });
      if (result.verification?.statusUrl) {
        navigate(onThisOrigin(result.verification.statusUrl));
        return;
      }
      fill(result);
      setSaved('Saved.');
    } catch (err) {
      if (err instanceof ApiError && !err.isNetwork) {
        const byField = normaliseErrorPaths(fieldErrors(err));
        if (err.isAuth) byField.apiKey = "The API key wasn't accepted.";
        const known = Object.keys(byField).filter((k) => document.getElementById(fieldIdFor(k)));
        setErrors(byField);
        if (known.length === 0 || !err.field) setFormError(err.message || errorMessage(err));
        else setFormError(null);
        if (known.length > 0) focusFirstError(byField);
        else errorSummary.current?.focus();
      } else {
        setFormError(errorMessage(err));
        errorSummary.current?.focus();
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page page--settings">
      <h1 tabIndex={-1} className="page__title">
        Security verification settings
      </h1>
      <p className="lede">
        When you sign in, we check it's really you by calling or texting your phone. Choose the phones we should use.
      </p>

      <DemoAccess
        actor={actor}
        userInput={userInput}
        onUserInput={setUserInput}
        apiKey={
          needsKey
            ? {
                value: apiKey,
                onChange: (value) => {
                  setApiKey(value);
                  clearError('apiKey');
                },
              }
            : undefined
        }
        onSwitchActor={operatorToken ? () => setAsOperator((is) => !is) : undefined}
        errors={errors}
        onLoad={chooseUser}
        onTrySignIn={
          verified ? () => void start('sign-in', 'signIn', () => api.startSignIn(userId, credential)) : undefined
        }
        trying={starting === 'sign-in'}
      />

      <div className="load-state" aria-live="polite">
        {load.kind === 'loading' && <p className="muted" data-testid="settings-loading">Loading settings for {userId}…</p>}
        {load.kind === 'error' && (
          <Notice tone="error" title="Couldn't load the settings" testId="settings-load-error">
            <p>{load.message}</p>
            <button type="button" className="button button--secondary" onClick={() => void loadSettings(userId, credential)}>
              Try again
            </button>
          </Notice>
        )}
      </div>

      {load.kind === 'loaded' && <SettingsStatus settings={load.settings} firstTime={firstTime} />}

      {actor !== 'operator' && (
        <form className="settings-form" onSubmit={save} noValidate data-testid="settings-form" aria-labelledby="phones-heading">
          <h2 id="phones-heading" className="section-title">
            {firstTime ? 'Set up your phones' : 'Your phones'}
          </h2>
          <AllowedCountries smsCountries={config.smsCountries} callCountries={config.callCountries} />

          <PhoneFields
            path="primary"
            title="Primary phone"
            hint="A mobile phone works best, so you can verify wherever you are."
            draft={primary}
            errors={errors}
            senderCountry={sender}
            onChange={changePrimary}
            onCheck={checkField('primary', primary, 'your primary phone number')}
          />

          <section className="backups" aria-labelledby="backups-heading">
            <h3 id="backups-heading" className="section-title section-title--small">
              Backup phones <span className="muted">({backups.length} of {MAX_BACKUPS})</span>
            </h3>
            <p className="hint">
              If we can't reach your primary phone, we try these in order — so a lost or flat phone doesn't lock you out. A
              desk phone at work is a good choice.
            </p>
            {backups.map((b, i) => (
              <PhoneFields
                key={b.key}
                path={`backups[${i}]`}
                title={`Backup phone ${i + 1}`}
                draft={b}
                errors={errors}
                senderCountry={sender}
                onChange={(patch) => changeBackup(i, patch)}
                onCheck={checkField(`backups[${i}]`, b, BACKUP_WHAT)}
                onRemove={() => removeBackup(i)}
                onMoveUp={i > 0 ? () => moveBackup(i, i - 1) : undefined}
                onMoveDown={i < backups.length - 1 ? () => moveBackup(i, i + 1) : undefined}
                onVerify={
                  b.savedIndex === undefined
                    ? undefined
                    : () => void start(b.key, `backups[${i}].verify`, () => api.verifyBackup(userId, b.savedIndex as number, apiKey))
                }
                verifying={starting === b.key}
              />
            ))}
            <p className="sr-only" aria-live="polite" data-testid="backup-moved">
              {moved}
            </p>
            <FieldError id="backups-error" message={errors.backups} />
            <button
              type="button"
              id="add-backup"
              className="button button--secondary"
              onClick={addBackup}
              disabled={backups.length >= MAX_BACKUPS}
              data-testid="add-backup"
            >
              {backups.length >= MAX_BACKUPS ? `Up to ${MAX_BACKUPS} backup phones` : '+ Add a backup phone'}
            </button>
          </section>

          {backups.length === 0 && (
            <Notice tone="warning" title="Add a backup phone?" testId="no-backup-notice">
              <p>
                With no backup phone, a lost or dead primary phone means you can't sign in. We recommend adding one before
                you save — you can still save without it.
              </p>
            </Notice>
          )}

          <div ref={errorSummary} tabIndex={-1} className="form-feedback" aria-live="polite">
            {formError && (
              <Notice tone="error" title="Your settings weren't saved" testId="save-error">
                <p>{formError}</p>
              </Notice>
            )}
            {saved && (
              <Notice tone="success" testId="save-success">
                <p>{saved}</p>
              </Notice>
            )}
          </div>

          <div className="actions">
            <button type="submit" className="button button--primary" disabled={saving} data-testid="save-settings">
              {saving ? 'Saving…' : 'Save and verify'}
            </button>
            <p className="hint">
              We'll {primary.method === 'sms' ? 'text a code to' : 'call'} your primary phone right away. Your new settings
              take effect once that works.
            </p>
          </div>
        </form>
      )}
      <p className="footnote">
        Operators: see the <Link href="/ops">dashboard</Link>.
      </p>
    </div>
  );
}

const fieldIdFor = (path: string): string =>
  path === 'apiKey' ? 'api-key' : path === 'userId' ? 'user-id' : path.replace(/[[\].]+/g, '-').replace(/-+$/, '');

function focusFirstError(errors: Record<string, string>): void {
  window.setTimeout(() => {
    for (const path of Object.keys(errors)) {
      const el = document.getElementById(fieldIdFor(path)) ?? document.querySelector<HTMLElement>(`[name="${fieldIdFor(path)}"]`);
      if (el) {
        el.focus();
        return;
      }
    }
  }, 0);
}
