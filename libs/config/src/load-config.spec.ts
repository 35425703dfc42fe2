import { ConfigError, loadConfig } from '@redial/config';

describe('loadConfig', () => {
  it('has a working local default for everything (sandbox mode)', () => {
    const c = loadConfig({});
    expect(c.twilio.mode).toBe('sandbox');
    expect(c.apiPort).toBe(3000);
    expect(c.gatewayPort).toBe(3001);
    expect(c.sandboxPort).toBe(4010);
    expect(c.publicUrl).toBe('http://127.0.0.1:3000');
    expect(c.twilio.apiUrl).toBe('http://127.0.0.1:4010');
    expect(c.twilio.accountSid).toBe(`AC${'0'.repeat(32)}`);
    expect(c.apiKeys).toEqual(['dev-api-key']);
    expect(c.operatorToken).toBe('dev-operator-token');
    expect(c.tokenSecret).toHaveLength(64);
    expect(c.queuePrefix).toBe('redial');
    expect(c.senderCountry).toBe('US');
    expect(c.smsStepTimeoutSec).toBe(90);
    expect(c.databaseUrlExplicit).toBe(false);
  });

  it('derives PUBLIC_URL from API_PORT', () => {
    expect(loadConfig({ API_PORT: '3100' }).publicUrl).toBe('http://127.0.0.1:3100');
  });

  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ API_PORT: 'abc' }, /^Configuration error: API_PORT must be a whole number/],
    [{ API_PORT: '70000' }, /^Configuration error: API_PORT must be between/],
    [{ REDIS_URL: 'not a url' }, /^Configuration error: REDIS_URL must be a URL/],
    [{ REDIS_URL: 'http://x' }, /^Configuration error: REDIS_URL must use redis:/],
    [{ DATABASE_URL: 'mysql://x/y' }, /^Configuration error: DATABASE_URL must use postgres:/],
    [{ QUEUE_PREFIX: 'a:b' }, /^Configuration error: QUEUE_PREFIX/],
    [{ SENDER_COUNTRY: 'USA' }, /^Configuration error: SENDER_COUNTRY/],
    [{ SMS_STEP_TIMEOUT: '-1' }, /^Configuration error: SMS_STEP_TIMEOUT/],
    [{ TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}` }, /^Configuration error: TWILIO_AUTH_TOKEN is required/],
    [{ TWILIO_ACCOUNT_SID: 'XX', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15017122661' }, /^Configuration error: TWILIO_ACCOUNT_SID/],
    [{ TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15017122661' }, /^Configuration error: API_KEYS is required/],
    [{ TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: 'nope', API_KEYS: 'k'.repeat(20) }, /^Configuration error: TWILIO_FROM/],
    [{ TOKEN_SECRET: 'short' }, /^Configuration error: TOKEN_SECRET/],
    [{ ALERT_WEBHOOK_URL: 'ftp://x' }, /^Configuration error: ALERT_WEBHOOK_URL/],
  ];
  it.each(bad)('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('live mode requires API_KEYS, OPERATOR_TOKEN and TOKEN_SECRET', () => {
    const live = { TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15017122661' };
    expect(() => loadConfig({ ...live, API_KEYS: 'k'.repeat(20) })).toThrow(/OPERATOR_TOKEN is required/);
    expect(() => loadConfig({ ...live, API_KEYS: 'k'.repeat(20), OPERATOR_TOKEN: 'o'.repeat(20) })).toThrow(/TOKEN_SECRET is required/);
    const c = loadConfig({ ...live, API_KEYS: 'k'.repeat(20), OPERATOR_TOKEN: 'o'.repeat(20), TOKEN_SECRET: 's'.repeat(32) });
    expect(c.twilio.mode).toBe('live');
    expect(c.twilio.apiUrl).toBeUndefined();
  });

  it('never echoes a password inside a malformed URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://user:hunter2@' })).not.toThrow(/hunter2/);
  });
});
