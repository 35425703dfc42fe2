import { handshakeToken, secretChecker, unauthorized } from './handshake-auth';

describe('handshakeToken', () => {
  const cases: Array<[string, Parameters<typeof handshakeToken>[0], string | undefined]> = [
    ['auth.token', { auth: { token: 'a' }, query: {} }, 'a'],
    ['auth wins over query', { auth: { token: 'a' }, query: { token: 'q' } }, 'a'],
    ['query as the fallback', { auth: {}, query: { token: 'q' } }, 'q'],
    ['nothing', { auth: {}, query: {} }, undefined],
    ['no auth object at all', { query: {} }, undefined],
    ['empty token', { auth: { token: '' }, query: { token: '' } }, undefined],
    ['not a string', { auth: { token: 42 }, query: { token: ['x', 'y'] } }, undefined],
  ];
  it.each(cases)('%s', (_name, handshake, expected) => {
    expect(handshakeToken(handshake)).toBe(expected);
  });
});

describe('secretChecker', () => {
  const check = secretChecker('operator-token-123');
  it('accepts the exact secret only', () => {
    expect(check('operator-token-123')).toBe(true);
    expect(check('operator-token-12')).toBe(false);
    expect(check('operator-token-1234')).toBe(false);
    expect(check('OPERATOR-TOKEN-123')).toBe(false);
    expect(check('')).toBe(false);
    expect(check(undefined)).toBe(false);
  });
  it('never accepts anything when the expected secret is empty', () => {
    expect(secretChecker('')('')).toBe(false);
  });
});

it('refusals carry the message `unauthorized` and nothing else', () => {
  const err = unauthorized();
  expect(err.message).toBe('unauthorized');
  expect(Object.keys(err)).toEqual([]);
});
