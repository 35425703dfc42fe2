import { createHmac } from 'node:crypto';
import { codeMatches, generateCode, hashCode, smsBody, webOtpHost } from './verification-code';

const SECRET = 'test-secret';

describe('generateCode', () => {
  it('gives 6 digits, zero-padded, and varies', () => {
    const codes = Array.from({ length: 500 }, generateCode);
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(490);
  });
});

describe('hashCode', () => {
  it('is HMAC-SHA256 keyed by the secret over challengeId|attemptId|code, in hex', () => {
    const expected = createHmac('sha256', SECRET).update('ch_1|at_1|123456').digest('hex');
    expect(hashCode('123456', SECRET, 'ch_1', 'at_1')).toBe(expected);
  });

  it.each([
    ['another code', '654321', SECRET, 'ch_1', 'at_1'],
    ['another secret', '123456', 'other-secret', 'ch_1', 'at_1'],
    ['another challenge', '123456', SECRET, 'ch_2', 'at_1'],
    ['another attempt', '123456', SECRET, 'ch_1', 'at_2'],
  ])('differs for %s', (_name, code, secret, challengeId, attemptId) => {
    expect(hashCode(code, secret, challengeId, attemptId)).not.toBe(hashCode('123456', SECRET, 'ch_1', 'at_1'));
  });

  it('refuses an empty secret', () => {
    expect(() => hashCode('123456', '', 'ch_1', 'at_1')).toThrow();
  });
});

describe('codeMatches', () => {
  const stored = hashCode('012345', SECRET, 'ch_1', 'at_1');

  it.each([
    ['the right code', '012345', stored, SECRET, 'ch_1', 'at_1', true],
    ['a wrong code', '012346', stored, SECRET, 'ch_1', 'at_1', false],
    ['another secret', '012345', stored, 'other-secret', 'ch_1', 'at_1', false],
    ['another challenge', '012345', stored, SECRET, 'ch_2', 'at_1', false],
    ['another attempt', '012345', stored, SECRET, 'ch_1', 'at_2', false],
    ['5 digits', '01234', stored, SECRET, 'ch_1', 'at_1', false],
    ['7 digits', '0123456', stored, SECRET, 'ch_1', 'at_1', false],
    ['spaces around', ' 012345 ', stored, SECRET, 'ch_1', 'at_1', false],
    ['letters', '01234a', stored, SECRET, 'ch_1', 'at_1', false],
    ['empty', '', stored, SECRET, 'ch_1', 'at_1', false],
    ['a non-ASCII digit', '01234٥', stored, SECRET, 'ch_1', 'at_1', false],
    ['a stored hash of the wrong length', '012345', stored.slice(2), SECRET, 'ch_1', 'at_1', false],
    ['a stored hash that is not hex', '012345', 'z'.repeat(64), SECRET, 'ch_1', 'at_1', false],
    ['an empty stored hash', '012345', '', SECRET, 'ch_1', 'at_1', false],
  ] as const)('%s → %s', (_name, code, hash, secret, challengeId, attemptId, expected) => {
    expect(codeMatches(code, hash, secret, challengeId, attemptId)).toBe(expected);
  });

  it('does not throw on a code that is not a string', () => {
    expect(codeMatches(123456 as unknown as string, stored, SECRET, 'ch_1', 'at_1')).toBe(false);
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
