import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js';
import type { ContactMethod, PhoneInput, PhoneLabel, PhoneSettingsInput, PhoneView } from '@redial/contracts';
import { countryName } from './countries';

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
  /** When this phone (its number and extension) last approved a verification, until it is edited. */
  verifiedAt?: string;
  /**
   * A backup as it is in the active settings: its index in their `backups`, which "Verify this phone now" names.
   * Gone once the phone is edited, or when the form shows settings that are not active yet.
   */
  savedIndex?: number;
}

export const MAX_BACKUPS = 4;

let counter = 0;
const nextKey = (): string => `phone-${++counter}`;

export function emptyPhone(country: string, label: PhoneLabel = 'mobile'): PhoneDraft {
  return { key: nextKey(), country, number: '', method: 'call', label, extension: '' };
}

/**
 * A saved number as its country writes it: nationally ("(415) 555-0102") in the page's own country,
 * internationally ("+44 20 7946 0958") elsewhere.
 */
export function formatSaved(e164: string, country: string, pageCountry: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return e164;
  return country === pageCountry.toUpperCase() ? parsed.formatNational() : parsed.formatInternational();
}

export function fromView(view: PhoneView, pageCountry: string, savedIndex?: number): PhoneDraft {
  const country = (view.country || pageCountry).toUpperCase();
  return {
    key: nextKey(),
    country,
    // An operator's view has no e164 (operators see numbers masked), and no form to fill either.
    number: view.e164 === undefined ? '' : formatSaved(view.e164, country, pageCountry),
    method: view.method,
    label: view.label ?? (view.role === 'primary' ? 'mobile' : 'alternate'),
    extension: view.extension ?? '',
    serverIntl: view.internationalSmsCharges,
    verifiedAt: view.verifiedAt ?? undefined,
    savedIndex,
  };
}

/**
 * A draft after an edit: a different number (country, extension) is a different phone, so what the server said
 * about the old one goes; a different method keeps the phone's verification but no longer matches what is saved.
 */
export function edited(draft: PhoneDraft, patch: Partial<PhoneDraft>): PhoneDraft {
  const next = { ...draft, ...patch };
  const samePhone = next.number === draft.number && next.country === draft.country && next.extension === draft.extension;
  if (samePhone && next.method === draft.method) return next;
  return { ...next, savedIndex: undefined, ...(samePhone ? {} : { serverIntl: undefined, verifiedAt: undefined }) };
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

const LENGTH_PROBLEM: Record<string, string> = {
  TOO_SHORT: 'That number is too short',
  TOO_LONG: 'That number is too long',
  INVALID_LENGTH: "That number doesn't have the right number of digits",
};

/**
 * Checks worth doing before a round trip, for one phone at `path` (`primary`, `backups[1]`); the API remains the
 * judge of what a valid number is. `typing`: a field just left (on blur) — an empty number is not yet a problem.
 */
export function validatePhone(d: PhoneDraft, path: string, what: string, typing = false): Record<string, string> {
  const errors: Record<string, string> = {};
  const n = d.number.trim();
  if (!n) {
    if (!typing) errors[`${path}.number`] = `Enter ${what}.`;
  } else if (/[^\d\s()+.-]/.test(n)) {
    errors[`${path}.number`] = 'Use only digits, spaces, brackets, dashes and a leading +.';
  } else {
    const problem = LENGTH_PROBLEM[validatePhoneNumberLength(n, d.country as CountryCode) ?? ''];
    // A number typed in full (+44…) is judged by its own country code, not by the country chosen.
    if (problem) errors[`${path}.number`] = n.startsWith('+') ? `${problem}.` : `${problem} for ${countryName(d.country)}.`;
  }
  if (hasExtension(d) && d.extension.trim() && !/^\d{1,10}$/.test(d.extension.trim())) {
    errors[`${path}.extension`] = 'An extension is up to 10 digits.';
  }
  return errors;
}

export const BACKUP_WHAT = 'a number for this backup phone, or remove it';

export function validate(primary: PhoneDraft, backups: PhoneDraft[]): Record<string, string> {
  return Object.assign(
    validatePhone(primary, 'primary', 'your primary phone number'),
    ...backups.map((b, i) => validatePhone(b, `backups[${i}]`, BACKUP_WHAT)),
  );
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

/** Errors keyed by path (`backups[1].number`) follow their phones when backups `a` and `b` swap places. */
export function swapBackupErrors(errors: Record<string, string>, a: number, b: number): Record<string, string> {
  const swapped = (key: string): string =>
    key.replace(/^backups\[(\d+)\]/, (whole, i: string) => (Number(i) === a ? `backups[${b}]` : Number(i) === b ? `backups[${a}]` : whole));
  return Object.fromEntries(Object.entries(errors).map(([key, message]) => [swapped(key), message]));
}
