import { AsYouType, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Masks for phone numbers, for operators and logs: the country code and the last 2 digits stay visible,
 * every other digit becomes a bullet. Nothing here ever reveals more than that, whatever the input.
 */

const BULLET = '•';
const VISIBLE_DIGITS = 2;

/**
 * Masks are asked for the same few numbers over and over (every challenge copies its phones' masks, every log
 * line is scrubbed): the last ones made are kept, since finding the number's grouping parses it with
 * libphonenumber. Bounded; dropped as a whole when full.
 */
const masks = new Map<string, string>();
const MAX_MASKS = 10_000;

/** `+12015550100` → `+1 ••• ••• ••00`; `+447700900456` → `+44 •••• ••••56`. */
export function maskPhone(e164: string): string {
  let masked = masks.get(e164);
  if (masked === undefined) {
    masked = mask(e164);
    if (masks.size >= MAX_MASKS) masks.clear();
    masks.set(e164, masked);
  }
  return masked;
}

function mask(e164: string): string {
  // Only the number itself: anything after it (an extension, a stray word) is dropped, never echoed.
  const leading = /^\s*(\+?)([\d\s().-]*)/.exec(e164);
  const plus = leading?.[1] ?? '';
  const digits = (leading?.[2] ?? '').replace(/\D/g, '');
  if (plus === '') return `+${maskGroups(fallbackGroups(digits))}`;

  const callingCode = callingCodeOf(digits);
  if (callingCode === undefined) return `+${maskGroups(fallbackGroups(digits))}`;

  const national = digits.slice(callingCode.length);
  if (national === '') return `+${callingCode}`;
  return `+${callingCode} ${maskGroups(libphonenumberGroups(`+${digits}`, national) ?? fallbackGroups(national))}`;
}

function callingCodeOf(digits: string): string | undefined {
  const typing = new AsYouType();
  typing.input(`+${digits}`);
  const code = typing.getCallingCode();
  return code !== undefined && digits.startsWith(code) ? code : undefined;
}

/** The national digits grouped as libphonenumber's INTERNATIONAL format groups them, when it knows a format. */
function libphonenumberGroups(e164: string, national: string): string[] | undefined {
  const phone = parsePhoneNumberFromString(e164);
  if (phone === undefined || phone.nationalNumber !== national) return undefined;
  const formatted = phone.formatInternational();
  const prefix = `+${phone.countryCallingCode} `;
  if (!formatted.startsWith(prefix)) return undefined;
  const groups = formatted.slice(prefix.length).split(/\D+/).filter((group) => group !== '');
  // One long run means no format applied (an invalid length, say): group it ourselves.
  if (groups.length < 2 || groups.join('') !== national) return undefined;
  return groups;
}

/** Groups of 3, the last one of up to 4 digits: `5005550006` → `500 555 0006`. */
function fallbackGroups(digits: string): string[] {
  const groups: string[] = [];
  let rest = digits;
  while (rest.length > 4) {
    groups.push(rest.slice(0, 3));
    rest = rest.slice(3);
  }
  if (rest !== '') groups.push(rest);
  return groups;
}

/** Every digit but the last 2 (counted across groups) becomes a bullet. */
function maskGroups(groups: string[]): string {
  let visible = VISIBLE_DIGITS;
  const masked = [...groups].reverse().map((group) =>
    [...group]
      .reverse()
      .map((digit) => (visible-- > 0 ? digit : BULLET))
      .reverse()
      .join(''),
  );
  return masked.reverse().join(' ');
}

/**
 * Runs of 7 or more digits, optionally with a leading + (or its URL-encoded form %2B, as in Twilio's form
 * bodies) and single spaces, dashes or parentheses inside. The look-arounds keep ids intact: a run touching a
 * letter, a digit or a dash (UUIDs, Twilio SIDs) is not a phone.
 */
const PHONE_IN_TEXT = /(?<![\w+\-%])(?:\+|%2[bB])?\(?(?!\d{4}-\d{2}-\d{2}(?![\d-]))\d(?:(?:[ -]|\) ?|\)-| ?\()?\d){6,}(?![\w\-])/g;

/**
 * Replaces every phone-looking run in free text with its mask, for the log redactor.
 * `+44 7700 900456` → `+44 •••• ••••56`; national runs keep their separators: `555-0100` → `•••-••00`.
 * ISO dates (`2024-05-01`) are left alone; other long digit runs are masked too: over-masking a log is
 * the safe mistake.
 */
export function maskPhonesInText(text: string): string {
  return text.replace(PHONE_IN_TEXT, (run) => {
    if (run.startsWith('+')) return maskPhone(run);
    if (run.startsWith('%2')) return `%2B${maskPhone(`+${run.slice(3)}`).slice(1)}`;
    return maskKeepingSeparators(run);
  });
}

function maskKeepingSeparators(run: string): string {
  let visible = VISIBLE_DIGITS;
  return [...run]
    .reverse()
    .map((char) => (/\d/.test(char) ? (visible-- > 0 ? char : BULLET) : char))
    .reverse()
    .join('');
}
