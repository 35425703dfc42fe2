import { useState } from 'react';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const keyName = (k: string): string => (k === '#' ? 'pound' : k === '*' ? 'star' : k);

/**
 * A phone keypad. Each key is sent the moment it is pressed, as a handset sends tones: the call's `<Gather>`
 * decides what the keys mean (Twilio's rules — with a `#`-finished Gather, `#` alone is no input; a one-key
 * Gather takes the first key and leaves the rest for the next prompt). "Typed" lists what was sent on this call.
 */
export function Keypad({ onSend, disabled }: { onSend: (keys: string) => void; disabled?: boolean }) {
  const [typed, setTyped] = useState('');
  const send = (keys: string): void => {
    onSend(keys);
    setTyped((t) => (t + keys).slice(-12));
  };
  return (
    <div className="keypad-wrap">
      <div className="ringing__quick">
        <button
          type="button"
          className="button button--approve"
          onClick={() => send('#')}
          disabled={disabled}
          data-testid="keypad-approve"
        >
          Approve (press #)
        </button>
        <button
          type="button"
          className="button button--danger"
          onClick={() => send('0#')}
          disabled={disabled}
          data-testid="keypad-fraud"
        >
          Report fraud (0 then #)
        </button>
      </div>
      <p className="keypad__typed" aria-live="polite" data-testid="keypad-typed">
        <span className="muted">Sent: </span>
        <span className="num">{typed || '—'}</span>
      </p>
      <div className="keypad" role="group" aria-label="Keypad (each key is sent as you press it)">
        {KEYS.map((k) => (
          <button
            key={k}
            type="button"
            className={`keypad__key${k === '#' ? ' keypad__key--send' : ''}`}
            onClick={() => send(k)}
            disabled={disabled}
            aria-label={k === '#' ? 'Pound' : k === '*' ? 'Star' : k}
            data-testid={`keypad-key-${keyName(k)}`}
          >
            {k}
          </button>
        ))}
      </div>
    </div>
  );
}
