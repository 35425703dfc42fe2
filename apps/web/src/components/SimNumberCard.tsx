import { useState } from 'react';
import { errorMessage } from '../lib/api';
import { attemptStatusText, formatTime, plural } from '../lib/format';
import {
  e164Digits,
  newestFirst,
  sandbox,
  SMS_BEHAVIOURS,
  VOICE_BEHAVIOURS,
  type SandboxBehaviour,
  type SandboxCall,
  type SandboxInbox,
  type SandboxNumber,
} from '../lib/sandbox';
import { Keypad } from './Keypad';

const SMS_TEXT: Record<string, string> = {
  deliver: 'Deliver',
  undelivered: 'Undelivered',
  failed: 'Failed',
  silent: 'Silent (no status)',
};
const VOICE_TEXT: Record<string, string> = {
  'press-pound': 'Press # (approve)',
  'report-fraud': 'Press 0# (fraud)',
  interactive: 'Interactive',
  'no-answer': 'No answer',
  busy: 'Busy',
  voicemail: 'Voicemail',
  silence: 'Silence',
  failed: 'Failed',
};

function PhoneIcon() {
  return (
    <svg className="ringing__bell" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.46.57 3.6a1 1 0 0 1-.25 1z"
      />
    </svg>
  );
}

/**
 * A call's state in the words of the person's status page: both read Twilio's call status (the sandbox's here,
 * the status callback Redial stored there) through the same text, so an answered call reads "answered" on both.
 */
const callState = (c: Pick<SandboxCall, 'status' | 'awaitingDigits'>): string =>
  `${attemptStatusText(c.status)}${c.awaitingDigits ? ' — waiting for keys' : ''}`;

/** Keys as key caps that never break across lines. */
export function Keys({ keys }: { keys: string }) {
  return (
    <span className="keys">
      {[...keys].map((k, i) => (
        <kbd key={i}>{k}</kbd>
      ))}
    </span>
  );
}

const codeIn = (body: string): string | null => body.match(/(?:^|\D)(\d{6})(?!\d)/)?.[1] ?? null;

interface Props {
  number: SandboxNumber;
  inbox: SandboxInbox | undefined;
  behaviour: SandboxBehaviour;
  onBehaviour: (patch: SandboxBehaviour) => Promise<void>;
  onDigitsSent: () => void;
  onForget?: () => void;
}

/** One simulated phone: what it received, how it behaves, and a ringing panel for interactive calls. */
export function SimNumberCard({ number, inbox, behaviour, onBehaviour, onDigitsSent, onForget }: Props) {
  const digits = e164Digits(number.e164);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const messages = newestFirst(inbox?.messages ?? []);
  const calls = newestFirst(inbox?.calls ?? []);
  // The keypad is up while a Gather listens, and for the rest of an answered call too: keys typed between
  // prompts wait in the sandbox for the next Gather, as a caller types ahead.
  const ringing =
    calls.find((c) => c.awaitingDigits) ??
    (behaviour.voice === 'interactive' ? calls.find((c) => c.status === 'in-progress') : undefined);

  const change = (patch: SandboxBehaviour): void => {
    setError(null);
    onBehaviour(patch).catch((err: unknown) => setError(errorMessage(err)));
  };
  const send = async (keys: string): Promise<void> => {
    if (!ringing) return;
    setSending(true);
    setError(null);
    try {
      await sandbox.sendDigits(ringing.sid, keys);
      onDigitsSent();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <article
      className={`card sim-card${ringing ? ' sim-card--ringing' : ''}`}
      data-testid={`sim-number-${digits}`}
      data-e164={number.e164}
      aria-labelledby={`sim-${digits}-title`}
    >
      <header className="sim-card__head">
        <h2 id={`sim-${digits}-title`} className="sim-card__number num">
          {number.e164}
        </h2>
        <p className="muted sim-card__counts" data-testid={`sim-counts-${digits}`}>
          <span className="num">{plural(messages.length, 'text')}</span> · <span className="num">{plural(calls.length, 'call')}</span>
          {behaviour.delayMs !== undefined && (
            <>
              {' · '}
              <span className="nowrap" title="How long the sandbox waits before a text arrives or a call starts ringing, and how long it rings">
                network delay <span className="num">{behaviour.delayMs} ms</span>
              </span>
            </>
          )}
        </p>
      </header>

      <div className="sim-card__behaviour">
        <div className="field field--compact">
          <label htmlFor={`sim-${digits}-sms`}>Texts</label>
          <select
            id={`sim-${digits}-sms`}
            value={behaviour.sms ?? 'deliver'}
            onChange={(e) => change({ sms: e.target.value })}
            data-testid={`sim-sms-${digits}`}
          >
            {SMS_BEHAVIOURS.map((b) => (
              <option key={b} value={b}>
                {SMS_TEXT[b]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--compact">
          <label htmlFor={`sim-${digits}-voice`}>Calls</label>
          <select
            id={`sim-${digits}-voice`}
            value={behaviour.voice ?? 'press-pound'}
            onChange={(e) => change({ voice: e.target.value })}
            data-testid={`sim-voice-${digits}`}
          >
            {VOICE_BEHAVIOURS.map((b) => (
              <option key={b} value={b}>
                {VOICE_TEXT[b]}
              </option>
            ))}
          </select>
        </div>
      </div>

      {error && (
        <p className="field__error" role="alert">
          {error}
        </p>
      )}

      {ringing && (
        <section className="ringing" data-testid="sim-ringing" data-call-sid={ringing.sid} aria-label={`Incoming call on ${number.e164}`}>
          <p className="ringing__title">
            <PhoneIcon />
            {ringing.awaitingDigits ? (
              <span>
                Call {attemptStatusText(ringing.status)} — Redial is asking you to press <Keys keys="#" />
              </span>
            ) : (
              <span>Call {attemptStatusText(ringing.status)} — keys you press now wait for the next prompt</span>
            )}
          </p>
          <Keypad key={ringing.sid} onSend={(keys) => void send(keys)} disabled={sending} />
        </section>
      )}

      <h3 className="sim-card__subtitle">Texts</h3>
      {/* Scrolls on its own: focusable, so a keyboard can scroll it too. */}
      <ol className="sim-list" data-testid={`sim-messages-${digits}`} tabIndex={0} aria-label={`Texts to ${number.e164}`}>
        {messages.length === 0 && <li className="muted sim-list__empty">No texts yet.</li>}
        {messages.map((m) => {
          const code = codeIn(m.body);
          return (
            <li key={m.sid} className="sim-message" data-testid="sim-message" data-sid={m.sid} data-code={code ?? undefined}>
              <div className="sim-message__top">
                {code && (
                  <span className="sim-message__code num" data-testid="sim-code">
                    {code}
                  </span>
                )}
                <span className="muted num">
                  {attemptStatusText(m.status)} · {formatTime(m.at)}
                </span>
              </div>
              <p className="sim-message__body">{m.body}</p>
            </li>
          );
        })}
      </ol>

      <h3 className="sim-card__subtitle">Calls</h3>
      <ol className="sim-list sim-list--calls" data-testid={`sim-calls-${digits}`} tabIndex={0} aria-label={`Calls to ${number.e164}`}>
        {calls.length === 0 && <li className="muted sim-list__empty">No calls yet.</li>}
        {calls.map((c) => (
          <li key={c.sid} className="sim-call" data-testid="sim-call" data-sid={c.sid} data-status={c.status}>
            <span data-testid="sim-call-state">{callState(c)}</span>
            <span className="nowrap">{c.digits ? <>pressed <Keys keys={c.digits} /></> : ''}</span>
            <span className="muted num">{formatTime(c.at)}</span>
          </li>
        ))}
      </ol>
      {onForget && (
        <button type="button" className="button button--quiet" onClick={onForget}>
          Stop watching
        </button>
      )}
    </article>
  );
}
