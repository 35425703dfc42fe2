export type TwilioMode = 'sandbox' | 'live';

export interface TwilioConfig {
  mode: TwilioMode;
  accountSid: string;
  authToken: string;
  from: string;
  /** Where the SDK's requests go; undefined means Twilio itself. */
  apiUrl: string | undefined;
}

export interface ProviderLimits {
  callsPerSecond: number;
  messagesPerSecond: number;
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
  sandbox: { accountSid: string; authToken: string };
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
  logLevel: string;
}
