import { maskPhone, maskPhonesInText } from './phone.masking';

/** Never more than the calling code and the last 2 digits: count the digits a mask shows. */
const shownDigits = (masked: string): string => masked.replace(/[^\d]/g, '');

describe('maskPhone', () => {
  it.each([
    ['US', '+12015550100', '+1 ••• ••• ••00'],
    ['CA', '+15062345678', '+1 ••• ••• ••78'],
    ['GB mobile (Ofcom drama range, formatted even though not valid)', '+447700900456', '+44 •••• ••••56'],
    ['GB landline', '+442079460018', '+44 •• •••• ••18'],
    ['DE', '+4915123456789', '+49 •••• •••••89'],
    ['FR', '+33612345678', '+33 • •• •• •• 78'],
    ['IN', '+919876543210', '+91 ••••• •••10'],
    ['BR', '+5511961234567', '+55 •• ••••• ••67'],
    ['JP', '+819012345678', '+81 •• •••• ••78'],
    ['AU', '+61412345678', '+61 ••• ••• •78'],
    ['NG', '+2348031234567', '+234 ••• ••• ••67'],
    ['ES', '+34612345678', '+34 ••• •• •• 78'],
    ['MX', '+522221234567', '+52 ••• ••• ••67'],
    ['non-geographic +870', '+870773111632', '+870 ••• ••• •32'],
  ])('%s: %s → %s', (_name, e164, masked) => {
    expect(maskPhone(e164)).toBe(masked);
  });

  it.each([
    ['Twilio test number', '+15005550006', '+1 ••• ••• ••06'],
    ['too long for any format: groups of 3, last up to 4', '+44740012345678', '+44 ••• ••• ••• •78'],
    ['unknown calling code: + and the last 2 only', '+999123456789', '+••• ••• ••• •89'],
    ['no plus sign: the calling code cannot be known', '12015550100', '+••• ••• ••• 00'],
    ['an extension is dropped, never shown', '+1 212 555 0100 ext. 5', '+1 ••• ••• ••00'],
    ['separators in the input', '+44 7400 123456', '+44 •••• ••••56'],
    ['only a calling code', '+1', '+1'],
    ['nothing', '', '+'],
    ['no digits', 'abc', '+'],
  ])('fallback, %s: %s → %s', (_name, input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });

  it.each(['+12015550100', '+447700900456', '+2348031234567', '+15005550006', '+999123456789', '+44740012345678'])(
    'shows at most the calling code and 2 digits of %s',
    (e164) => {
      const masked = maskPhone(e164);
      const callingCode = /^\+(\d*)/.exec(masked)?.[1] ?? '';
      expect(shownDigits(masked)).toBe(`${callingCode}${e164.slice(-2)}`);
      expect(masked.endsWith(e164.slice(-2))).toBe(true);
    },
  );
});

describe('maskPhonesInText', () => {
  it.each([
    ['an international number in a sentence', 'call +44 7700 900456 now', 'call +44 •••• ••••56 now'],
    ['two numbers', 'from +1 201 555 0100 to +33 6 12 34 56 78.', 'from +1 ••• ••• ••00 to +33 • •• •• •• 78.'],
    ['E.164 in JSON', '{"to":"+12015550100"}', '{"to":"+1 ••• ••• ••00"}'],
    ['URL-encoded + in a Twilio form body', 'To=%2B14155550100&From=%2B15005550006', 'To=%2B1 ••• ••• ••00&From=%2B1 ••• ••• ••06'],
    ['a national number keeps its separators', 'phone (212) 555-0100', 'phone (•••) •••-••00'],
    ['parentheses after a calling code', '+1 (212) 555-0100.', '+1 ••• ••• ••00.'],
    ['a bare digit run', 'phone=07400123456;', 'phone=•••••••••56;'],
    ['7 digits with a dash', 'ext 555-0100', 'ext •••-••00'],
    ['any other long digit run (masking too much is the safe mistake)', 'ts=1700000000000', 'ts=•••••••••••00'],
  ])('masks %s', (_name, text, masked) => {
    expect(maskPhonesInText(text)).toBe(masked);
  });

  it.each([
    ['short numbers', 'attempt 3 of 12345, port 3000'],
    ['a UUID', 'challenge 3f2a1b4c-1234-5678-9abc-def012345678 ok'],
    ['a UUID starting with digits', 'id 12345678-1234-5678-9abc-def012345678'],
    ['a Twilio SID', 'SM1234567890abcdef1234567890abcdef'],
    ['ISO dates and timestamps', 'on 2024-05-01 at 2024-05-01T10:00:00Z'],
    ['a version and an IP address', 'v1.2.3 on 127.0.0.1'],
    ['text without numbers', 'No answer'],
  ])('leaves %s alone', (_name, text) => {
    expect(maskPhonesInText(text)).toBe(text);
  });
});
