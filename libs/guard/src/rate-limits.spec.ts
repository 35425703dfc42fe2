import { deriveKey } from '@redial/config';
import { loadConfig } from '@redial/config';
import { REDIS_KEYS, rateLimitKey } from '@redial/contracts';
import { type RateLimitConfig } from '@redial/config';
import { RATE_LIMITS, rateLimitSpecs, refusalMessage, retryAfterSec, subjectHasher } from './rate-limits';

const defaults = (): RateLimitConfig => loadConfig({}).rateLimits;

describe('rate limit specs', () => {
  it('has a spec per limit, with the documented defaults', () => {
    const specs = rateLimitSpecs(defaults());
    expect(Object.keys(specs).sort()).toEqual([...RATE_LIMITS].sort());
    expect(Object.values(specs).map((s) => [s.name, s.points, s.windowSec])).toEqual([
      ['phone_10min', 10, 600],
      ['phone_day', 30, 86400],
      ['sms_cooldown', 1, 30],
      ['user_challenges', 20, 3600],
      ['user_settings_saves', 10, 3600],
      ['api_key_challenges', 1000, 60],
      ['client_ip', 300, 60],
      ['wrong_codes', 20, 86400],
    ]);
  });

  it('a cool-down of 0 seconds turns the cool-down off', () => {
    expect(rateLimitSpecs({ ...defaults(), smsCooldownSec: 0 }).sms_cooldown.points).toBe(0);
  });

  it.each([
    [0, 1],
    [1, 1],
    [999, 1],
    [1001, 2],
    [59_500, 60],
  ])('Retry-After for %i ms left is %i s (whole seconds, at least 1)', (ms, sec) => {
    expect(retryAfterSec(ms)).toBe(sec);
  });

  it('says which limit and how long to wait', () => {
    const specs = rateLimitSpecs(defaults());
    expect(refusalMessage(specs.user_challenges, 42)).toBe('Too many verifications started for this user in an hour (limit 20). Try again in 42 seconds.');
    expect(refusalMessage(specs.api_key_challenges, 600)).toBe('Too many verifications started with this API key in a minute (limit 1000). Try again in 10 minutes.');
    expect(refusalMessage(specs.wrong_codes, 3600)).toBe('Too many wrong codes in a row (20): checking codes for this user is locked. Try again in 60 minutes.');
    expect(refusalMessage(specs.phone_day, 80000)).toMatch(/in 23 hours\.$/);
  });

  it('config: each limit has a variable; a malformed one stops start-up naming it', () => {
    expect(loadConfig({ RATE_LIMIT_PHONE_10MIN: '4', RATE_LIMIT_WRONG_CODES: '0' }).rateLimits).toMatchObject({ phonePer10Min: 4, wrongCodesPerUser: 0 });
    expect(() => loadConfig({ RATE_LIMIT_WRONG_CODES: '101' })).toThrow(/RATE_LIMIT_WRONG_CODES/);
    expect(() => loadConfig({ RATE_LIMIT_CLIENT_IP_MIN: 'lots' })).toThrow(/RATE_LIMIT_CLIENT_IP_MIN/);
  });

  it.each([
    [undefined, ['loopback']],
    ['none', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.10,loopback', ['10.0.0.0/8', '192.168.1.10', 'loopback']],
  ])('TRUST_PROXY=%s trusts %j', (raw, expected) => {
    expect(loadConfig(raw === undefined ? {} : { TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it('TRUST_PROXY refuses what is not an address, a CIDR, a name or a hop count', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.example.com' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '0' })).toThrow(/TRUST_PROXY/);
  });
});

describe('subject hashes (what goes into a Redis key)', () => {
  const hash = subjectHasher(deriveKey('test-token-secret-0123456789abcdef', 'rateLimitSubjects'));

  it('never holds the number, is stable, and differs per kind and per secret', () => {
    const h = hash('phone', '+12015550123');
    expect(h).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(h).not.toContain('2015550123');
    expect(hash('phone', '+12015550123')).toBe(h);
    expect(hash('user', '+12015550123')).not.toBe(h);
    expect(subjectHasher(deriveKey('another-token-secret-0123456789', 'rateLimitSubjects'))('phone', '+12015550123')).not.toBe(h);
  });

  it('makes keys under the prefix without ":"', () => {
    const key = rateLimitKey('{redial}', 'phone_day', hash('phone', '+12015550123'));
    expect(key.startsWith('{redial}-ratelimit-phone_day-')).toBe(true);
    expect(key).not.toContain(':');
    expect(REDIS_KEYS.rateLimitKey).toBe(rateLimitKey);
  });
});
