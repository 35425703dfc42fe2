import { isSupportedCountry, parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js/max';
import type { CountryCode, PhoneNumber, PhoneNumberType } from 'libphonenumber-js/max';
import type { ContactMethod } from '@redial/contracts';

/**
 * Phone normalisation and the rules for which numbers Redial accepts, for which method.
 * Line types come from libphonenumber's "max" metadata, which knows the type of each number range.
 */

export type LineType =
  | 'mobile'
  | 'fixed_line'
  | 'fixed_line_or_mobile'
  | 'voip'
  | 'toll_free'
  | 'premium_rate'
  | 'shared_cost'
  | 'personal_number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

export interface PhoneNumberInput {
  number: string;
  /** ISO 3166 alpha-2 hint for national numbers, any case. */
  country?: string;
  method: ContactMethod;
  extension?: string;
  label?: string;
}

export interface PhoneRuleOptions {
  /** ISO 3166 alpha-2 country of the SMS sender, for the international SMS charges caution. */
  senderCountry: string;
  /** Accept Twilio's magic test numbers (+1500555xxxx) as they are: sandbox mode only. */
  allowTestNumbers: boolean;
}

export interface NormalisedPhone {
  e164: string;
  /** ISO 3166 alpha-2. */
  country: string;
  /** Always set by normalisePhone ('unknown' when the metadata cannot tell). */
  lineType?: LineType;
  isVoip: boolean;
  method: ContactMethod;
  extension?: string;
  internationalSmsCharges: boolean;
}

/** Field names match the API body keys, so the API can prefix them (`backups[1].number`). */
export type PhoneRuleField = 'number' | 'country' | 'method' | 'extension';

export type PhoneRuleErrorCode =
  | 'invalid_method'
  | 'number_required'
  | 'invalid_number'
  | 'invalid_country'
  | 'country_required'
  | 'too_short'
  | 'too_long'
  | 'unsupported_number'
  | 'test_number_not_allowed'
  | 'premium_rate_not_allowed'
  | 'voicemail_number_not_allowed'
  | 'landline_cannot_receive_sms'
  | 'toll_free_cannot_receive_sms'
  | 'number_cannot_receive_sms'
  | 'number_cannot_take_calls'
  | 'invalid_extension'
  | 'extension_requires_call'
  | 'extension_conflict';

export interface PhoneRuleError {
  code: PhoneRuleErrorCode;
  message: string;
  field: PhoneRuleField;
}

export type PhoneWarning = 'voip_number' | 'international_sms_charges';

export type NormalisePhoneResult =
  | { ok: true; phone: NormalisedPhone; warnings: PhoneWarning[] }
  | { ok: false; error: PhoneRuleError };

/** Twilio's magic test numbers: +1 500 555 xxxx. Not real subscriber numbers. */
const TWILIO_TEST_NUMBER = /^\+1500555\d{4}$/;

/** What people type: digits, an optional leading +, common separators, and an optional typed-in extension. */
const NUMBER_SHAPE =
  /^\+?[\d\s().\-/]*\d[\d\s().\-/]*(?:\s*(?:;\s*ext=|extension|ext\.?|x|#)\s*\d+)?$/i;
const SEPARATORS = /[\s().\-/]/g;
/** Dashes and spaces that arrive when a number is pasted from a document or a web page. */
const PASTED_DASHES = /[\u2010-\u2015\u2212\uFE63\uFF0D]/g;
const MAX_INPUT_LENGTH = 100;
const EXTENSION_SHAPE = /^\d{1,10}$/;

/** What each line type can do. Premium-rate and voicemail numbers are refused before this table is used. */
const CAPABILITIES: Record<LineType, { call: boolean; sms: boolean }> = {
  mobile: { call: true, sms: true },
  fixed_line_or_mobile: { call: true, sms: true },
  voip: { call: true, sms: true },
  unknown: { call: true, sms: true },
  fixed_line: { call: true, sms: false },
  toll_free: { call: true, sms: false },
  shared_cost: { call: true, sms: false },
  uan: { call: true, sms: false },
  personal_number: { call: true, sms: false },
  pager: { call: false, sms: true },
  premium_rate: { call: false, sms: false },
  voicemail: { call: false, sms: false },
};

const fail = (code: PhoneRuleErrorCode, field: PhoneRuleField, message: string): NormalisePhoneResult => ({
  ok: false,
  error: { code, field, message },
});

/**
 * Checks a phone number typed by a person and returns it in E.164 with its country and line type,
 * or the first rule it breaks. Pure: no I/O, the same input always gives the same answer.
 */
export function normalisePhone(input: PhoneNumberInput, options: PhoneRuleOptions): NormalisePhoneResult {
  const method: unknown = input.method;
  if (method !== 'call' && method !== 'sms') {
    return fail('invalid_method', 'method', 'Choose how to be contacted: a call or a text.');
  }

  const raw: unknown = input.number ?? '';
  const text = typeof raw === 'string' ? raw.replace(PASTED_DASHES, '-').replace(/\s+/g, ' ').trim() : undefined;
  if (text === '') {
    return fail('number_required', 'number', 'Enter a phone number.');
  }
  if (text === undefined || text.length > MAX_INPUT_LENGTH || !NUMBER_SHAPE.test(text)) {
    return fail('invalid_number', 'number', 'Enter the phone number using digits only, for example +44 7700 900123.');
  }

  // The API body is JSON: a null is an absent hint, any other non-string is a wrong one.
  const country: unknown = input.country ?? '';
  const hint = typeof country === 'string' ? country.trim().toUpperCase() : String(country);
  if (hint !== '' && !isSupportedCountry(hint)) {
    return fail('invalid_country', 'country', 'Pick a country or region from the list.');
  }
  const defaultCountry: CountryCode | undefined = hint !== '' && isSupportedCountry(hint) ? hint : undefined;

  const international = text.startsWith('+');
  const compact = text.replace(SEPARATORS, '');
  if (TWILIO_TEST_NUMBER.test(compact)) {
    if (!options.allowTestNumbers) {
      return fail('test_number_not_allowed', 'number', 'This is a test number. Enter a real phone number.');
    }
    return finish({ e164: compact, country: 'US', lineType: 'mobile', typedExtension: undefined }, method, input, options);
  }

  if (!international && defaultCountry === undefined) {
    return fail(
      'country_required',
      'country',
      'Pick the country or region of this number, or type it in international format starting with + (for example +44 7700 900123).',
    );
  }

  const recognised = recognise(text, defaultCountry);
  if ('error' in recognised) return { ok: false, error: recognised.error };
  return finish(recognised, method, input, options);
}

/** libphonenumber's verdict on the number: its E.164 form, country and line type, or why it is not a number. */
function recognise(text: string, defaultCountry: CountryCode | undefined): Recognised | { error: PhoneRuleError } {
  switch (validatePhoneNumberLength(text, defaultCountry)) {
    case 'TOO_SHORT':
      return { error: { code: 'too_short', field: 'number', message: 'This phone number is too short. Check that no digits are missing.' } };
    case 'TOO_LONG':
      return { error: { code: 'too_long', field: 'number', message: 'This phone number is too long. Check for extra digits.' } };
    case 'NOT_A_NUMBER':
    case 'INVALID_COUNTRY':
    case 'INVALID_LENGTH':
      return invalidNumber();
    default:
      break;
  }
  const phone: PhoneNumber | undefined = parsePhoneNumberFromString(text, defaultCountry);
  if (phone === undefined || !phone.isValid()) return invalidNumber();
  if (phone.country === undefined) {
    // Valid but not tied to a country: international freephone (+800), satellite phones (+870, +881) and the like.
    return {
      error: {
        code: 'unsupported_number',
        field: 'number',
        message: "Numbers that don't belong to a country, such as satellite or international freephone numbers, can't be used.",
      },
    };
  }
  return { e164: phone.number, country: phone.country, lineType: toLineType(phone.getType()), typedExtension: phone.ext };
}

function invalidNumber(): { error: PhoneRuleError } {
  return {
    error: { code: 'invalid_number', field: 'number', message: "This isn't a valid phone number. Check the digits and the country." },
  };
}

interface Recognised {
  e164: string;
  country: string;
  lineType: LineType;
  typedExtension: string | undefined;
}

/** The method, extension and line-type rules, shared by real numbers and test numbers. */
function finish(
  recognised: Recognised,
  method: ContactMethod,
  input: PhoneNumberInput,
  options: PhoneRuleOptions,
): NormalisePhoneResult {
  const { lineType } = recognised;

  if (lineType === 'premium_rate') {
    return fail('premium_rate_not_allowed', 'number', "Premium-rate numbers can't be used. Enter a mobile or landline number.");
  }
  if (lineType === 'voicemail') {
    return fail('voicemail_number_not_allowed', 'number', "Voicemail access numbers can't be used. Enter the phone's own number.");
  }
  if (method === 'sms' && !CAPABILITIES[lineType].sms) {
    return smsRefusal(lineType);
  }
  if (method === 'call' && !CAPABILITIES[lineType].call) {
    return fail('number_cannot_take_calls', 'method', 'This number can\'t take calls. Choose "Text me" instead.');
  }

  const extension = resolveExtension(input.extension, recognised.typedExtension, method);
  if (!extension.ok) return extension;

  const senderCountry = options.senderCountry.trim().toUpperCase();
  const internationalSmsCharges = method === 'sms' && recognised.country !== senderCountry;
  const isVoip = lineType === 'voip';
  const warnings: PhoneWarning[] = [];
  if (isVoip) warnings.push('voip_number');
  if (internationalSmsCharges) warnings.push('international_sms_charges');

  const phone: NormalisedPhone = {
    e164: recognised.e164,
    country: recognised.country,
    lineType,
    isVoip,
    method,
    internationalSmsCharges,
  };
  if (extension.value !== undefined) phone.extension = extension.value;
  return { ok: true, phone, warnings };
}

function smsRefusal(lineType: LineType): NormalisePhoneResult {
  switch (lineType) {
    case 'fixed_line':
      return fail('landline_cannot_receive_sms', 'method', 'This looks like a landline, which can\'t receive texts. Choose "Call me" instead.');
    case 'toll_free':
      return fail('toll_free_cannot_receive_sms', 'method', 'Toll-free numbers can\'t receive texts. Choose "Call me" instead.');
    default:
      return fail('number_cannot_receive_sms', 'method', 'This number can\'t receive texts. Choose "Call me" instead.');
  }
}

/**
 * The extension may come from its own field or be typed into the number (`… ext. 123`, `… x123`, `… #123`).
 * Errors point at the field the person typed it in.
 */
function resolveExtension(
  field: string | undefined,
  typed: string | undefined,
  method: ContactMethod,
): { ok: true; value: string | undefined } | { ok: false; error: PhoneRuleError } {
  const raw: unknown = field ?? '';
  const given = typeof raw === 'string' ? raw.trim() : String(raw);
  const refuse = (code: PhoneRuleErrorCode, where: PhoneRuleField, message: string): { ok: false; error: PhoneRuleError } => ({
    ok: false,
    error: { code, field: where, message },
  });

  if (given !== '' && !EXTENSION_SHAPE.test(given)) {
    return refuse('invalid_extension', 'extension', 'An extension is 1 to 10 digits.');
  }
  if (typed !== undefined && !EXTENSION_SHAPE.test(typed)) {
    return refuse('invalid_extension', 'number', 'An extension is 1 to 10 digits.');
  }
  if (given !== '' && typed !== undefined && given !== typed) {
    return refuse('extension_conflict', 'extension', `The number already includes extension ${typed}. Remove one of the two.`);
  }
  const value = given !== '' ? given : typed;
  if (value !== undefined && method !== 'call') {
    return refuse(
      'extension_requires_call',
      given !== '' ? 'extension' : 'number',
      'Extensions only work with calls. Choose "Call me", or remove the extension.',
    );
  }
  return { ok: true, value };
}

const LINE_TYPES: Record<PhoneNumberType, LineType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PERSONAL_NUMBER: 'personal_number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

function toLineType(type: PhoneNumberType | undefined): LineType {
  return type === undefined ? 'unknown' : LINE_TYPES[type];
}
