import { SANDBOX_ACCOUNT_SID, SANDBOX_API_KEY, SANDBOX_API_SECRET, SANDBOX_AUTH_TOKEN, SANDBOX_FROM } from '@redial/config';

/**
 * Live mode (Twilio credentials set) with the sandbox standing in for api.twilio.com: `startStack({ sandbox: true,
 * env: LIVE_MODE_ENV })` points the SDK at it. No demo API key is handed out; the keys below are the suite's own.
 */
export const LIVE_MODE_ENV = {
  TWILIO_ACCOUNT_SID: SANDBOX_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: SANDBOX_AUTH_TOKEN,
  TWILIO_API_KEY: SANDBOX_API_KEY,
  TWILIO_API_SECRET: SANDBOX_API_SECRET,
  TWILIO_FROM: SANDBOX_FROM,
  // The stack listens on a port chosen at start-up and sets PUBLIC_URL to it; tests may use http on loopback.
  PUBLIC_URL: 'http://127.0.0.1:9',
  ALLOW_INSECURE_PUBLIC_URL: '1',
  API_KEYS: 'live-mode-test-key',
  OPERATOR_TOKEN: 'live-mode-operator-token',
  CALLS_PER_SECOND: '100',
};
