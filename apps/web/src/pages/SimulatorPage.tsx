import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { UiConfig } from '@redial/contracts';
import { errorMessage } from '../lib/api';
import { useConfig } from '../lib/config';
import { sandbox, toE164, type SandboxBehaviour, type SandboxInbox, type SandboxNumber } from '../lib/sandbox';
import { KEYS, local } from '../lib/storage';
import { describedBy, FieldError } from '../components/FieldError';
import { Notice } from '../components/Notice';
import { Keys, SimNumberCard } from '../components/SimNumberCard';
import { usePageTitle } from '../hooks/use-page-title';

const POLL_MS = 1000;

function loadWatched(): string[] {
  try {
    const parsed: unknown = JSON.parse(local.get(KEYS.watchedNumbers) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function SimulatorPage({ config }: { config: UiConfig }) {
  usePageTitle('Phone simulator');
  const { error: configError } = useConfig();
  if (!config.sandbox) {
    return (
      <div className="page">
        <h1 tabIndex={-1} className="page__title">Phone simulator</h1>
        <Notice tone={configError ? 'error' : 'info'} testId="sim-unavailable">
          <p>
            {configError
              ? "This page couldn't tell whether the server runs in sandbox mode, because its configuration didn't load."
              : 'The phone simulator only exists in sandbox mode (when no Twilio credentials are set). Real phones receive the calls and texts here.'}
          </p>
        </Notice>
      </div>
    );
  }
  return <Simulator />;
}

function Simulator() {
  const [numbers, setNumbers] = useState<SandboxNumber[]>([]);
  const [inboxes, setInboxes] = useState<Record<string, SandboxInbox>>({});
  const [watched, setWatched] = useState<string[]>(loadWatched);
  const [overrides, setOverrides] = useState<Record<string, SandboxBehaviour>>({});
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [input, setInput] = useState('');
  const [inputError, setInputError] = useState<string | null>(null);
  const order = useRef<string[]>([]);
  const seenOnce = useRef(false);
  const watchedRef = useRef(watched);
  watchedRef.current = watched;
  const pollNow = useRef<() => void>(() => {});

  useEffect(() => {
    let disposed = false;
    let timer: number | undefined;
    let running = false;
    let again = false;
    const controller = new AbortController();
    // One request chain at a time; "poll now" during a poll just shortens the wait after it.
    const poll = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      window.clearTimeout(timer);
      try {
        const list = await sandbox.numbers(controller.signal);
        const known = new Set(list.map((n) => n.e164));
        const all = [...list, ...watchedRef.current.filter((e) => !known.has(e)).map((e164) => ({ e164, behaviour: {} }))];
        const boxes = await Promise.all(
          all.map((n) => sandbox.inbox(n.e164, controller.signal).catch(() => ({ messages: [], calls: [] }) as SandboxInbox)),
        );
        if (disposed) return;
        // Keep cards where they are; numbers that show up later (just texted or called) go on top.
        const fresh = all.map((n) => n.e164).filter((e) => !order.current.includes(e));
        order.current = seenOnce.current ? [...fresh, ...order.current] : [...order.current, ...fresh];
        seenOnce.current = true;
        setNumbers(all);
        setInboxes(Object.fromEntries(all.map((n, i) => [n.e164, boxes[i]])));
        setOverrides((current) => dropConfirmed(current, list));
        setError(null);
      } catch (err) {
        if (disposed) return;
        setError(`The sandbox isn't answering. ${errorMessage(err)}`);
      } finally {
        running = false;
        if (!disposed) {
          setLoaded(true);
          timer = window.setTimeout(() => void poll(), again ? 0 : POLL_MS);
          again = false;
        }
      }
    };
    pollNow.current = () => void poll();
    void poll();
    return () => {
      disposed = true;
      controller.abort();
      window.clearTimeout(timer);
    };
  }, []);

  const saveWatched = (list: string[]): void => {
    setWatched(list);
    local.set(KEYS.watchedNumbers, JSON.stringify(list));
  };

  const addNumber = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const e164 = toE164(input);
    if (!e164) {
      setInputError('Enter a number in international format, like +15555550123.');
      return;
    }
    setInputError(null);
    setInput('');
    if (!watched.includes(e164)) saveWatched([...watched, e164]);
    if (!order.current.includes(e164)) order.current = [e164, ...order.current];
    setNumbers((list) => (list.some((n) => n.e164 === e164) ? list : [...list, { e164, behaviour: {} }]));
    pollNow.current();
  };

  const setBehaviour = useCallback(async (e164: string, patch: SandboxBehaviour): Promise<void> => {
    setOverrides((o) => ({ ...o, [e164]: { ...o[e164], ...patch } }));
    try {
      await sandbox.setBehaviour(e164, patch);
    } catch (err) {
      setOverrides((o) => {
        const next = { ...o };
        delete next[e164];
        return next;
      });
      throw err;
    }
  }, []);

  const sorted = [...numbers].sort((a, b) => order.current.indexOf(a.e164) - order.current.indexOf(b.e164));
  const ringing = sorted.filter((n) => inboxes[n.e164]?.calls.some((c) => c.awaitingDigits)).map((n) => n.e164);

  return (
    <div className="page page--simulator">
      <h1 tabIndex={-1} className="page__title">Phone simulator</h1>
      <p className="lede">
        Phones in the sandbox: the texts they received (newest first, code in bold) and the calls made to them.
      </p>
      <Notice tone="info" title="Tip">
        <p>
          Set a number's calls to <strong>Interactive</strong> to answer its calls yourself: the phone rings on
          this page and you press <Keys keys="#" /> to approve, or <Keys keys="0" /> then <Keys keys="#" /> to report fraud.
        </p>
        <p>
          Each number's <strong>network delay</strong> is how long the sandbox waits before a text arrives or a call
          starts ringing (and how long it rings): 100 ms unless set with <code>PUT /sandbox/numbers</code>.
        </p>
      </Notice>

      <form className="card add-number" onSubmit={(e) => void addNumber(e)} data-testid="sim-add-form">
        <div className="field">
          <label htmlFor="sim-add">Watch a number</label>
          <input
            id="sim-add"
            type="tel"
            inputMode="tel"
            placeholder="+15555550123"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            aria-invalid={inputError ? true : undefined}
            aria-describedby={describedBy('sim-add-hint', inputError && 'sim-add-error')}
            data-testid="sim-add-input"
          />
          <p className="hint" id="sim-add-hint">
            Numbers appear here by themselves once Redial texts or calls them; add one to set its behaviour first.
          </p>
          <FieldError id="sim-add-error" message={inputError ?? undefined} />
        </div>
        <button type="submit" className="button button--secondary" data-testid="sim-add-submit">
          Watch
        </button>
      </form>

      <div aria-live="polite" className="sr-only" data-testid="sim-announcer">
        {ringing.length > 0 ? `Incoming call on ${ringing.join(', ')}` : ''}
      </div>
      {error && (
        <Notice tone="error" testId="sim-error">
          <p>{error}</p>
        </Notice>
      )}
      {loaded && sorted.length === 0 && !error && (
        <p className="muted empty" data-testid="sim-empty">
          No numbers yet. Save phone settings or start a sign-in, and the phones it contacts appear here.
        </p>
      )}
      {!loaded && <p className="muted empty">Loading the sandbox…</p>}

      <div className="sim-grid">
        {sorted.map((n) => (
          <SimNumberCard
            key={n.e164}
            number={n}
            inbox={inboxes[n.e164]}
            behaviour={{ ...n.behaviour, ...overrides[n.e164] }}
            onBehaviour={(patch) => setBehaviour(n.e164, patch)}
            onDigitsSent={() => pollNow.current()}
            onForget={watched.includes(n.e164) ? () => saveWatched(watched.filter((w) => w !== n.e164)) : undefined}
          />
        ))}
      </div>
    </div>
  );
}

/** Forget local choices once the sandbox reports the same values. */
function dropConfirmed(overrides: Record<string, SandboxBehaviour>, list: SandboxNumber[]): Record<string, SandboxBehaviour> {
  let changed = false;
  const next: Record<string, SandboxBehaviour> = {};
  for (const [e164, o] of Object.entries(overrides)) {
    const server = list.find((n) => n.e164 === e164)?.behaviour;
    const confirmed = server && (o.sms === undefined || o.sms === server.sms) && (o.voice === undefined || o.voice === server.voice);
    if (confirmed) changed = true;
    else next[e164] = o;
  }
  return changed ? next : overrides;
}
