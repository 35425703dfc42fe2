import { normalisePhone } from './phone.rules';
import type {
  LineType,
  NormalisePhoneResult,
  PhoneNumberInput,
  PhoneRuleErrorCode,
  PhoneRuleField,
  PhoneRuleOptions,
  PhoneWarning,
} from './phone.rules';

/**
 * Every number's line type below was checked against libphonenumber-js 1.13.16 "max" metadata before it went
 * into the table. Sender is US unless a row says otherwise.
 */
const SENDER_US: PhoneRuleOptions = { senderCountry: 'US', allowTestNumbers: false };

interface Accepted {
  e164: string;
  country: string;
  lineType: LineType;
  extension?: string;
  intl?: boolean;
  warnings?: PhoneWarning[];
}

interface Row {
  name: string;
  input: PhoneNumberInput;
  options?: Partial<PhoneRuleOptions>;
  accepted?: Accepted;
  refused?: { code: PhoneRuleErrorCode; field: PhoneRuleField };
}

const call = (number: string, country?: string, extra: Partial<PhoneNumberInput> = {}): PhoneNumberInput => ({
  number,
  method: 'call',
  ...(country === undefined ? {} : { country }),
  ...extra,
});
const sms = (number: string, country?: string, extra: Partial<PhoneNumberInput> = {}): PhoneNumberInput => ({
  ...call(number, country, extra),
  method: 'sms',
});

function run(row: Row): NormalisePhoneResult {
  return normalisePhone(row.input, { ...SENDER_US, ...row.options });
}

function expected(row: Row): NormalisePhoneResult {
  if (row.refused) {
    return { ok: false, error: { ...row.refused, message: expect.any(String) as unknown as string } };
  }
  const a = row.accepted as Accepted;
  const isVoip = a.lineType === 'voip';
  const intl = a.intl ?? false;
  return {
    ok: true,
    phone: {
      e164: a.e164,
      country: a.country,
      lineType: a.lineType,
      isVoip,
      method: row.input.method,
      internationalSmsCharges: intl,
      ...(a.extension === undefined ? {} : { extension: a.extension }),
    },
    warnings: a.warnings ?? [
      ...(isVoip ? (['voip_number'] as const) : []),
      ...(intl ? (['international_sms_charges'] as const) : []),
    ],
  };
}

const table = (rows: Row[]) => rows.map((row) => [row.name, row] as const);

describe('normalisePhone', () => {
  describe('valid mobiles accept texts', () => {
    it.each(
      table([
        { name: 'US', input: sms('+1 201 555 0123'), accepted: { e164: '+12015550123', country: 'US', lineType: 'fixed_line_or_mobile' } },
        { name: 'CA (another +1 country)', input: sms('+1 506 234 5678'), accepted: { e164: '+15062345678', country: 'CA', lineType: 'fixed_line_or_mobile', intl: true } },
        { name: 'GB', input: sms('+44 7400 123456'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: true } },
        { name: 'DE', input: sms('+49 1512 3456789'), accepted: { e164: '+4915123456789', country: 'DE', lineType: 'mobile', intl: true } },
        { name: 'FR', input: sms('+33 6 12 34 56 78'), accepted: { e164: '+33612345678', country: 'FR', lineType: 'mobile', intl: true } },
        { name: 'IN', input: sms('+91 98765 43210'), accepted: { e164: '+919876543210', country: 'IN', lineType: 'mobile', intl: true } },
        { name: 'BR', input: sms('+55 11 96123-4567'), accepted: { e164: '+5511961234567', country: 'BR', lineType: 'mobile', intl: true } },
        { name: 'JP', input: sms('+81 90-1234-5678'), accepted: { e164: '+819012345678', country: 'JP', lineType: 'mobile', intl: true } },
        { name: 'AU', input: sms('+61 412 345 678'), accepted: { e164: '+61412345678', country: 'AU', lineType: 'mobile', intl: true } },
        { name: 'NG', input: sms('+234 803 123 4567'), accepted: { e164: '+2348031234567', country: 'NG', lineType: 'mobile', intl: true } },
        { name: 'ES', input: sms('+34 612.34.56.78'), accepted: { e164: '+34612345678', country: 'ES', lineType: 'mobile', intl: true } },
        { name: 'MX', input: sms('+52 (222) 123 4567'), accepted: { e164: '+522221234567', country: 'MX', lineType: 'fixed_line_or_mobile', intl: true } },
        { name: 'GB, pasted with a no-break space and an en dash', input: sms('+44\u00a07400\u2013123456'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: true } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('fixed lines take calls but not texts', () => {
    it.each(
      table([
        { name: 'GB call', input: call('+44 121 234 5678'), accepted: { e164: '+441212345678', country: 'GB', lineType: 'fixed_line' } },
        { name: 'DE call', input: call('+49 30 12345678'), accepted: { e164: '+493012345678', country: 'DE', lineType: 'fixed_line' } },
        { name: 'FR call', input: call('+33 1 23 45 67 89'), accepted: { e164: '+33123456789', country: 'FR', lineType: 'fixed_line' } },
        { name: 'IN call', input: call('+91 22 2345 6789'), accepted: { e164: '+912223456789', country: 'IN', lineType: 'fixed_line' } },
        { name: 'BR call', input: call('+55 11 2345-6789'), accepted: { e164: '+551123456789', country: 'BR', lineType: 'fixed_line' } },
        { name: 'JP call', input: call('+81 3-1234-5678'), accepted: { e164: '+81312345678', country: 'JP', lineType: 'fixed_line' } },
        { name: 'AU call', input: call('+61 2 1234 5678'), accepted: { e164: '+61212345678', country: 'AU', lineType: 'fixed_line' } },
        { name: 'NG call', input: call('+234 201 234 5678'), accepted: { e164: '+2342012345678', country: 'NG', lineType: 'fixed_line' } },
        { name: 'ES call', input: call('+34 912 34 56 78'), accepted: { e164: '+34912345678', country: 'ES', lineType: 'fixed_line' } },
        { name: 'GB sms', input: sms('+44 121 234 5678'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'DE sms', input: sms('+49 30 12345678'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'FR sms', input: sms('+33 1 23 45 67 89'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'IN sms', input: sms('+91 22 2345 6789'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'BR sms', input: sms('+55 11 2345-6789'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'JP sms', input: sms('+81 3-1234-5678'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'AU sms', input: sms('+61 2 1234 5678'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'NG sms', input: sms('+234 201 234 5678'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'ES sms', input: sms('+34 912 34 56 78'), refused: { code: 'landline_cannot_receive_sms', field: 'method' } },
        { name: 'US fixed_line_or_mobile sms is allowed', input: sms('+1 212 555 0100'), accepted: { e164: '+12125550100', country: 'US', lineType: 'fixed_line_or_mobile' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('numbers that are not valid', () => {
    it.each(
      table([
        { name: 'US area code 112 does not exist', input: call('+1 112 555 0100'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'GB Ofcom drama range 07700 900xxx', input: sms('+44 7700 900456'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'GB London with a digit missing', input: call('+44 20 7946 001'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'DE unassigned range 032', input: call('+49 32 12345678'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'AU mobile with a digit missing', input: sms('+61 4 1234 567'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'BR São Paulo mobile without the 9', input: sms('+55 11 9123 4567'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'JP mobile with a digit too many', input: sms('+81 90 1234 56789'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'NG mobile with a digit too many', input: sms('+234 803 123 45678'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'unknown calling code +999', input: call('+999 123 456 789'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'a lone +', input: call('+'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'letters', input: call('abc'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'a letter among the digits', input: sms('+44 7400 1234a6'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'a vanity number', input: call('1-800-FLOWERS', 'US'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'a sentence around a number', input: call('call me on +44 7400 123456'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'two plus signs', input: call('++44 7400 123456'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'two numbers', input: call('+44 7400 123456 / +44 7400 123457'), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'a very long string', input: call(`+44 ${'1 '.repeat(60)}`), refused: { code: 'invalid_number', field: 'number' } },
        { name: 'empty', input: call(''), refused: { code: 'number_required', field: 'number' } },
        { name: 'only spaces', input: call('   '), refused: { code: 'number_required', field: 'number' } },
        { name: 'international freephone +800 has no country', input: call('+800 1234 5678'), refused: { code: 'unsupported_number', field: 'number' } },
        { name: 'Inmarsat +870 has no country', input: call('+870 773 111 632'), refused: { code: 'unsupported_number', field: 'number' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('too short and too long', () => {
    it.each(
      table([
        { name: 'US, 9 digits', input: call('+1 212 555 010'), refused: { code: 'too_short', field: 'number' } },
        { name: 'US, only the calling code', input: call('+1'), refused: { code: 'too_short', field: 'number' } },
        { name: 'GB, 4 digits', input: call('+44 3 123'), refused: { code: 'too_short', field: 'number' } },
        { name: 'DE, 3 digits', input: call('+49 30 1'), refused: { code: 'too_short', field: 'number' } },
        { name: 'NG, 8 digits', input: call('+234 1 234 5678'), refused: { code: 'too_short', field: 'number' } },
        { name: 'US national, 6 digits', input: call('212 555', 'US'), refused: { code: 'too_short', field: 'number' } },
        { name: 'GB national, 6 digits', input: call('0740 12', 'GB'), refused: { code: 'too_short', field: 'number' } },
        { name: 'US, 11 digits', input: call('+1 212 555 01000'), refused: { code: 'too_long', field: 'number' } },
        { name: 'GB, 11 digits', input: call('+44 20 7946 00189'), refused: { code: 'too_long', field: 'number' } },
        { name: 'MX with the old mobile 1', input: sms('+52 1 55 1234 5678'), refused: { code: 'too_long', field: 'number' } },
        { name: 'GB number dialled with 00 from the US', input: call('0044 7400 123456', 'US'), refused: { code: 'too_long', field: 'number' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('premium-rate numbers are refused for both methods', () => {
    it.each(
      table([
        { name: 'GB 09', input: call('+44 909 876 5432'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'GB 0845 (premium in the metadata)', input: sms('+44 845 123 4567'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'US 1-900', input: call('1-900-234-5678', 'US'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'FR 089', input: call('+33 891 23 45 67'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'DE 0900', input: call('+49 900 1 234567'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'AU 1900', input: call('+61 1900 123 456'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'ES 803', input: call('+34 803 123 456'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
        { name: 'MX 900', input: sms('+52 900 123 4567'), refused: { code: 'premium_rate_not_allowed', field: 'number' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('toll-free and other service numbers take calls only', () => {
    it.each(
      table([
        { name: 'US 1-800 call', input: call('+1 800 555 0100'), accepted: { e164: '+18005550100', country: 'US', lineType: 'toll_free' } },
        { name: 'US 1-888 call, national', input: call('(888) 555-0100', 'US'), accepted: { e164: '+18885550100', country: 'US', lineType: 'toll_free' } },
        { name: 'GB 0800 call', input: call('+44 800 123 4567'), accepted: { e164: '+448001234567', country: 'GB', lineType: 'toll_free' } },
        { name: 'IN 1800 call', input: call('+91 1800 123 4567'), accepted: { e164: '+9118001234567', country: 'IN', lineType: 'toll_free' } },
        { name: 'US 1-800 sms', input: sms('+1 800 555 0100'), refused: { code: 'toll_free_cannot_receive_sms', field: 'method' } },
        { name: 'JP 0120 sms', input: sms('+81 120 123 456'), refused: { code: 'toll_free_cannot_receive_sms', field: 'method' } },
        { name: 'ES 902 shared cost call', input: call('+34 902 123 456'), accepted: { e164: '+34902123456', country: 'ES', lineType: 'shared_cost' } },
        { name: 'ES 902 shared cost sms', input: sms('+34 902 123 456'), refused: { code: 'number_cannot_receive_sms', field: 'method' } },
        { name: 'GB 0300 UAN call', input: call('+44 300 123 4567'), accepted: { e164: '+443001234567', country: 'GB', lineType: 'uan' } },
        { name: 'JP 0570 UAN sms', input: sms('+81 570 123 456'), refused: { code: 'number_cannot_receive_sms', field: 'method' } },
        { name: 'GB 070 personal number call', input: call('+44 70 1234 5678'), accepted: { e164: '+447012345678', country: 'GB', lineType: 'personal_number' } },
        { name: 'GB 070 personal number sms', input: sms('+44 70 1234 5678'), refused: { code: 'number_cannot_receive_sms', field: 'method' } },
        { name: 'GB 076 pager sms', input: sms('+44 76 4012 3456'), options: { senderCountry: 'GB' }, accepted: { e164: '+447640123456', country: 'GB', lineType: 'pager' } },
        { name: 'GB 076 pager call', input: call('+44 76 4012 3456'), refused: { code: 'number_cannot_take_calls', field: 'method' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('national numbers with a country hint; international numbers override the hint', () => {
    it.each(
      table([
        { name: 'GB mobile', input: sms('07400 123456', 'GB'), options: { senderCountry: 'GB' }, accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile' } },
        { name: 'GB landline, lowercase hint', input: call('020 7946 0018', 'gb'), accepted: { e164: '+442079460018', country: 'GB', lineType: 'fixed_line' } },
        { name: 'US, hint with spaces around', input: sms('(212) 555-0100', ' us '), accepted: { e164: '+12125550100', country: 'US', lineType: 'fixed_line_or_mobile' } },
        { name: 'US hint, Canadian area code: the number decides', input: sms('416 555 0100', 'US'), accepted: { e164: '+14165550100', country: 'CA', lineType: 'fixed_line_or_mobile', intl: true } },
        { name: 'DE with a slash', input: call('030/1234567', 'DE'), accepted: { e164: '+49301234567', country: 'DE', lineType: 'fixed_line' } },
        { name: 'DE mobile', input: sms('0151 23456789', 'DE'), accepted: { e164: '+4915123456789', country: 'DE', lineType: 'mobile', intl: true } },
        { name: 'FR mobile', input: sms('06 12 34 56 78', 'FR'), accepted: { e164: '+33612345678', country: 'FR', lineType: 'mobile', intl: true } },
        { name: 'IN mobile', input: sms('98765 43210', 'IN'), accepted: { e164: '+919876543210', country: 'IN', lineType: 'mobile', intl: true } },
        { name: 'BR mobile', input: sms('(11) 96123-4567', 'BR'), accepted: { e164: '+5511961234567', country: 'BR', lineType: 'mobile', intl: true } },
        { name: 'JP mobile', input: sms('090-1234-5678', 'JP'), accepted: { e164: '+819012345678', country: 'JP', lineType: 'mobile', intl: true } },
        { name: 'AU mobile', input: sms('0412 345 678', 'AU'), accepted: { e164: '+61412345678', country: 'AU', lineType: 'mobile', intl: true } },
        { name: 'NG mobile', input: sms('0803 123 4567', 'NG'), accepted: { e164: '+2348031234567', country: 'NG', lineType: 'mobile', intl: true } },
        { name: 'ES mobile', input: sms('612 34 56 78', 'ES'), accepted: { e164: '+34612345678', country: 'ES', lineType: 'mobile', intl: true } },
        { name: 'MX', input: sms('222 123 4567', 'MX'), accepted: { e164: '+522221234567', country: 'MX', lineType: 'fixed_line_or_mobile', intl: true } },
        { name: 'CA', input: sms('(506) 234-5678', 'CA'), accepted: { e164: '+15062345678', country: 'CA', lineType: 'fixed_line_or_mobile', intl: true } },
        { name: 'GB dialled with 00 from GB', input: sms('0044 7400 123456', 'GB'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: true } },
        { name: 'GB dialled with 011 from the US', input: sms('011 44 7400 123456', 'US'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: true } },
        { name: 'GB with (0) after the calling code', input: call('+44 (0)20 7946 0018'), accepted: { e164: '+442079460018', country: 'GB', lineType: 'fixed_line' } },
        { name: '+44 overrides a US hint', input: sms('+44 7400 123456', 'US'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: true } },
        { name: '+33 overrides a DE hint', input: call('+33 6 12 34 56 78', 'DE'), accepted: { e164: '+33612345678', country: 'FR', lineType: 'mobile' } },
        { name: 'empty hint with an international number', input: call('+49 30 12345678', ''), accepted: { e164: '+493012345678', country: 'DE', lineType: 'fixed_line' } },
        { name: 'national number without a hint', input: sms('07400 123456'), refused: { code: 'country_required', field: 'country' } },
        { name: '00 prefix without a hint', input: sms('0044 7400 123456'), refused: { code: 'country_required', field: 'country' } },
        { name: 'unknown country code', input: sms('07400 123456', 'XX'), refused: { code: 'invalid_country', field: 'country' } },
        { name: 'alpha-3 country code', input: sms('(212) 555-0100', 'USA'), refused: { code: 'invalid_country', field: 'country' } },
        { name: 'unknown country code with an international number', input: sms('+44 7400 123456', 'ZZ'), refused: { code: 'invalid_country', field: 'country' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('VoIP numbers are accepted and flagged', () => {
    it.each(
      table([
        { name: 'GB 056 sms', input: sms('+44 56 1234 5678'), options: { senderCountry: 'GB' }, accepted: { e164: '+445612345678', country: 'GB', lineType: 'voip', warnings: ['voip_number'] } },
        { name: 'GB 056 sms from a US sender', input: sms('+44 56 1234 5678'), accepted: { e164: '+445612345678', country: 'GB', lineType: 'voip', intl: true, warnings: ['voip_number', 'international_sms_charges'] } },
        { name: 'FR 09 call', input: call('+33 9 12 34 56 78'), accepted: { e164: '+33912345678', country: 'FR', lineType: 'voip', warnings: ['voip_number'] } },
        { name: 'JP 050 call', input: call('050-1234-5678', 'JP'), accepted: { e164: '+815012345678', country: 'JP', lineType: 'voip', warnings: ['voip_number'] } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('extensions', () => {
    const office = { e164: '+12125550100', country: 'US', lineType: 'fixed_line_or_mobile' as const };
    it.each(
      table([
        { name: 'typed as "ext."', input: call('+1 212 555 0100 ext. 123'), accepted: { ...office, extension: '123' } },
        { name: 'typed as "x"', input: call('+1 212 555 0100 x123'), accepted: { ...office, extension: '123' } },
        { name: 'typed as "#"', input: call('+1 212 555 0100 #123'), accepted: { ...office, extension: '123' } },
        { name: 'typed as "extension", national', input: call('(212) 555-0100 extension 42', 'US'), accepted: { ...office, extension: '42' } },
        { name: 'typed as ";ext="', input: call('+12125550100;ext=0012'), accepted: { ...office, extension: '0012' } },
        { name: 'in its own field', input: call('+1 212 555 0100', undefined, { extension: '123' }), accepted: { ...office, extension: '123' } },
        { name: 'in its own field, trimmed', input: call('+1 212 555 0100', undefined, { extension: ' 42 ' }), accepted: { ...office, extension: '42' } },
        { name: 'empty field means none', input: call('+1 212 555 0100', undefined, { extension: '' }), accepted: office },
        { name: 'GB landline with an extension', input: call('+44 20 7946 0018 ext 204'), accepted: { e164: '+442079460018', country: 'GB', lineType: 'fixed_line', extension: '204' } },
        { name: 'the same in both places', input: call('+1 212 555 0100 x123', undefined, { extension: '123' }), accepted: { ...office, extension: '123' } },
        { name: 'different in both places', input: call('+1 212 555 0100 x123', undefined, { extension: '456' }), refused: { code: 'extension_conflict', field: 'extension' } },
        { name: 'letters in the field', input: call('+1 212 555 0100', undefined, { extension: '12a' }), refused: { code: 'invalid_extension', field: 'extension' } },
        { name: '11 digits in the field', input: call('+1 212 555 0100', undefined, { extension: '12345678901' }), refused: { code: 'invalid_extension', field: 'extension' } },
        { name: '11 digits typed into the number', input: call('+1 212 555 0100 ext. 12345678901'), refused: { code: 'invalid_extension', field: 'number' } },
        { name: 'with a text, in the field', input: sms('+1 212 555 0100', undefined, { extension: '123' }), refused: { code: 'extension_requires_call', field: 'extension' } },
        { name: 'with a text, typed into the number', input: sms('+1 212 555 0100 ext. 123'), refused: { code: 'extension_requires_call', field: 'number' } },
        { name: 'a label does not matter', input: call('+1 212 555 0100', undefined, { label: 'office' }), accepted: office },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe("Twilio's magic test numbers", () => {
    const testNumbers = { allowTestNumbers: true };
    it.each(
      table([
        { name: 'allowed: accepted as a US mobile', input: sms('+15005550006'), options: testNumbers, accepted: { e164: '+15005550006', country: 'US', lineType: 'mobile' } },
        { name: 'allowed: typed with spaces', input: call('+1 500 555 0001'), options: testNumbers, accepted: { e164: '+15005550001', country: 'US', lineType: 'mobile' } },
        { name: 'allowed: "not SMS-capable" still passes here (the sandbox refuses it)', input: sms('+1 (500) 555-0009'), options: testNumbers, accepted: { e164: '+15005550009', country: 'US', lineType: 'mobile' } },
        { name: 'allowed: charges caution for a GB sender', input: sms('+15005550006'), options: { ...testNumbers, senderCountry: 'GB' }, accepted: { e164: '+15005550006', country: 'US', lineType: 'mobile', intl: true } },
        { name: 'allowed: an extension for a call', input: call('+15005550006', undefined, { extension: '7' }), options: testNumbers, accepted: { e164: '+15005550006', country: 'US', lineType: 'mobile', extension: '7' } },
        { name: 'allowed: a digit short is not a test number', input: sms('+1500555000'), options: testNumbers, refused: { code: 'too_short', field: 'number' } },
        { name: 'not allowed', input: sms('+15005550006'), refused: { code: 'test_number_not_allowed', field: 'number' } },
        { name: 'not allowed, typed with spaces', input: call('+1 500 555 0001'), refused: { code: 'test_number_not_allowed', field: 'number' } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  describe('internationalSmsCharges', () => {
    it.each(
      table([
        { name: 'GB text, GB sender', input: sms('+44 7400 123456'), options: { senderCountry: 'GB' }, accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: false } },
        { name: 'GB text, lowercase gb sender', input: sms('+44 7400 123456'), options: { senderCountry: 'gb' }, accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: false } },
        { name: 'GB text, US sender', input: sms('+44 7400 123456'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: true } },
        { name: 'GB call, US sender: calls carry no caution', input: call('+44 7400 123456'), accepted: { e164: '+447400123456', country: 'GB', lineType: 'mobile', intl: false } },
        { name: 'US text, US sender', input: sms('+1 201 555 0123'), accepted: { e164: '+12015550123', country: 'US', lineType: 'fixed_line_or_mobile', intl: false } },
        { name: 'CA text, US sender: same calling code, other country', input: sms('+1 506 234 5678'), accepted: { e164: '+15062345678', country: 'CA', lineType: 'fixed_line_or_mobile', intl: true } },
        { name: 'DE text, DE sender', input: sms('+49 1512 3456789'), options: { senderCountry: 'DE' }, accepted: { e164: '+4915123456789', country: 'DE', lineType: 'mobile', intl: false } },
      ]),
    )('%s', (_name, row) => expect(run(row)).toEqual(expected(row)));
  });

  it.each([
    ['a null number', { number: null, method: 'call' }, { ok: false, error: expect.objectContaining({ code: 'number_required', field: 'number' }) }],
    ['a numeric number (JSON has no leading + or 0)', { number: 447400123456, method: 'call' }, { ok: false, error: expect.objectContaining({ code: 'invalid_number', field: 'number' }) }],
    ['a null country is no hint', { number: '+44 7400 123456', method: 'call', country: null }, { ok: true }],
    ['a numeric country', { number: '07400 123456', method: 'call', country: 44 }, { ok: false, error: expect.objectContaining({ code: 'invalid_country', field: 'country' }) }],
    ['a null extension is none', { number: '+1 212 555 0100', method: 'call', extension: null }, { ok: true }],
    ['a numeric extension is checked like text', { number: '+1 212 555 0100', method: 'call', extension: 123 }, { ok: true, phone: expect.objectContaining({ extension: '123' }) }],
    ['a fractional extension', { number: '+1 212 555 0100', method: 'call', extension: 1.5 }, { ok: false, error: expect.objectContaining({ code: 'invalid_extension', field: 'extension' }) }],
  ])('JSON input: %s', (_name, body, outcome) => {
    expect(normalisePhone(body as unknown as PhoneNumberInput, SENDER_US)).toMatchObject(outcome);
  });

  it('refuses a method other than call or sms', () => {
    const input = { number: '+44 7400 123456', method: 'email' } as unknown as PhoneNumberInput;
    expect(normalisePhone(input, SENDER_US)).toEqual({
      ok: false,
      error: { code: 'invalid_method', field: 'method', message: expect.any(String) },
    });
  });

  it.each([
    ['landline texts suggest calling', sms('+44 121 234 5678'), /Call me/],
    ['toll-free texts suggest calling', sms('+1 800 555 0100'), /Call me/],
    ['a national number asks for the country', sms('07400 123456'), /country/],
  ])('message: %s', (_name, input, pattern) => {
    const result = normalisePhone(input, SENDER_US);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(pattern);
  });

  it('writes every error message as a sentence', () => {
    const inputs: PhoneNumberInput[] = [
      call(''), call('abc'), call('+1 212 555 010'), call('+1 212 555 01000'), call('+44 909 876 5432'),
      sms('+44 121 234 5678'), sms('+1 800 555 0100'), sms('+34 902 123 456'), call('+44 76 4012 3456'),
      sms('07400 123456'), sms('07400 123456', 'XX'), call('+800 1234 5678'), sms('+15005550006'),
      sms('+1 212 555 0100', undefined, { extension: '1' }), call('+1 212 555 0100', undefined, { extension: 'x' }),
      call('+1 212 555 0100 x1', undefined, { extension: '2' }),
    ];
    for (const input of inputs) {
      const result = normalisePhone(input, SENDER_US);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/^[A-Z].*\.$/);
    }
  });
});
