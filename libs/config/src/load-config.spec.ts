import { ConfigError, loadConfig, sandboxExposure } from '@redial/config';

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
    expect(c.shutdownGraceMs).toBe(10000);
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
    [{ TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15017122661', PUBLIC_URL: 'https://v.example.com' }, /^Configuration error: API_KEYS is required/],
    [{ TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: 'nope', API_KEYS: 'k'.repeat(20) }, /^Configuration error: TWILIO_FROM/],
    [{ TOKEN_SECRET: 'short' }, /^Configuration error: TOKEN_SECRET/],
    [{ ALERT_WEBHOOK_URL: 'ftp://x' }, /^Configuration error: ALERT_WEBHOOK_URL/],
    [{ SHUTDOWN_GRACE_MS: '10s' }, /^Configuration error: SHUTDOWN_GRACE_MS must be a whole number/],
  ];
  it.each(bad)('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('live mode requires API_KEYS, OPERATOR_TOKEN and TOKEN_SECRET', () => {
    const live = { TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'tok', TWILIO_FROM: '+15017122661', PUBLIC_URL: 'https://verify.example.com' };
    expect(() => loadConfig({ ...live, API_KEYS: 'k'.repeat(20) })).toThrow(/OPERATOR_TOKEN is required/);
    expect(() => loadConfig({ ...live, API_KEYS: 'k'.repeat(20), OPERATOR_TOKEN: 'o'.repeat(20) })).toThrow(/TOKEN_SECRET is required/);
    const c = loadConfig({ ...live, API_KEYS: 'k'.repeat(20), OPERATOR_TOKEN: 'o'.repeat(20), TOKEN_SECRET: 's'.repeat(32) });
    expect(c.twilio.mode).toBe('live');
    expect(c.twilio.apiUrl).toBeUndefined();
  });

  describe('live mode (Twilio credentials)', () => {
    const live = {
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM: '+15017122661',
      API_KEYS: 'k'.repeat(20),
      OPERATOR_TOKEN: 'o'.repeat(20),
      TOKEN_SECRET: 's'.repeat(32),
    };

    it('sends Twilio requests through TWILIO_PROXY_URL, else HTTPS_PROXY or HTTP_PROXY (as the SDK`s own client did); none by default', () => {
      const base = { ...live, PUBLIC_URL: 'https://verify.example.com' };
      expect(loadConfig(base).twilio.proxyUrl).toBeUndefined();
      expect(loadConfig({ ...base, HTTP_PROXY: 'http://egress:3128' }).twilio.proxyUrl).toBe('http://egress:3128');
      expect(loadConfig({ ...base, HTTP_PROXY: 'http://egress:3128', HTTPS_PROXY: 'http://tls-egress:3128' }).twilio.proxyUrl).toBe('http://tls-egress:3128');
      expect(loadConfig({ ...base, HTTPS_PROXY: 'http://tls-egress:3128', TWILIO_PROXY_URL: 'http://u:p@twilio-egress:8080' }).twilio.proxyUrl).toBe('http://u:p@twilio-egress:8080');
      expect(() => loadConfig({ ...base, TWILIO_PROXY_URL: 'socks5://egress:1080' })).toThrow(/^Configuration error: TWILIO_PROXY_URL/);
      expect(() => loadConfig({ ...base, HTTPS_PROXY: 'egress' })).toThrow(/^Configuration error: HTTPS_PROXY/);
    });

    it('keeps a machine-wide HTTP(S)_PROXY away from the local sandbox; only TWILIO_PROXY_URL applies in sandbox mode', () => {
      expect(loadConfig({ HTTPS_PROXY: 'http://egress:3128', HTTP_PROXY: 'http://egress:3128' }).twilio.proxyUrl).toBeUndefined();
      expect(loadConfig({ TWILIO_PROXY_URL: 'http://127.0.0.1:3128' }).twilio.proxyUrl).toBe('http://127.0.0.1:3128');
    });

    it('takes a public https PUBLIC_URL as the base of every callback', () => {
      expect(loadConfig({ ...live, PUBLIC_URL: 'https://verify.example.com/' }).publicUrl).toBe('https://verify.example.com');
    });

    const refused: Array<[string | undefined, RegExp]> = [
      [undefined, /^Configuration error: PUBLIC_URL is required with Twilio credentials/],
      ['http://verify.example.com', /^Configuration error: PUBLIC_URL must use https/],
      ['https://127.0.0.1:3000', /^Configuration error: PUBLIC_URL must be reachable by Twilio, but 127\.0\.0\.1 is a loopback or private address/],
      ['https://localhost', /loopback or private/],
      ['https://[::1]:3000', /loopback or private/],
      ['https://10.1.2.3', /loopback or private/],
      ['https://172.20.0.5', /loopback or private/],
      ['https://192.168.1.10', /loopback or private/],
      ['https://169.254.169.254', /loopback or private/],
      ['https://[fd12::1]', /loopback or private/],
      ['https://api.internal', /loopback or private/],
      ['not a url', /^Configuration error: PUBLIC_URL must be a URL/],
    ];
    it.each(refused)('refuses PUBLIC_URL %p with one line', (url, message) => {
      const env = url === undefined ? live : { ...live, PUBLIC_URL: url };
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });

    it('ALLOW_INSECURE_PUBLIC_URL=1 lets a tunnel or a test use http or a local address', () => {
      expect(loadConfig({ ...live, PUBLIC_URL: 'http://127.0.0.1:3000', ALLOW_INSECURE_PUBLIC_URL: '1' }).publicUrl).toBe('http://127.0.0.1:3000');
      expect(() => loadConfig({ ...live, ALLOW_INSECURE_PUBLIC_URL: '1' })).toThrow(/PUBLIC_URL is required/);
      expect(() => loadConfig({ ...live, PUBLIC_URL: 'http://x.example.com', ALLOW_INSECURE_PUBLIC_URL: 'maybe' })).toThrow(/ALLOW_INSECURE_PUBLIC_URL must be 1 or 0/);
    });

    it('accepts an API key and secret for REST, and still needs the Auth Token for webhook signatures', () => {
      const key = { TWILIO_API_KEY: `SK${'2'.repeat(32)}`, TWILIO_API_SECRET: 'key-secret', PUBLIC_URL: 'https://verify.example.com' };
      const c = loadConfig({ ...live, ...key });
      expect(c.twilio.apiKey).toEqual({ sid: `SK${'2'.repeat(32)}`, secret: 'key-secret' });
      expect(c.twilio.authToken).toBe('tok');
      const { TWILIO_AUTH_TOKEN: _token, ...withoutToken } = live;
      expect(() => loadConfig({ ...withoutToken, ...key })).toThrow(/^Configuration error: TWILIO_AUTH_TOKEN is required to verify webhook signatures/);
      expect(() => loadConfig({ ...live, ...key, TWILIO_API_SECRET: '' })).toThrow(/^Configuration error: TWILIO_API_SECRET is required with TWILIO_API_KEY/);
      expect(() => loadConfig({ ...live, ...key, TWILIO_API_KEY: '' })).toThrow(/^Configuration error: TWILIO_API_KEY is required with TWILIO_API_SECRET/);
      expect(() => loadConfig({ ...live, ...key, TWILIO_API_KEY: 'AK123' })).toThrow(/^Configuration error: TWILIO_API_KEY must be "SK"/);
    });

    it('sandbox mode leaves PUBLIC_URL alone and knows the sandbox API key', () => {
      const c = loadConfig({ PUBLIC_URL: 'http://127.0.0.1:3000' });
      expect(c.twilio.mode).toBe('sandbox');
      expect(c.twilio.apiKey).toBeUndefined();
      expect(c.sandbox.apiKey).toEqual({ sid: `SK${'0'.repeat(32)}`, secret: 'sandbox-api-secret' });
    });
  });

  describe('QUEUE_PREFIX and REDIS_CLUSTER_NODES (Redis Cluster)', () => {
    it('accepts a hash-tagged prefix in every mode', () => {
      expect(loadConfig({ QUEUE_PREFIX: '{redial}' }).queuePrefix).toBe('{redial}');
      expect(loadConfig({ QUEUE_PREFIX: 'stage-{redial}' }).queuePrefix).toBe('stage-{redial}');
      expect(loadConfig({ QUEUE_PREFIX: '{redial}-eu_1' }).queuePrefix).toBe('{redial}-eu_1');
      expect(loadConfig({}).redisClusterNodes).toBeUndefined();
    });

    it.each(['{}', '{a}{b}', 'a{b', 'a}b', '{a:b}', 'a b', `${'x'.repeat(41)}`])('refuses QUEUE_PREFIX %p with one line', (prefix) => {
      expect(() => loadConfig({ QUEUE_PREFIX: prefix })).toThrow(/^Configuration error: QUEUE_PREFIX must be 1-40 letters, digits, "-" or "_", optionally with one hash tag such as \{redial\}/);
    });

    it('reads the cluster nodes, and defaults the prefix to {redial} in cluster mode', () => {
      const c = loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' });
      expect(c.redisClusterNodes).toEqual([
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ]);
      expect(c.queuePrefix).toBe('{redial}');
      expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'a-{b}' }).queuePrefix).toBe('a-{b}');
    });

    it('refuses an untagged prefix in cluster mode with one line', () => {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', QUEUE_PREFIX: 'redial' })).toThrow(
        /^Configuration error: QUEUE_PREFIX must be hash-tagged with REDIS_CLUSTER_NODES, e\.g\. "\{redial\}", so each queue's keys share one Cluster slot; got "redial"$/,
      );
    });

    it.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'redis://127.0.0.1:7000', 'a:1,b', ','])('refuses REDIS_CLUSTER_NODES %p with one line', (nodes) => {
      expect(() => loadConfig({ REDIS_CLUSTER_NODES: nodes })).toThrow(/^Configuration error: REDIS_CLUSTER_NODES must (be a comma-separated list of host:port|list at least one)/);
    });
  });

  describe('HOST and SANDBOX_PUBLIC (sandbox mode stays on one machine)', () => {
    const live = {
      TWILIO_ACCOUNT_SID: `AC${'1'.repeat(32)}`,
      TWILIO_AUTH_TOKEN: 'tok',
      TWILIO_FROM: '+15017122661',
      PUBLIC_URL: 'https://verify.example.com',
      API_KEYS: 'k'.repeat(20),
      OPERATOR_TOKEN: 'o'.repeat(20),
      TOKEN_SECRET: 's'.repeat(32),
    };
    const exposed = /^Configuration error: SANDBOX_PUBLIC must be 1 to listen on HOST=(0\.0\.0\.0|::|10\.1\.2\.3|redial\.example\.com) in sandbox mode/;
    const table: Array<[Record<string, string>, true | false | RegExp]> = [
      [{}, false],
      [{ HOST: '127.0.0.1' }, false],
      [{ HOST: '127.0.0.2' }, false],
      [{ HOST: '::1' }, false],
      [{ HOST: 'localhost' }, false],
      [{ HOST: '0.0.0.0' }, exposed],
      [{ HOST: '::' }, exposed],
      [{ HOST: '10.1.2.3' }, exposed],
      [{ HOST: 'redial.example.com' }, exposed],
      [{ HOST: '0.0.0.0', SANDBOX_PUBLIC: '0' }, exposed],
      [{ HOST: '0.0.0.0', SANDBOX_PUBLIC: '1' }, true],
      [{ HOST: '::', SANDBOX_PUBLIC: 'yes' }, true],
      [{ HOST: '127.0.0.1', SANDBOX_PUBLIC: '1' }, true],
      [{ HOST: '0.0.0.0', SANDBOX_PUBLIC: 'maybe' }, /^Configuration error: SANDBOX_PUBLIC must be 1 or 0/],
      [{ ...live, HOST: '0.0.0.0' }, false],
      [{ ...live, HOST: '0.0.0.0', SANDBOX_PUBLIC: '1' }, false],
    ];
    it.each(table)('%j → %p', (env, expected) => {
      if (expected instanceof RegExp) {
        expect(() => loadConfig(env)).toThrow(ConfigError);
        expect(() => loadConfig(env)).toThrow(expected);
        return;
      }
      expect(loadConfig(env).sandboxPublic).toBe(expected);
    });

    it('names SANDBOX_PUBLIC in one line, and says what it exposes when given', () => {
      let error: unknown;
      try {
        loadConfig({ HOST: '0.0.0.0' });
      } catch (err) {
        error = err;
      }
      expect((error as ConfigError).variable).toBe('SANDBOX_PUBLIC');
      expect((error as Error).message).not.toContain('\n');
      expect((error as Error).message).toMatch(/inboxes with their codes, its control API and the development API key/);

      const open = sandboxExposure(loadConfig({ HOST: '0.0.0.0', SANDBOX_PUBLIC: '1' }));
      expect(open).toMatch(/^SANDBOX_PUBLIC=1: sandbox mode listens on 0\.0\.0\.0/);
      expect(open).toMatch(/inboxes/);
      expect(open).toMatch(/control API/);
      expect(open).toMatch(/API key/);
      expect(sandboxExposure(loadConfig({}))).toBeUndefined();
      expect(sandboxExposure(loadConfig({ SANDBOX_PUBLIC: '1' }))).toBeUndefined();
      expect(sandboxExposure(loadConfig({ ...live, HOST: '0.0.0.0' }))).toBeUndefined();
    });
  });

  it('never echoes a password inside a malformed URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://user:hunter2@' })).not.toThrow(/hunter2/);
  });
});
