import type { ContactMethod, PhoneLabel } from '@redial/contracts';
import { countryName, findCountry, isInternational } from '../lib/countries';
import { formatDate } from '../lib/format';
import { showsExtension, type PhoneDraft } from '../lib/settings-form';
import { CountrySelect } from './CountrySelect';
import { describedBy, FieldError, fieldId } from './FieldError';
import { Icon } from './Icon';

const LABELS: Array<{ value: PhoneLabel; text: string }> = [
  { value: 'mobile', text: 'Mobile phone' },
  { value: 'office', text: 'Office phone' },
  { value: 'alternate', text: 'Alternate phone' },
];

interface Props {
  /** `primary` or `backups[i]`, as the API names it in errors. */
  path: string;
  title: string;
  draft: PhoneDraft;
  errors: Record<string, string>;
  senderCountry: string;
  onChange: (patch: Partial<PhoneDraft>) => void;
  /** A field was left: check it now (validation on blur). */
  onCheck?: (field: 'number' | 'extension') => void;
  onRemove?: () => void;
  /** Backups: move this one up or down the list (absent at either end). */
  onMoveUp?: () => void;
  onMoveDown?: () => void;
  /** Backups as saved: "Verify this phone now". */
  onVerify?: () => void;
  verifying?: boolean;
  hint?: string;
}

/**
 * One phone: (label), country, number, (extension), call or text, the international SMS caution, when it was last
 * verified, and — for a backup — "Verify this phone now" and its move and remove buttons.
 */
export function PhoneFields({ path, title, draft, errors, senderCountry, onChange, onCheck, onRemove, onMoveUp, onMoveDown, onVerify, verifying, hint }: Props) {
  const isBackup = path !== 'primary';
  const id = (field: string): string => fieldId(`${path}.${field}`);
  const err = (field: string): string | undefined => errors[`${path}.${field}`];
  const input = (field: string) => {
    const message = err(field);
    return {
      id: id(field),
      'aria-invalid': message ? true : undefined,
      errorId: `${id(field)}-error`,
      message,
    };
  };
  const label = input('label');
  const country = input('country');
  const number = input('number');
  const extension = input('extension');
  const method = input('method');
  const verify = input('verify');
  const hintId = hint ? `${fieldId(path)}-hint` : undefined;

  const international =
    draft.method === 'sms' && (draft.serverIntl || isInternational(draft.country, draft.number, senderCountry));
  const cautionId = `${fieldId(path)}-intl`;
  const dial = findCountry(draft.country)?.dial;

  return (
    <fieldset className="phone" data-testid={`phone-${fieldId(path)}`}>
      <legend className="phone__title">{title}</legend>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}

      {isBackup && (
        <div className="field">
          <label htmlFor={label.id}>Type of phone</label>
          <select
            id={label.id}
            value={draft.label}
            onChange={(e) => onChange({ label: e.target.value as PhoneLabel })}
            aria-invalid={label['aria-invalid']}
            aria-describedby={describedBy(label.message && label.errorId)}
            data-testid={label.id}
          >
            {LABELS.map((l) => (
              <option key={l.value} value={l.value}>
                {l.text}
              </option>
            ))}
          </select>
          <FieldError id={label.errorId} message={label.message} />
        </div>
      )}

      <div className="phone__row">
        <div className="field field--country">
          <label htmlFor={country.id}>Country or region</label>
          <CountrySelect
            id={country.id}
            value={draft.country}
            onChange={(code) => onChange({ country: code })}
            senderCountry={senderCountry}
            invalid={!!country.message}
            describedBy={describedBy(country.message && country.errorId)}
          />
          <FieldError id={country.errorId} message={country.message} />
        </div>
        <div className="field field--number">
          <label htmlFor={number.id}>Phone number</label>
          <div className="input-prefix">
            {dial && !draft.number.trim().startsWith('+') && (
              <span className="input-prefix__text" aria-hidden="true">
                +{dial}
              </span>
            )}
            <input
              id={number.id}
              type="tel"
              inputMode="tel"
              autoComplete={isBackup ? 'off' : 'tel-national'}
              value={draft.number}
              onChange={(e) => onChange({ number: e.target.value })}
              onBlur={() => onCheck?.('number')}
              aria-invalid={number['aria-invalid']}
              aria-describedby={describedBy(number.message && number.errorId, hintId, international && cautionId)}
              placeholder={draft.country === 'US' || draft.country === 'CA' ? '(555) 010-0123' : 'Number'}
              data-testid={number.id}
            />
          </div>
          <FieldError id={number.errorId} message={number.message} />
        </div>
      </div>

      <fieldset className="choice">
        <legend>How should we contact you?</legend>
        <div className="choice__options">
          {(
            [
              ['call', 'Call me'],
              ['sms', 'Text me instead of calling'],
            ] as Array<[ContactMethod, string]>
          ).map(([value, text]) => (
            <label key={value} className="choice__option">
              <input
                type="radio"
                name={`${id('method')}`}
                value={value}
                checked={draft.method === value}
                onChange={() => onChange({ method: value })}
                aria-invalid={method['aria-invalid']}
                aria-describedby={describedBy(method.message && method.errorId)}
                data-testid={`${id('method')}-${value}`}
              />
              <span>{text}</span>
            </label>
          ))}
        </div>
        <FieldError id={method.errorId} message={method.message} />
      </fieldset>

      {showsExtension(draft) && (
        <div className="field field--extension">
          <label htmlFor={extension.id}>
            Extension <span className="optional">(optional, calls only)</span>
          </label>
          <input
            id={extension.id}
            type="text"
            inputMode="numeric"
            autoComplete="off"
            value={draft.extension}
            onChange={(e) => onChange({ extension: e.target.value.replace(/[^\d]/g, '') })}
            onBlur={() => onCheck?.('extension')}
            aria-invalid={extension['aria-invalid']}
            aria-describedby={describedBy(extension.message && extension.errorId)}
            maxLength={10}
            data-testid={extension.id}
          />
          <FieldError id={extension.errorId} message={extension.message} />
        </div>
      )}

      {international && (
        <p className="caution" id={cautionId} data-testid={`intl-caution-${fieldId(path)}`}>
          <Icon name="alert" className="icon caution__icon" />
          <span>
            International SMS charges may apply: texts come from {countryName(senderCountry) || senderCountry}, so your
            phone company may charge international rates for each text you receive at sign-in.
          </span>
        </p>
      )}

      {(draft.verifiedAt || isBackup) && (
        <div className="phone__verification">
          <p className="phone__verified" data-testid={`verified-${fieldId(path)}`} data-verified={draft.verifiedAt ? 'yes' : 'no'}>
            {draft.verifiedAt ? (
              <>
                <Icon name="check" /> Verified on {formatDate(draft.verifiedAt)}
              </>
            ) : (
              'Not verified yet'
            )}
          </p>
          {onVerify ? (
            <button
              type="button"
              className="button button--secondary"
              onClick={onVerify}
              disabled={verifying}
              aria-describedby={describedBy(verify.message && verify.errorId)}
              data-testid={`verify-${fieldId(path)}`}
            >
              {verifying ? 'Starting…' : 'Verify this phone now'}
            </button>
          ) : (
            isBackup && <p className="hint">You can verify this phone on its own once these settings are saved and in use.</p>
          )}
          <FieldError id={verify.errorId} message={verify.message} />
        </div>
      )}

      {isBackup && (
        <div className="phone__tools">
          {onMoveUp && (
            <button type="button" className="button button--quiet" id={`move-up-${fieldId(path)}`} onClick={onMoveUp} data-testid={`move-up-${fieldId(path)}`}>
              <Icon name="up" /> Move up
              <span className="sr-only"> ({title.toLowerCase()})</span>
            </button>
          )}
          {onMoveDown && (
            <button type="button" className="button button--quiet" id={`move-down-${fieldId(path)}`} onClick={onMoveDown} data-testid={`move-down-${fieldId(path)}`}>
              <Icon name="down" /> Move down
              <span className="sr-only"> ({title.toLowerCase()})</span>
            </button>
          )}
          {onRemove && (
            <button type="button" className="button button--quiet phone__remove" onClick={onRemove} data-testid={`remove-${fieldId(path)}`}>
              Remove this backup phone
            </button>
          )}
        </div>
      )}
    </fieldset>
  );
}
