import type { DerivedKeys } from './derived-keys';

export type TwilioMode = 'sandbox' | 'live';

/** An API key (`SK…`) and its secret: REST credentials that can be revoked without touching the Auth Token. */
export interface TwilioApiKey {
  sid: string;
  secret: string;
}

export interface TwilioConfig {
  mode: TwilioMode;
  accountSid: string;
  /** Signs and validates webhooks (Twilio signs them with the Auth Token, whatever the REST credentials are). */
  authToken: string;
  /** When set, REST requests authenticate with this key instead of the Auth Token. */
  apiKey: TwilioApiKey | undefined;
  from: string;
  /** Where the SDK's requests go; undefined means Twilio itself. */
  apiUrl: string | undefined;
  /**
   * An outbound proxy the SDK's requests go through (CONNECT tunnel; credentials in the URL become
   * Proxy-Authorization): TWILIO_PROXY_URL, or in live mode HTTPS_PROXY / HTTP_PROXY as the SDK's own client read them.
   */
  proxyUrl?: string;
}

export interface ProviderLimits {
  callsPerSecond: number;
  messagesPerSecond: number;
}

/** Thresholds for operator alerts (libs/ops AlertsService). Every one has a default; see load-config.ts. */
export interface AlertThresholds {
  /** How often a worker evaluates the alerts (one worker at a time, under a Redis lock). */
  intervalMs: number;
  /** Failed share of finished delivery attempts per channel over the last 5 minutes, 0..1. */
  failureRate: number;
  /** Fewer finished attempts than this in the window never raise the failure-rate alert. */
  failureRateMinSamples: number;
  /** Waiting (and prioritized) jobs in one queue. */
  queueDepth: number;
  /** Age of a queue's oldest waiting job, seconds. */
  oldestWaitingSec: number;
  /** Fraud reports (`challenge.denied`) within `fraudWindowMin` that raise the alert. */
  fraudReports: number;
  fraudWindowMin: number;
  /** A delivery attempt failed for a provider configuration reason within this many minutes. */
  configurationWindowMin: number;
}

/**
 * Geo permissions (issue 13): which countries may be texted and called, and which number types are refused.
 * Read at every save and every send, so a change to this object (tests) applies at once.
 */
export interface GeoPolicyConfig {
  /** ISO 3166 alpha-2 codes texts may go to (always including SENDER_COUNTRY); `*` allows every country. */
  smsCountries: string[];
  /** The same for calls. */
  callCountries: string[];
  /** Line types refused outright at save, lower case as libs/domain names them (`premium_rate`, `shared_cost`…). */
  blockedNumberTypes: string[];
}

/** The SMS pumping guard (issue 13): per destination prefix, texts sent against codes verified in a sliding window. */
export interface PumpingConfig {
  /** A prefix is judged only once it has been sent at least this many texts in the window; 0 turns the guard off. */
  minSends: number;
  /** Verified share of the texts sent, 0..1, below which the prefix is suspended. */
  conversionFloor: number;
  windowMin: number;
  /** Digits after the country calling code that make a prefix (`+44 770…` with 3). */
  prefixDigits: number;
}

/** Cost control (issue 13): the price table and the daily spend cap. */
export interface SpendConfig {
  /** PRICES_FILE, or undefined for the defaults in libs/guard/src/prices.default.json. */
  pricesFile: string | undefined;
  /** USD per UTC day; 0 means no cap. */
  dailyCapUsd: number;
}

/**
 * Rate limits (issue 13), each a budget over its own window shared by every api and worker process (Redis).
 * A limit of 0 turns that limit off. Defaults: load-config.ts; what each means: README's configuration table.
 */
export interface RateLimitConfig {
  /** Texts and calls to one destination phone per 10 minutes, across users and challenges. */
  phonePer10Min: number;
  /** The same per 24 hours. */
  phonePerDay: number;
  /** Seconds between two texts to one phone; ends early when the earlier text's code is entered. */
  smsCooldownSec: number;
  /** Challenges a user may start (`POST /v1/challenges`) per hour. */
  userChallengesPerHour: number;
  /** Settings saves that send a verification (`PUT /v1/users/:id/phones`) per user per hour. */
  userSettingsSavesPerHour: number;
  /** Challenges one API key may start per minute. */
  apiKeyChallengesPerMin: number;
  /** Requests made with a challenge token (the person's browser) per client IP per minute. */
  clientIpPerMin: number;
  /** Consecutive wrong codes for one user, across challenges, before `/check` is locked; a correct code resets. */
  wrongCodesPerUser: number;
  /** How long that lock lasts, seconds. */
  wrongCodesLockSec: number;
}

/**
 * Which peers may set `X-Forwarded-For` (Fastify's `trustProxy`): false trusts none (the client IP is the
 * socket's peer), true trusts every hop (only behind a proxy that overwrites the header), a number trusts
 * that many hops, a list trusts those addresses, CIDRs or names (`loopback`, `linklocal`, `uniquelocal`).
 */
export type TrustProxy = boolean | number | string[];

/** One Redis Cluster node to start from (REDIS_CLUSTER_NODES); the client discovers the rest. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

export interface AppConfig {
  redisUrl: string;
  /**
   * REDIS_CLUSTER_NODES: when set, every Redis client is a Redis Cluster client started from these nodes
   * (REDIS_URL then only lends its username, password and TLS); QUEUE_PREFIX is hash-tagged (`{redial}`).
   */
  redisClusterNodes?: RedisClusterNode[];
  databaseUrl: string;
  /** True when DATABASE_URL was given; false when the local default `redial` database is used. */
  databaseUrlExplicit: boolean;
  /** QUEUE_PREFIX: starts every Redis key; may carry a hash tag (`{redial}`), required with REDIS_CLUSTER_NODES. */
  queuePrefix: string;
  host: string;
  /** SANDBOX_PUBLIC=1: sandbox mode may listen beyond loopback (HOST); always false in live mode. */
  sandboxPublic: boolean;
  apiPort: number;
  gatewayPort: number;
  sandboxPort: number;
  publicUrl: string;
  /** The socket.io URL the web pages connect to. */
  gatewayPublicUrl: string;
  twilio: TwilioConfig;
  /** The credentials the sandbox accepts: the account's Auth Token, or its API key and secret. */
  sandbox: { accountSid: string; authToken: string; apiKey: TwilioApiKey };
  apiKeys: string[];
  operatorToken: string;
  tokenSecret: string;
  tokenSecretGenerated: boolean;
  /** A key per purpose, derived from tokenSecret (derived-keys.ts): sign and hash with these, never with tokenSecret. */
  keys: DerivedKeys;
  senderCountry: string;
  geo: GeoPolicyConfig;
  pumping: PumpingConfig;
  smsStepTimeoutSec: number;
  callRingTimeoutSec: number;
  challengeTtlSec: number;
  maxSends: number;
  maxWrongCodes: number;
  limits: ProviderLimits;
  workerConcurrency: number;
  dbPoolSize: number;
  /**
   * DEPENDENCY_TIMEOUT_MS: the bound on waiting for PostgreSQL or Redis — a statement, a command, a connection. A
   * frozen dependency fails the request with 503 + Retry-After after this long instead of holding it.
   */
  dependencyTimeoutMs: number;
  reconcileIntervalMs: number;
  /**
   * SHUTDOWN_GRACE_MS: how long SIGTERM (or SIGINT) lets an app finish what it holds — the worker its active jobs,
   * the api its in-flight requests — before it lets go (a worker's jobs go back to the queue when their locks run
   * out) and exits. Below the orchestrator's stop timeout (compose's `stop_grace_period`, Kubernetes'
   * `terminationGracePeriodSeconds`), with room for closing the connections after it.
   */
  shutdownGraceMs: number;
  alertWebhookUrl: string | undefined;
  spend: SpendConfig;
  alerts: AlertThresholds;
  rateLimits: RateLimitConfig;
  /** TRUST_PROXY: how the api derives a request's client IP (request.ip) for the per-IP limit and logs. */
  trustProxy: TrustProxy;
  logLevel: string;
}
