import { createHmac, hkdfSync } from 'node:crypto';
import { signChallengeToken, verifyChallengeToken } from '@redial/domain';
import { DerivedKeys, deriveKey, deriveKeys, KEY_LABELS } from './derived-keys';
import { loadConfig } from './load-config';

const SECRET = 'derive-test-secret-0123456789abcdef';
const PURPOSES = Object.keys(KEY_LABELS) as Array<keyof DerivedKeys>;

describe('deriveKeys: one secret, one purpose', () => {
  const keys = deriveKeys(SECRET);

  it.each(PURPOSES)('%s is HKDF-SHA256 of TOKEN_SECRET with its own label, 32 bytes, stable', (purpose) => {
    expect(keys[purpose]).toHaveLength(32);
    expect(keys[purpose]).toEqual(Buffer.from(hkdfSync('sha256', SECRET, 'redial-hkdf-salt-v1', KEY_LABELS[purpose], 32)));
    expect(deriveKey(SECRET, purpose)).toEqual(keys[purpose]);
    expect(keys[purpose].equals(Buffer.from(SECRET))).toBe(false);
  });

  it('gives every purpose a different key, and another secret different keys', () => {
    const all = PURPOSES.map((p) => keys[p].toString('hex'));
    expect(new Set(all).size).toBe(PURPOSES.length);
    const other = deriveKeys(`${SECRET}x`);
    for (const p of PURPOSES) expect(other[p].equals(keys[p])).toBe(false);
  });

  it('ALERT_WEBHOOK_SECRET replaces the alert-webhook key only', () => {
    const own = deriveKeys(SECRET, 'receiver-secret-0123456789');
    expect(own.alertWebhooks).toEqual(Buffer.from('receiver-secret-0123456789'));
    expect(own.challengeTokens).toEqual(keys.challengeTokens);
    expect(own.smsCodes).toEqual(keys.smsCodes);
    expect(own.operatorSessions).toEqual(keys.operatorSessions);
  });

  it('refuses an empty secret', () => {
    expect(() => deriveKeys('')).toThrow(/TOKEN_SECRET/);
  });
});

describe('whoever holds the alert-webhook key cannot mint or verify challenge tokens', () => {
  const now = new Date();
  const claims = { challengeId: '6f1c2a7e-1b1e-4a57-9a53-0d6f0c6f1a11', expiresAt: new Date(now.getTime() + 600_000) };

  it.each([
    ['derived from TOKEN_SECRET', loadConfig({ TOKEN_SECRET: SECRET })],
    ['ALERT_WEBHOOK_SECRET', loadConfig({ TOKEN_SECRET: SECRET, ALERT_WEBHOOK_SECRET: 'receiver-secret-0123456789' })],
  ])('alert key %s', (_name, config) => {
    const real = signChallengeToken(claims, config.keys.challengeTokens);
    expect(verifyChallengeToken(real, config.keys.challengeTokens, now)).toEqual({ challengeId: claims.challengeId });
    // A token minted with the alert key is refused by the api's and the gateway's key…
    const forged = signChallengeToken(claims, config.keys.alertWebhooks);
    expect(verifyChallengeToken(forged, config.keys.challengeTokens, now)).toBeNull();
    // …and the alert key does not verify a real one (it cannot even tell a real token from a forged one).
    expect(verifyChallengeToken(real, config.keys.alertWebhooks, now)).toBeNull();
    // Nor does the raw TOKEN_SECRET sign tokens any more: only its derived key does.
    expect(verifyChallengeToken(signChallengeToken(claims, SECRET), config.keys.challengeTokens, now)).toBeNull();
    // And an alert signature (what a receiver sees) is not a token signature over the same bytes.
    const payload = real.split('.')[0];
    expect(createHmac('sha256', config.keys.alertWebhooks).update(payload).digest('base64url')).not.toBe(real.split('.')[1]);
  });
});

describe('loadConfig', () => {
  it('derives the keys once, from TOKEN_SECRET', () => {
    expect(loadConfig({ TOKEN_SECRET: SECRET }).keys).toEqual(deriveKeys(SECRET));
  });

  it('refuses a short ALERT_WEBHOOK_SECRET with its name', () => {
    expect(() => loadConfig({ TOKEN_SECRET: SECRET, ALERT_WEBHOOK_SECRET: 'short' })).toThrow(/^Configuration error: ALERT_WEBHOOK_SECRET/);
  });

  it.each([
    [{}, 100],
    [{ SPEND_CAP_DAILY_USD: '0.05' }, 0.05],
    [{ SPEND_CAP_DAILY_USD: '0' }, 0],
  ])('SPEND_CAP_DAILY_USD %j → %s', (env, cap) => {
    expect(loadConfig({ TOKEN_SECRET: SECRET, ...env }).spend.dailyCapUsd).toBe(cap);
  });

  it.each(['-1', 'lots', '1e3'])('refuses SPEND_CAP_DAILY_USD=%s with its name', (value) => {
    expect(() => loadConfig({ TOKEN_SECRET: SECRET, SPEND_CAP_DAILY_USD: value })).toThrow(/^Configuration error: SPEND_CAP_DAILY_USD/);
  });
});
