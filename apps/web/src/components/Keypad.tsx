import { useState } from 'react';

const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
const keyName = (k: string): string => (k === '#' ? 'pound' : k === '*' ? 'star' : k);

/** A phone keypad: digits build up, `#` ends the entry and sends it (as Twilio's <Gather> does). */
export function Keypad({ onSend, disabled }: { onSend: (digits: string) => void; disabled?: boolean }) {
  const [typed, setTyped] = useState('');
  const press = (key: string): void => {
    if (key === '#') {
      onSend(`${typed}#`);
      setTyped('');
    } else {
      setTyped((t) => (t + key).slice(-12));
    }
  };
  return (
    <div className="keypad-wrap">
      <div className="ringing__quick">
        <button
          type="button"
          className="button button--approve"
          onClick={() => onSend('#')}
          disabled={disabled}
          data-testid="keypad-approve"
        >
          Approve (press #)
        </button>
        <button
          type="button"
          className="button button--danger"
          onClick={() => onSend('0#')}
          disabled={disabled}
          data-testid="keypad-fraud"
        >
          Report fraud (0 then #)
        </button>
      </div>
      <p className="keypad__typed" aria-live="polite" data-testid="keypad-typed">
        <span className="muted">Typed: </span>
        <span className="num">{typed || '—'}</span>
      </p>
      <div className="keypad" role="group" aria-label="Keypad">
        {KEYS.map((k) => (
          <button
            key={k}
            type="button"
            className={`keypad__key${k === '#' ? ' keypad__key--send' : ''}`}
            onClick={() => press(k)}
            disabled={disabled}
            aria-label={k === '#' ? `Pound${typed ? `, send ${typed}#` : ''}` : k === '*' ? 'Star' : k}
            data-testid={`keypad-key-${keyName(k)}`}
          >
            {k}
          </button>
        ))}
      </div>
      <button type="button" className="button button--quiet" onClick={() => setTyped('')} disabled={!typed} data-testid="keypad-clear">
        Clear
      </button>
    </div>
  );
}
