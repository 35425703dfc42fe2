import { createHash } from 'node:crypto';
import { hotp, textCode, textCodeMatches, smsBody, webOtpHost } from './verification-code';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef');
const ATTEMPT = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';

/** RFC 4226's counter: 8 bytes, big-endian. */
const counter = (n: number) => {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(n));
  return message;
};

/** A fixed, well-spread attempt id for index `i` (the same on every run: the distribution test cannot flake). */
const attemptId = (i: number) => {
  const hex = createHash('sha256').update(`attempt-${i}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

describe('hotp (RFC 4226)', () => {
  // RFC 4226 Appendix D: HMAC-SHA-1, the ASCII secret "12345678901234567890", counters 0–9.
  it.each([
    [0, '755224'], [1, '287082'], [2, '359152'], [3, '969429'], [4, '338314'],
    [5, '254676'], [6, '287922'], [7, '162583'], [8, '399871'], [9, '520489'],
  ])('SHA-1, counter %i → %s (Appendix D)', (n, expected) => {
    expect(hotp('12345678901234567890', counter(n), 6, 'sha1')).toBe(expected);
  });

  // RFC 6238 Appendix B: the same truncation over HMAC-SHA-256, 8 digits, its 32-byte seed, T = floor(time / 30).
  it.each([
    [59, '46119246'], [1111111109, '68084774'], [1111111111, '67062674'],
    [1234567890, '91819424'], [2000000000, '90698825'], [20000000000, '77737706'],
  ])('SHA-256, time %i → %s (RFC 6238 Appendix B)', (time, expected) => {
    expect(hotp('12345678901234567890123456789012', counter(Math.floor(time / 30)), 8, 'sha256')).toBe(expected);
  });

  it('refuses an empty key', () => {
    expect(() => hotp('', counter(0))).toThrow();
  });
});

describe('textCode', () => {
  it('is 6 digits, the same for the same attempt and key, another for another attempt or key', () => {
    const code = textCode(KEY, ATTEMPT);
    expect(code).toMatch(/^\d{6}$/);
    expect(textCode(KEY, ATTEMPT)).toBe(code);
    expect(textCode(KEY, ATTEMPT)).toBe(hotp(KEY, Buffer.from(ATTEMPT.replace(/-/g, ''), 'hex')));
    expect(textCode(Buffer.from('another key of the same length!!'), ATTEMPT)).not.toBe(code);
    expect(textCode(KEY, attemptId(1))).not.toBe(code);
  });

  it('needs a UUID', () => {
    expect(() => textCode(KEY, 'at_1')).toThrow();
  });

  it('spreads evenly: every digit of 100,000 codes is uniform (chi-square, 9 degrees of freedom), and they rarely repeat', () => {
    const n = 100_000;
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const code = textCode(KEY, attemptId(i));
      if (i < 10_000) seen.add(code);
      for (let d = 0; d < 6; d++) counts[d][Number(code[d])]++;
    }
    const expected = n / 10;
    for (const position of counts) {
      const chiSquare = position.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
      expect(chiSquare).toBeLessThan(27.88); // p = 0.001
    }
    // 10,000 draws from a million: about 50 repeats expected by the birthday bound.
    expect(seen.size).toBeGreaterThan(9_850);
  });
});

describe('textCodeMatches', () => {
  const code = textCode(KEY, ATTEMPT);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  it.each([
    ['the right code', code, KEY, ATTEMPT, true],
    ['a wrong code', wrong, KEY, ATTEMPT, false],
    ['another key', code, Buffer.from('another key of the same length!!'), ATTEMPT, false],
    ['another attempt', code, KEY, attemptId(7), false],
    ['5 digits', code.slice(1), KEY, ATTEMPT, false],
    ['7 digits', `${code}0`, KEY, ATTEMPT, false],
    ['spaces around', ` ${code} `, KEY, ATTEMPT, false],
    ['letters', `${code.slice(0, 5)}a`, KEY, ATTEMPT, false],
    ['empty', '', KEY, ATTEMPT, false],
    ['a non-ASCII digit', `${code.slice(0, 5)}٥`, KEY, ATTEMPT, false],
  ] as const)('%s → %s', (_name, given, key, attempt, expected) => {
    expect(textCodeMatches(given, key, attempt)).toBe(expected);
  });

  it('does not throw on a code that is not a string', () => {
    expect(textCodeMatches(123456 as unknown as string, KEY, ATTEMPT)).toBe(false);
  });
});

describe('webOtpHost', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['example.com:8443', 'example.com'],
    ['https://verify.example.com', 'verify.example.com'],
    ['https://verify.example.com:8443/app/', 'verify.example.com'],
    ['http://127.0.0.1:3000', '127.0.0.1'],
    ['localhost:3000', 'localhost'],
    ['example.com.', 'example.com'],
  ])('%s → %s', (input, host) => {
    expect(webOtpHost(input)).toBe(host);
  });

  it.each(['', 'http://[::1]:3000', 'bad_host.example', 'https://', 'exa mple.com'])('refuses %j', (input) => {
    expect(() => webOtpHost(input)).toThrow();
  });
});

describe('smsBody', () => {
  it('says what the code is for, when it expires, and ends with the WebOTP line', () => {
    expect(smsBody('123456', 'verify.example.com', 'sign_in', 10)).toBe(
      "Your Redial verification code is 123456. It expires in 10 minutes. Don't share it with anyone.\n\n@verify.example.com #123456",
    );
  });

  it.each([
    ['settings', 'settings', 10, /^Your Redial code to confirm this phone number is 004321\. It expires in 10 minutes\./],
    ['one minute, singular', 'sign_in', 1, /It expires in 1 minute\./],
    ['a fraction rounds up', 'sign_in', 4.2, /It expires in 5 minutes\./],
    ['less than a minute still says 1', 'sign_in', 0.2, /It expires in 1 minute\./],
  ] as const)('%s', (_name, purpose, minutes, pattern) => {
    expect(smsBody('004321', 'example.com', purpose, minutes)).toMatch(pattern);
  });

  it.each([
    ['a public URL with a port: the port is dropped', 'https://verify.example.com:8443', '@verify.example.com #004321'],
    ['a host with a port', '127.0.0.1:3000', '@127.0.0.1 #004321'],
  ])('last line from %s', (_name, host, lastLine) => {
    const lines = smsBody('004321', host, 'sign_in', 10).split('\n');
    expect(lines[lines.length - 1]).toBe(lastLine);
  });

  it('is one GSM-7 segment for a typical host', () => {
    const body = smsBody('123456', 'verify.example.com', 'settings', 10);
    expect(body.length).toBeLessThanOrEqual(160);
    expect(body).toMatch(/^[A-Za-z0-9 .,'@#:\n-]+$/);
  });

  it('refuses a code that is not 6 digits', () => {
    expect(() => smsBody('12345', 'example.com', 'sign_in', 10)).toThrow();
  });
});
