import { countSmsSegments, smsBody, smsEncoding } from './index';

describe('countSmsSegments', () => {
  it.each([
    ['empty', '', 'gsm7', 1],
    ['one GSM-7 character', 'a', 'gsm7', 1],
    ['160 GSM-7 characters', 'a'.repeat(160), 'gsm7', 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 'gsm7', 2],
    ['306 GSM-7 characters', 'a'.repeat(306), 'gsm7', 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 'gsm7', 3],
    ['GSM-7 accents and Greek', 'Ärger für Ωmega à £5', 'gsm7', 1],
    ['80 extension characters count twice', '{'.repeat(80), 'gsm7', 1],
    ['81 extension characters count twice', '{'.repeat(81), 'gsm7', 2],
    ['70 UCS-2 characters', 'ж'.repeat(70), 'ucs2', 1],
    ['71 UCS-2 characters', 'ж'.repeat(71), 'ucs2', 2],
    ['one curly apostrophe makes the whole text UCS-2', `${'a'.repeat(70)}’`, 'ucs2', 2],
    ['an emoji is two UTF-16 units', '😀'.repeat(35), 'ucs2', 1],
    ['36 emoji', '😀'.repeat(36), 'ucs2', 2],
  ])('%s', (_name, body, encoding, segments) => {
    expect(smsEncoding(body)).toBe(encoding);
    expect(countSmsSegments(body)).toBe(segments);
  });

  it("Redial's own texts are one GSM-7 segment", () => {
    const body = smsBody('123456', 'https://verify.example.com', 'settings', 10);
    expect(smsEncoding(body)).toBe('gsm7');
    expect(countSmsSegments(body)).toBe(1);
  });
});
