import type { ContactMethod, PhoneLabel } from '@redial/contracts';
import { countryName, findCountry, isInternational } from '../lib/countries';
import { showsExtension, type PhoneDraft } from '../lib/settings-form';
import { CountrySelect } from './CountrySelect';
import { describedBy, FieldError, fieldId } from './FieldError';

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
  onRemove?: () => void;
  hint?: string;
}

/** One phone: (label), country, number, (extension), call or text, and the international SMS caution. */
export function PhoneFields({ path, title, draft, errors, senderCountry, onChange, onRemove, hint }: Props) {
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
  const hintId = hint ? `${fieldId(path)}-hint` : undefined;

  const international =
    draft.method === 'sms' && (draft.serverIntl || isInternational(draft.country, draft.number, senderCountry));
  const cautionId = `${fieldId(path)}-intl`;
  const editNumber = (patch: Partial<PhoneDraft>) => onChange({ ...patch, serverIntl: undefined });
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
            onChange={(code) => editNumber({ country: code })}
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
              onChange={(e) => editNumber({ number: e.target.value })}
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
          <span aria-hidden="true">⚠ </span>
          International SMS charges may apply: texts come from {countryName(senderCountry) || senderCountry}, so your
          phone company may charge international rates for each text you receive at sign-in.
        </p>
      )}

      {onRemove && (
        <button type="button" className="button button--quiet phone__remove" onClick={onRemove} data-testid={`remove-${fieldId(path)}`}>
          Remove this backup phone
        </button>
      )}
    </fieldset>
  );
}
