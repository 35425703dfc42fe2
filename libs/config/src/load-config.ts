import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { AppConfig, TwilioConfig } from './app-config';
import { ConfigError } from './config.error';
import { deriveKeys } from './derived-keys';

type Env = Record<string, string | undefined>;

export const SANDBOX_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
export const SANDBOX_AUTH_TOKEN = 'sandbox-auth-token';
export const SANDBOX_FROM = '+15005550006';
export const SANDBOX_API_KEY = `SK${'0'.repeat(32)}`;
export const SANDBOX_API_SECRET = 'sandbox-api-secret';

/**
 * Reads and validates the whole configuration once. This module is the only code in Redial that reads
 * process.env; everything else receives an AppConfig.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const read = new Reader(env);
  const host = read.string('HOST', '127.0.0.1');
  const apiPort = read.port('API_PORT', 3000);
  const gatewayPort = read.port('GATEWAY_PORT', 3001);
  const sandboxPort = read.port('SANDBOX_PORT', 4010);
  const publicHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const sandbox = {
    accountSid: read.accountSid('SANDBOX_ACCOUNT_SID', SANDBOX_ACCOUNT_SID),
    authToken: read.string('SANDBOX_AUTH_TOKEN', SANDBOX_AUTH_TOKEN),
    apiKey: {
      sid: read.apiKeySid('SANDBOX_API_KEY', SANDBOX_API_KEY),
      secret: read.string('SANDBOX_API_SECRET', SANDBOX_API_SECRET),
    },
  };
  const twilio = readTwilio(read, sandbox, `http://127.0.0.1:${sandboxPort}`);
  const live = twilio.mode === 'live';
  const sandboxPublic = readSandboxPublic(read, host, live);
  const tokenSecretGiven = read.optional('TOKEN_SECRET');
  if (tokenSecretGiven !== undefined && tokenSecretGiven.length < 16) {
    throw new ConfigError('TOKEN_SECRET', 'must be at least 16 characters');
  }
  const explicitDb = read.optional('DATABASE_URL');
  // Read in the object below, in its place (a missing API_KEYS or OPERATOR_TOKEN is reported first), then derived.
  let tokenSecret = '';
  const redisClusterNodes = readClusterNodes(read);
  const queuePrefix = readQueuePrefix(read, redisClusterNodes !== undefined);
  const alertWebhookSecret = read.optional('ALERT_WEBHOOK_SECRET');
  if (alertWebhookSecret !== undefined && alertWebhookSecret.length < 16) {
    throw new ConfigError('ALERT_WEBHOOK_SECRET', 'must be at least 16 characters');
  }

  return {
    redisUrl: read.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisClusterNodes,
    databaseUrl: explicitDb === undefined ? 'postgresql://postgres@127.0.0.1:5432/redial' : read.url('DATABASE_URL', '', ['postgres:', 'postgresql:']),
    databaseUrlExplicit: explicitDb !== undefined,
    queuePrefix,
    host,
    sandboxPublic,
    apiPort,
    gatewayPort,
    sandboxPort,
    publicUrl: stripSlash(live ? readLivePublicUrl(read) : read.url('PUBLIC_URL', `http://${publicHost}:${apiPort}`, ['http:', 'https:'])),
    gatewayPublicUrl: stripSlash(read.url('GATEWAY_PUBLIC_URL', `http://${publicHost}:${gatewayPort}`, ['http:', 'https:'])),
    twilio,
    sandbox,
    apiKeys: live ? read.list('API_KEYS') : read.list('API_KEYS', 'dev-api-key'),
    operatorToken: live ? read.required('OPERATOR_TOKEN') : read.string('OPERATOR_TOKEN', 'dev-operator-token'),
    tokenSecret: (tokenSecret = tokenSecretGiven ?? (live ? read.required('TOKEN_SECRET') : randomBytes(32).toString('hex'))),
    tokenSecretGenerated: tokenSecretGiven === undefined,
    keys: deriveKeys(tokenSecret, alertWebhookSecret),
    senderCountry: read.country('SENDER_COUNTRY', 'US'),
    geo: readGeo(read),
    pumping: {
      minSends: read.int('PUMPING_MIN_SENDS', 25, 0, 1000000),
      conversionFloor: read.int('PUMPING_CONVERSION_FLOOR', 20, 0, 100) / 100,
      windowMin: read.int('PUMPING_WINDOW_MIN', 60, 1, 10080),
      prefixDigits: read.int('PUMPING_PREFIX_DIGITS', 3, 1, 8),
    },
    smsStepTimeoutSec: read.int('SMS_STEP_TIMEOUT', 90, 5, 3600),
    callRingTimeoutSec: read.int('CALL_RING_TIMEOUT', 30, 5, 600),
    challengeTtlSec: read.int('CHALLENGE_TTL', 600, 30, 86400),
    maxSends: read.int('MAX_SENDS', 5, 1, 50),
    maxWrongCodes: read.int('MAX_WRONG_CODES', 5, 1, 50),
    limits: {
      callsPerSecond: read.int('CALLS_PER_SECOND', 1, 1, 10000),
      messagesPerSecond: read.int('MESSAGES_PER_SECOND', 1000, 1, 100000),
    },
    workerConcurrency: read.int('WORKER_CONCURRENCY', 50, 1, 1000),
    dbPoolSize: read.int('DB_POOL_SIZE', 10, 1, 200),
    dependencyTimeoutMs: read.int('DEPENDENCY_TIMEOUT_MS', 5000, 100, 120000),
    reconcileIntervalMs: read.int('RECONCILE_INTERVAL_MS', 5000, 100, 600000),
    shutdownGraceMs: read.int('SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    alertWebhookUrl: read.optionalUrl('ALERT_WEBHOOK_URL', ['http:', 'https:']),
    spend: {
      pricesFile: read.optional('PRICES_FILE'),
      dailyCapUsd: read.decimal('SPEND_CAP_DAILY_USD', 100, 0, 1_000_000_000),
    },
    alerts: {
      intervalMs: read.int('ALERT_INTERVAL_MS', 5000, 100, 3600000),
      failureRate: read.int('ALERT_FAILURE_RATE_PERCENT', 50, 1, 100) / 100,
      failureRateMinSamples: read.int('ALERT_FAILURE_MIN_SAMPLES', 20, 1, 1000000),
      queueDepth: read.int('ALERT_QUEUE_DEPTH', 1000, 1, 100000000),
      oldestWaitingSec: read.int('ALERT_OLDEST_WAITING_SEC', 60, 1, 86400),
      fraudReports: read.int('ALERT_FRAUD_REPORTS', 3, 1, 1000000),
      fraudWindowMin: read.int('ALERT_FRAUD_WINDOW_MIN', 15, 1, 1440),
      configurationWindowMin: read.int('ALERT_CONFIGURATION_WINDOW_MIN', 15, 1, 1440),
    },
    rateLimits: {
      phonePer10Min: read.int('RATE_LIMIT_PHONE_10MIN', 10, 0, 1000000),
      phonePerDay: read.int('RATE_LIMIT_PHONE_DAY', 30, 0, 1000000),
      smsCooldownSec: read.int('RATE_LIMIT_SMS_COOLDOWN_SEC', 30, 0, 86400),
      userChallengesPerHour: read.int('RATE_LIMIT_USER_CHALLENGES_HOUR', 20, 0, 1000000),
      userSettingsSavesPerHour: read.int('RATE_LIMIT_USER_SETTINGS_HOUR', 10, 0, 1000000),
      apiKeyChallengesPerMin: read.int('RATE_LIMIT_API_KEY_MIN', 1000, 0, 100000000),
      clientIpPerMin: read.int('RATE_LIMIT_CLIENT_IP_MIN', 300, 0, 100000000),
      wrongCodesPerUser: read.int('RATE_LIMIT_WRONG_CODES', 20, 0, 100),
      wrongCodesLockSec: read.int('RATE_LIMIT_WRONG_CODES_LOCK_SEC', 3600, 1, 7 * 86400),
    },
    trustProxy: readTrustProxy(read),
    logLevel: read.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  };
}

/**
 * REDIS_CLUSTER_NODES=host:port,host:port,… (IPv6 as `[addr]:port`): a Redis Cluster's seed nodes, or undefined
 * for one Redis at REDIS_URL.
 */
function readClusterNodes(read: Reader): AppConfig['redisClusterNodes'] {
  const raw = read.optional('REDIS_CLUSTER_NODES');
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new ConfigError('REDIS_CLUSTER_NODES', 'must list at least one host:port');
  return items.map((item) => {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new ConfigError('REDIS_CLUSTER_NODES', `must be a comma-separated list of host:port (e.g. 10.0.0.1:6379,10.0.0.2:6379), got "${item}"`);
    }
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
  });
}

/**
 * QUEUE_PREFIX: letters, digits, `-` and `_`, with at most one hash tag `{…}` (a Redis Cluster hashes only the
 * tag, so every key under a tagged prefix — BullMQ's, the events', the guards' — lands in one slot, which
 * BullMQ's and Redial's multi-key scripts need). Accepted in every mode; required with REDIS_CLUSTER_NODES,
 * where the default is `{redial}`.
 */
function readQueuePrefix(read: Reader, cluster: boolean): string {
  const value = read.string('QUEUE_PREFIX', cluster ? '{redial}' : 'redial');
  if (value.replace(/[{}]/g, '').length > 40 || !/^[A-Za-z0-9_-]*(\{[A-Za-z0-9_-]+\})?[A-Za-z0-9_-]*$/.test(value) || value === '') {
    throw new ConfigError('QUEUE_PREFIX', `must be 1-40 letters, digits, "-" or "_", optionally with one hash tag such as {redial} (no ":"), got "${value}"`);
  }
  if (cluster && !value.includes('{')) {
    throw new ConfigError('QUEUE_PREFIX', `must be hash-tagged with REDIS_CLUSTER_NODES, e.g. "{${value}}", so each queue's keys share one Cluster slot; got "${value}"`);
  }
  return value;
}

/**
 * Countries Redial texts and calls unless SMS_ALLOWED_COUNTRIES / CALL_ALLOWED_COUNTRIES say otherwise: North
 * America, the EU/EEA's larger markets, the UK, Switzerland, Australia and New Zealand — destinations with low
 * toll-fraud risk where a deployment typically has users. SENDER_COUNTRY is always added. Everything else
 * (including the Caribbean ranges inside +1) must be listed, or `*` given.
 */
export const DEFAULT_ALLOWED_COUNTRIES = ['US', 'CA', 'GB', 'IE', 'DE', 'FR', 'ES', 'IT', 'PT', 'NL', 'BE', 'LU', 'AT', 'CH', 'DK', 'SE', 'NO', 'FI', 'IS', 'PL', 'CZ', 'AU', 'NZ'];

/** Number types refused at save unless BLOCKED_NUMBER_TYPES says otherwise (premium-rate is refused always). */
export const DEFAULT_BLOCKED_NUMBER_TYPES = ['PREMIUM_RATE', 'SHARED_COST', 'PERSONAL_NUMBER'];
const NUMBER_TYPES = ['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'VOIP', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL', 'UNKNOWN'];

function readGeo(read: Reader): AppConfig['geo'] {
  const sender = read.country('SENDER_COUNTRY', 'US');
  const countries = (name: string): string[] => {
    const list = read.countries(name, DEFAULT_ALLOWED_COUNTRIES);
    return list.includes('*') ? ['*'] : [...new Set([sender, ...list])].sort();
  };
  const types = read.optional('BLOCKED_NUMBER_TYPES');
  const blocked = types === undefined ? DEFAULT_BLOCKED_NUMBER_TYPES : types.split(',').map((t) => t.trim().toUpperCase()).filter(Boolean);
  const bad = blocked.find((t) => !NUMBER_TYPES.includes(t) && t !== 'NONE');
  if (bad !== undefined) throw new ConfigError('BLOCKED_NUMBER_TYPES', `must be a comma-separated list of ${NUMBER_TYPES.join(', ')} (or NONE), got "${bad}"`);
  return {
    smsCountries: countries('SMS_ALLOWED_COUNTRIES'),
    callCountries: countries('CALL_ALLOWED_COUNTRIES'),
    // PREMIUM_RATE stays refused by the phone rules whatever this says.
    blockedNumberTypes: [...new Set(blocked.filter((t) => t !== 'NONE').map((t) => t.toLowerCase()))],
  };
}

function readTwilio(read: Reader, sandbox: AppConfig['sandbox'], sandboxUrl: string): TwilioConfig {
  const sid = read.optional('TWILIO_ACCOUNT_SID');
  const token = read.optional('TWILIO_AUTH_TOKEN');
  const from = read.optional('TWILIO_FROM');
  const keySid = read.optional('TWILIO_API_KEY');
  const keySecret = read.optional('TWILIO_API_SECRET');
  const given = [sid, token, from, keySid, keySecret].filter((v) => v !== undefined).length;
  if (given === 0) {
    return {
      mode: 'sandbox',
      accountSid: sandbox.accountSid,
      authToken: sandbox.authToken,
      apiKey: undefined,
      from: SANDBOX_FROM,
      apiUrl: stripSlash(read.url('TWILIO_API_URL', sandboxUrl, ['http:', 'https:'])),
      ...readTwilioProxy(read, false),
    };
  }
  const others = 'when any TWILIO_ credential is set';
  if (sid === undefined) throw new ConfigError('TWILIO_ACCOUNT_SID', `is required ${others}`);
  read.accountSid('TWILIO_ACCOUNT_SID', '');
  if (keySid !== undefined && keySecret === undefined) throw new ConfigError('TWILIO_API_SECRET', 'is required with TWILIO_API_KEY');
  if (keySecret !== undefined && keySid === undefined) throw new ConfigError('TWILIO_API_KEY', 'is required with TWILIO_API_SECRET');
  if (keySid !== undefined) read.apiKeySid('TWILIO_API_KEY', '');
  // Twilio signs every webhook with the account's Auth Token, even when REST requests use an API key: without
  // it no callback could be verified, and unverified callbacks are refused.
  if (token === undefined) {
    throw new ConfigError(
      'TWILIO_AUTH_TOKEN',
      keySid === undefined ? `is required ${others}` : 'is required to verify webhook signatures (Twilio signs them with the Auth Token, also when REST uses an API key)',
    );
  }
  if (from === undefined) throw new ConfigError('TWILIO_FROM', `is required ${others}`);
  if (!/^(\+[1-9]\d{6,14}|MG[0-9a-f]{32})$/.test(from)) {
    throw new ConfigError('TWILIO_FROM', 'must be an E.164 number such as +15017122661 or a Messaging Service SID (MG…)');
  }
  const apiUrl = read.optional('TWILIO_API_URL');
  return {
    mode: 'live',
    accountSid: sid,
    authToken: token,
    apiKey: keySid === undefined || keySecret === undefined ? undefined : { sid: keySid, secret: keySecret },
    from,
    apiUrl: apiUrl === undefined ? undefined : stripSlash(read.url('TWILIO_API_URL', '', ['http:', 'https:'])),
    ...readTwilioProxy(read, true),
  };
}

/**
 * The outbound proxy for Twilio's REST API: TWILIO_PROXY_URL; in live mode else HTTPS_PROXY, else HTTP_PROXY (the
 * SDK's own client honoured HTTP_PROXY). The sandbox is local, so a machine-wide HTTP(S)_PROXY is not for it.
 */
function readTwilioProxy(read: Reader, live: boolean): Pick<TwilioConfig, 'proxyUrl'> {
  const protocols = ['http:', 'https:'];
  if (read.optional('TWILIO_PROXY_URL') !== undefined) return { proxyUrl: read.url('TWILIO_PROXY_URL', '', protocols) };
  if (!live) return {};
  if (read.optional('HTTPS_PROXY') !== undefined) return { proxyUrl: read.url('HTTPS_PROXY', '', protocols) };
  if (read.optional('HTTP_PROXY') !== undefined) return { proxyUrl: read.url('HTTP_PROXY', '', protocols) };
  return {};
}

/**
 * Sandbox mode stays on one machine: its inboxes (with every code), its control API and the development API key
 * handed to the web UI are meant for whoever sits at this machine. Listening on anything but loopback (e.g.
 * HOST=0.0.0.0 in a container) therefore needs an explicit SANDBOX_PUBLIC=1; see sandboxExposure() for what it
 * exposes. Live mode ignores SANDBOX_PUBLIC (it has no sandbox, no proxy and hands out no key).
 */
function readSandboxPublic(read: Reader, host: string, live: boolean): boolean {
  const allowed = read.flag('SANDBOX_PUBLIC');
  if (live || allowed || isLoopbackHost(host)) return allowed && !live;
  throw new ConfigError(
    'SANDBOX_PUBLIC',
    `must be 1 to listen on HOST=${host} in sandbox mode (no Twilio credentials): that exposes the sandbox's inboxes with their codes, its control API and the development API key to the network; use HOST=127.0.0.1, or set SANDBOX_PUBLIC=1 where only you can reach it`,
  );
}

/** 127.0.0.0/8, ::1 and localhost: addresses no other machine can connect to. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * What start-up says when sandbox mode listens beyond loopback (SANDBOX_PUBLIC=1), or undefined when it does not.
 */
export function sandboxExposure(config: Pick<AppConfig, 'host' | 'sandboxPublic' | 'twilio'>): string | undefined {
  if (config.twilio.mode !== 'sandbox' || !config.sandboxPublic || isLoopbackHost(config.host)) return undefined;
  return `SANDBOX_PUBLIC=1: sandbox mode listens on ${config.host}, so anyone who can reach these ports can read every text and code in the sandbox's inboxes (/sandbox/inbox/…), drive its control API (numbers, faults, reset) and get the development API key from /ui-config.json — keep the ports on a private network or published on 127.0.0.1 only`;
}

/**
 * Live mode: Twilio fetches TwiML and posts callbacks to PUBLIC_URL, so it must be a public https origin —
 * a loopback, private or plain-http URL would leave every call and text without its callbacks.
 * ALLOW_INSECURE_PUBLIC_URL=1 lifts this for tunnels and tests.
 */
function readLivePublicUrl(read: Reader): string {
  const raw = read.optional('PUBLIC_URL');
  const allowInsecure = read.flag('ALLOW_INSECURE_PUBLIC_URL');
  if (raw === undefined) {
    throw new ConfigError('PUBLIC_URL', 'is required with Twilio credentials: the https URL at which Twilio reaches this api (e.g. https://verify.example.com)');
  }
  const url = new URL(read.url('PUBLIC_URL', '', ['http:', 'https:']));
  if (allowInsecure) return raw;
  if (url.protocol !== 'https:') throw new ConfigError('PUBLIC_URL', `must use https with Twilio credentials, got "${url.protocol}" (ALLOW_INSECURE_PUBLIC_URL=1 allows it for tunnels and tests)`);
  if (isNonPublicHost(url.hostname)) {
    throw new ConfigError('PUBLIC_URL', `must be reachable by Twilio, but ${url.hostname} is a loopback or private address (ALLOW_INSECURE_PUBLIC_URL=1 allows it for tunnels and tests)`);
  }
  return raw;
}

/** Loopback, private, link-local and unspecified addresses, and names that only resolve locally. */
export function isNonPublicHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (host.includes(':')) {
    if (host === '::' || host === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
    if (mapped) return isNonPublicHost(mapped[1]);
    return /^f[cd]/.test(host) || /^fe[89ab]/.test(host);
  }
  return false;
}

/**
 * TRUST_PROXY (default `loopback`): which peers' `X-Forwarded-For` the api believes when it derives a request's
 * client IP. The default suits a direct listener and a reverse proxy on the same host; behind a load balancer
 * elsewhere, list its addresses or CIDRs (or the hop count). `true` believes any sender, so a client could
 * choose its own IP: only behind a proxy that overwrites the header. `none` uses the socket's peer address.
 */
function readTrustProxy(read: Reader): AppConfig['trustProxy'] {
  const raw = read.string('TRUST_PROXY', 'loopback').toLowerCase();
  if (raw === 'none' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return read.int('TRUST_PROXY', 1, 1, 100);
  const entries = raw.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = entries.find((e) => !['loopback', 'linklocal', 'uniquelocal'].includes(e) && !isIP(e.replace(/\/\d{1,3}$/, '')));
  if (bad !== undefined || entries.length === 0) {
    throw new ConfigError('TRUST_PROXY', `must be none, true, a hop count, or a comma-separated list of IPs, CIDRs, loopback, linklocal, uniquelocal; got "${bad ?? raw}"`);
  }
  return entries;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

class Reader {
  constructor(private readonly env: Env) {}

  optional(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  required(name: string): string {
    const value = this.optional(name);
    if (value === undefined) throw new ConfigError(name, 'is required when Twilio credentials are set (live mode)');
    return value;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  /** A non-negative decimal number such as `100` or `0.05`. */
  decimal(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `must be a number such as 100 or 0.05, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    return value;
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, 0, 65535);
  }

  url(name: string, fallback: string, protocols: string[]): string {
    const raw = this.optional(name) ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL (${protocols.join(' or ')}), got "${redact(raw)}"`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
    }
    return raw;
  }

  optionalUrl(name: string, protocols: string[]): string | undefined {
    return this.optional(name) === undefined ? undefined : this.url(name, '', protocols);
  }

  list(name: string, fallback?: string): string[] {
    const raw = this.optional(name) ?? fallback;
    if (raw === undefined) throw new ConfigError(name, 'is required when Twilio credentials are set (live mode)');
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new ConfigError(name, 'must list at least one key');
    if (items.some((k) => k.length < 8)) throw new ConfigError(name, 'keys must be at least 8 characters');
    return items;
  }

  country(name: string, fallback: string): string {
    const value = this.string(name, fallback).toUpperCase();
    if (!/^[A-Z]{2}$/.test(value)) throw new ConfigError(name, `must be an ISO 3166 alpha-2 country code, got "${value}"`);
    return value;
  }

  /** Comma-separated ISO 3166 alpha-2 codes, or `*` for every country. */
  countries(name: string, fallback: string[]): string[] {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const items = raw.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
    if (items.length === 0) throw new ConfigError(name, 'must list at least one ISO 3166 alpha-2 country code, or *');
    const bad = items.find((c) => c !== '*' && !/^[A-Z]{2}$/.test(c));
    if (bad !== undefined) throw new ConfigError(name, `must be comma-separated ISO 3166 alpha-2 country codes (or *), got "${bad}"`);
    return items;
  }

  apiKeySid(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!/^SK[0-9a-fA-F]{32}$/.test(value)) throw new ConfigError(name, 'must be "SK" followed by 32 hex characters');
    return value;
  }

  accountSid(name: string, fallback: string): string {
    const value = this.string(name, fallback);
    if (!/^AC[0-9a-fA-F]{32}$/.test(value)) throw new ConfigError(name, 'must be "AC" followed by 32 hex characters');
    return value;
  }

  /** `1`/`true`/`yes` → true; `0`/`false`/`no`/unset → false. */
  flag(name: string): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined || ['0', 'false', 'no'].includes(raw)) return false;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    throw new ConfigError(name, `must be 1 or 0, got "${raw}"`);
  }

  oneOf(name: string, fallback: string, allowed: string[]): string {
    const value = this.string(name, fallback);
    if (!allowed.includes(value)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}`);
    return value;
  }
}

/** Never echo credentials embedded in a URL. */
function redact(raw: string): string {
  return raw.replace(/\/\/[^@/]*@/, '//***@');
}
