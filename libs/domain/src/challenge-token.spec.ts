import { createHmac } from 'node:crypto';
import { signChallengeToken, verifyChallengeToken } from './challenge-token';

const SECRET = 'token-secret';
const EXPIRES = new Date('2030-01-01T00:10:00.000Z');
const BEFORE = new Date('2030-01-01T00:09:59.999Z');
const token = signChallengeToken({ challengeId: 'ch_1', expiresAt: EXPIRES }, SECRET);
const [payload, signature] = token.split('.');

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const signed = (payloadPart: string, secret = SECRET): string =>
  `${payloadPart}.${createHmac('sha256', secret).update(payloadPart).digest('base64url')}`;
const flipLast = (text: string): string => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A');

describe('signChallengeToken', () => {
  it('is base64url JSON {c, e} and a base64url HMAC-SHA256 of that part', () => {
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))).toEqual({ c: 'ch_1', e: 1893456600 });
    expect(token).toBe(signed(payload));
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('rounds a sub-second expiry down, never past the challenge', () => {
    const t = signChallengeToken({ challengeId: 'ch_1', expiresAt: new Date('2030-01-01T00:10:00.900Z') }, SECRET);
    expect(JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString('utf8')).e).toBe(1893456600);
  });

  it.each([
    ['an empty secret', { challengeId: 'ch_1', expiresAt: EXPIRES }, ''],
    ['an empty challenge id', { challengeId: '', expiresAt: EXPIRES }, SECRET],
    ['an invalid date', { challengeId: 'ch_1', expiresAt: new Date('nope') }, SECRET],
  ])('refuses %s', (_name, claims, secret) => {
    expect(() => signChallengeToken(claims, secret)).toThrow();
  });
});

describe('verifyChallengeToken', () => {
  it('opens the challenge it was signed for', () => {
    expect(verifyChallengeToken(token, SECRET, BEFORE)).toEqual({ challengeId: 'ch_1' });
  });

  it.each([
    ['at the expiry second (no leeway)', token, SECRET, EXPIRES],
    ['after expiry', token, SECRET, new Date('2030-01-01T01:00:00Z')],
    ['another secret', token, 'other-secret', BEFORE],
    ['a payload changed to another challenge', `${b64(JSON.stringify({ c: 'ch_2', e: 1893456600 }))}.${signature}`, SECRET, BEFORE],
    ['a payload with a later expiry', `${b64(JSON.stringify({ c: 'ch_1', e: 1993456600 }))}.${signature}`, SECRET, BEFORE],
    ['a tampered signature', `${payload}.${flipLast(signature)}`, SECRET, BEFORE],
    ['a truncated signature', `${payload}.${signature.slice(0, -2)}`, SECRET, BEFORE],
    ['a padded signature (non-canonical)', `${payload}.${signature}=`, SECRET, BEFORE],
    ['no signature', `${payload}.`, SECRET, BEFORE],
    ['no dot', payload, SECRET, BEFORE],
    ['three parts', `${token}.x`, SECRET, BEFORE],
    ['empty', '', SECRET, BEFORE],
    ['a JWT-looking header', `eyJhbGciOiJub25lIn0.${token}`, SECRET, BEFORE],
    ['validly signed, but not JSON', signed(b64('not json')), SECRET, BEFORE],
    ['validly signed, but JSON null', signed(b64('null')), SECRET, BEFORE],
    ['validly signed, but no challenge id', signed(b64(JSON.stringify({ e: 1893456600 }))), SECRET, BEFORE],
    ['validly signed, but an empty challenge id', signed(b64(JSON.stringify({ c: '', e: 1893456600 }))), SECRET, BEFORE],
    ['validly signed, but the expiry is a string', signed(b64(JSON.stringify({ c: 'ch_1', e: '1893456600' }))), SECRET, BEFORE],
    ['validly signed, but the expiry is fractional', signed(b64(JSON.stringify({ c: 'ch_1', e: 1893456600.5 }))), SECRET, BEFORE],
    ['very long', 'a'.repeat(5000), SECRET, BEFORE],
    ['not a string', 42 as unknown as string, SECRET, BEFORE],
  ])('is null for %s', (_name, candidate, secret, now) => {
    expect(verifyChallengeToken(candidate, secret, now)).toBeNull();
  });

  it('binds each token to its own challenge', () => {
    const other = signChallengeToken({ challengeId: 'ch_2', expiresAt: EXPIRES }, SECRET);
    expect(verifyChallengeToken(other, SECRET, BEFORE)).toEqual({ challengeId: 'ch_2' });
    expect(other).not.toBe(token);
  });
});
