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

export interface AppConfig {
  redisUrl: string;
  databaseUrl: string;
  /** True when DATABASE_URL was given; false when the local default `redial` database is used. */
  databaseUrlExplicit: boolean;
  queuePrefix: string;
  host: string;
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
  senderCountry: string;
  smsStepTimeoutSec: number;
  callRingTimeoutSec: number;
  challengeTtlSec: number;
  maxSends: number;
  maxWrongCodes: number;
  limits: ProviderLimits;
  workerConcurrency: number;
  dbPoolSize: number;
  reconcileIntervalMs: number;
  alertWebhookUrl: string | undefined;
  alerts: AlertThresholds;
  logLevel: string;
}
