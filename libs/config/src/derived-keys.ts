import { hkdfSync } from 'node:crypto';

/**
 * One secret, one purpose: every key Redial signs or hashes with is derived from TOKEN_SECRET here, and only
 * here, with HKDF-SHA256 (RFC 5869) and a label per purpose. Knowing one derived key tells nothing about the
 * secret or the other keys, so whoever holds the alert-webhook key (to verify alerts) cannot mint challenge
 * tokens, and a leak of one purpose's key stays in that purpose. ALERT_WEBHOOK_SECRET, when set, is the
 * alert-webhook key itself (the receiver's own secret), used as given.
 */
export interface DerivedKeys {
  /** HMAC key of challenge tokens (libs/domain challenge-token.ts). */
  challengeTokens: Buffer;
  /** HMAC key of the texted codes, HOTP values of their attempt (libs/domain verification-code.ts). */
  smsCodes: Buffer;
  /** HMAC key of the operators' session cookie (apps/api ops/queue-board.ts). */
  operatorSessions: Buffer;
  /** HMAC key of the alert webhooks' `X-Redial-Signature` (libs/ops alert.notifier.ts). */
  alertWebhooks: Buffer;
  /** HMAC key of the rate limits' subjects in Redis keys (libs/guard rate-limits.ts): no number, user or IP in clear. */
  rateLimitSubjects: Buffer;
}

/** The HKDF `info` label of each purpose. Changing one changes that key (and ends what it signed). */
export const KEY_LABELS: Readonly<Record<keyof DerivedKeys, string>> = {
  challengeTokens: 'redial/v1/challenge-tokens',
  smsCodes: 'redial/v1/sms-codes',
  operatorSessions: 'redial/v1/operator-sessions',
  alertWebhooks: 'redial/v1/alert-webhooks',
  rateLimitSubjects: 'redial/v1/rate-limit-subjects',
};

const SALT = 'redial-hkdf-salt-v1';
const KEY_BYTES = 32;

/** The key for one purpose: HKDF-SHA256(TOKEN_SECRET, salt, label), 32 bytes. */
export function deriveKey(tokenSecret: string, purpose: keyof DerivedKeys): Buffer {
  if (tokenSecret === '') throw new Error('deriving keys needs a non-empty TOKEN_SECRET');
  return Buffer.from(hkdfSync('sha256', tokenSecret, SALT, KEY_LABELS[purpose], KEY_BYTES));
}

/** Every purpose's key; `alertWebhookSecret` (ALERT_WEBHOOK_SECRET) replaces the derived alert-webhook key. */
export function deriveKeys(tokenSecret: string, alertWebhookSecret?: string): DerivedKeys {
  return {
    challengeTokens: deriveKey(tokenSecret, 'challengeTokens'),
    smsCodes: deriveKey(tokenSecret, 'smsCodes'),
    operatorSessions: deriveKey(tokenSecret, 'operatorSessions'),
    alertWebhooks: alertWebhookSecret === undefined ? deriveKey(tokenSecret, 'alertWebhooks') : Buffer.from(alertWebhookSecret, 'utf8'),
    rateLimitSubjects: deriveKey(tokenSecret, 'rateLimitSubjects'),
  };
}
