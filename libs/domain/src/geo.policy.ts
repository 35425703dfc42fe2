import type { ContactMethod } from '@redial/contracts';
import type { LineType } from './phone.rules';

/**
 * Geo permissions (issue 13): whether Redial may text or call a number, by its country and its line type.
 * Pure: the phones service asks it when settings are saved (a refusal is a 400 naming the field) and the
 * worker's geo send check asks it again before every send, so a phone saved before the policy was tightened
 * fails its step with `geo_blocked` and the challenge fails over.
 */

export interface GeoPolicy {
  /** ISO 3166 alpha-2 codes that may be texted; `*` allows every country. */
  smsCountries: readonly string[];
  /** The same for calls. */
  callCountries: readonly string[];
  /** Line types refused whatever the country (`premium_rate`, `shared_cost`…). */
  blockedNumberTypes: readonly string[];
}

export interface GeoSubject {
  /** ISO 3166 alpha-2. */
  country: string;
  method: ContactMethod;
  /** Unknown (a phone stored before line types were recorded) is never refused for its type. */
  lineType?: LineType | string | null;
}

export type GeoVerdict =
  | { allowed: true }
  | { allowed: false; code: 'geo_blocked' | 'premium_rate_not_allowed'; message: string };

const TYPE_NAMES: Record<string, string> = {
  premium_rate: 'Premium-rate numbers',
  shared_cost: 'Shared-cost numbers',
  personal_number: 'Personal (follow-me) numbers',
  uan: 'Company-wide (UAN) numbers',
  toll_free: 'Toll-free numbers',
  voip: 'Internet (VoIP) numbers',
  pager: 'Pagers',
  voicemail: 'Voicemail access numbers',
  fixed_line: 'Landlines',
  mobile: 'Mobile numbers',
  fixed_line_or_mobile: 'Numbers of this kind',
};

const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

/** `DE` → `Germany`; the code itself when the runtime has no name for it. */
function countryName(code: string): string {
  try {
    return REGION_NAMES.of(code) ?? code;
  } catch {
    return code;
  }
}

export function allowsCountry(list: readonly string[], country: string): boolean {
  return list.includes('*') || list.includes(country.toUpperCase());
}

/** The countries a method may reach, for people: `"United States, Canada"` is the page's job; this is the list. */
export function allowedCountries(policy: GeoPolicy, method: ContactMethod): readonly string[] {
  return method === 'sms' ? policy.smsCountries : policy.callCountries;
}

export function geoVerdict(subject: GeoSubject, policy: GeoPolicy): GeoVerdict {
  const type = subject.lineType ?? 'unknown';
  if (type !== 'unknown' && policy.blockedNumberTypes.includes(type)) {
    const what = TYPE_NAMES[type] ?? 'Numbers of this type';
    return { allowed: false, code: 'premium_rate_not_allowed', message: `${what} can't be used: they can cost the caller or the sender extra. Enter a mobile or landline number.` };
  }
  const country = subject.country.toUpperCase();
  if (!allowsCountry(allowedCountries(policy, subject.method), country)) {
    const other = subject.method === 'sms' ? policy.callCountries : policy.smsCountries;
    const alternative = allowsCountry(other, country) ? (subject.method === 'sms' ? ' Choose "Call me" instead.' : ' Choose "Text me" instead.') : '';
    const verb = subject.method === 'sms' ? 'texts' : 'calls';
    return { allowed: false, code: 'geo_blocked', message: `This service doesn't send ${verb} to phones in ${countryName(country)} (${country}).${alternative}` };
  }
  return { allowed: true };
}
