import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * `+15005550006` → `+1 ••• ••• ••06`: the country code and the last 2 digits, as CONTRACT.md masks phones.
 * Logs never carry a whole number.
 */
export function maskPhone(e164: string): string {
  if (!/^\+\d{4,15}$/.test(e164)) return '•••';
  const countryCode = parsePhoneNumberFromString(e164)?.countryCallingCode ?? guessCountryCode(e164);
  const national = e164.slice(1 + countryCode.length);
  const hidden = '•'.repeat(Math.max(0, national.length - 2));
  const groups = hidden.match(/.{1,3}/g) ?? [];
  const tail = national.slice(-2);
  if (groups.length === 0) return `+${countryCode} ${tail}`;
  const last = groups.pop() ?? '';
  return `+${countryCode} ${[...groups, last + tail].join(' ')}`;
}

/** For numbers libphonenumber cannot place (e.g. magic test numbers): +1 and +7 are one digit, else two. */
function guessCountryCode(e164: string): string {
  return e164[1] === '1' || e164[1] === '7' ? e164[1] : e164.slice(1, 3);
}
