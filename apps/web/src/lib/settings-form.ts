import type { ContactMethod, PhoneInput, PhoneLabel, PhoneSettingsInput, PhoneView } from '@redial/contracts';
import { nationalPart } from './countries';

/** The settings form's own model, and its conversions to and from the API's shapes. */
export interface PhoneDraft {
  key: string;
  country: string;
  number: string;
  method: ContactMethod;
  label: PhoneLabel;
  extension: string;
  /** The API's `internationalSmsCharges` for this phone as last loaded or saved, until it is edited. */
  serverIntl?: boolean;
}

export const MAX_BACKUPS = 4;

let counter = 0;
const nextKey = (): string => `phone-${++counter}`;

export function emptyPhone(country: string, label: PhoneLabel = 'mobile'): PhoneDraft {
  return { key: nextKey(), country, number: '', method: 'call', label, extension: '' };
}

export function fromView(view: PhoneView, fallbackCountry: string): PhoneDraft {
  const country = (view.country || fallbackCountry).toUpperCase();
  return {
    key: nextKey(),
    country,
    number: nationalPart(view.e164, country),
    method: view.method,
    label: view.label ?? (view.role === 'primary' ? 'mobile' : 'alternate'),
    extension: view.extension ?? '',
    serverIntl: view.internationalSmsCharges,
  };
}

const hasExtension = (d: PhoneDraft): boolean => d.label === 'office' && d.method === 'call';

function toInput(d: PhoneDraft, withLabel: boolean): PhoneInput {
  const input: PhoneInput = { number: d.number.trim(), country: d.country, method: d.method };
  if (withLabel) input.label = d.label;
  if (hasExtension(d) && d.extension.trim()) input.extension = d.extension.trim();
  return input;
}

export function toSettingsInput(primary: PhoneDraft, backups: PhoneDraft[]): PhoneSettingsInput {
  return { primary: toInput(primary, false), backups: backups.map((b) => toInput(b, true)) };
}

export const showsExtension = hasExtension;

/** Checks worth doing before a round trip; the API remains the judge of what a valid number is. */
export function validate(primary: PhoneDraft, backups: PhoneDraft[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const check = (d: PhoneDraft, path: string, what: string): void => {
    const n = d.number.trim();
    if (!n) errors[`${path}.number`] = `Enter ${what}.`;
    else if (/[^\d\s()+.-]/.test(n)) errors[`${path}.number`] = 'Use only digits, spaces, brackets, dashes and a leading +.';
    else if (n.replace(/\D/g, '').length < 4) errors[`${path}.number`] = 'That number is too short.';
    if (hasExtension(d) && d.extension.trim() && !/^\d{1,10}$/.test(d.extension.trim())) {
      errors[`${path}.extension`] = 'An extension is up to 10 digits.';
    }
  };
  check(primary, 'primary', 'your primary phone number');
  backups.forEach((b, i) => check(b, `backups[${i}]`, 'a number for this backup phone, or remove it'));
  return errors;
}

/** API paths that name a whole phone (`backups[1]`) are shown at its number. */
export function normaliseErrorPaths(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) {
    const p = path.replace(/^\$?\.?/, '').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
    out[/^(primary|backups\[\d+\])$/.test(p) ? `${p}.number` : p] = message;
  }
  return out;
}
