import { createHmac } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { OpsAlert } from '@redial/contracts';

export const ALERT_WEBHOOK_TIMEOUT_MS = 3000;
export const ALERT_SIGNATURE_HEADER = 'X-Redial-Signature';

/**
 * `sha256=<hex>`: HMAC-SHA256 of the exact body, as the receiver should recompute it, keyed by
 * ALERT_WEBHOOK_SECRET when set, else by the alert-webhook key derived from TOKEN_SECRET (config.keys).
 */
export function signAlertBody(body: string, secret: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * POSTs `{"event":"alert.raised"|"alert.cleared","alert":OpsAlert}` to ALERT_WEBHOOK_URL, signed in
 * X-Redial-Signature. Best effort: a slow or failing receiver is logged and never holds up or breaks the
 * evaluation (the alerts table and the /ops namespace have the alert either way).
 */
@Injectable()
export class AlertNotifier {
  private readonly logger = new Logger('AlertNotifier');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async notify(event: 'alert.raised' | 'alert.cleared', alert: OpsAlert): Promise<boolean> {
    const url = this.config.alertWebhookUrl;
    if (!url) return false;
    const body = JSON.stringify({ event, alert });
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [ALERT_SIGNATURE_HEADER]: signAlertBody(body, this.config.keys.alertWebhooks), 'user-agent': 'redial-alerts' },
        body,
        signal: AbortSignal.timeout(ALERT_WEBHOOK_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) this.logger.warn(`alert webhook answered ${res.status} for ${event} ${alert.kind}/${alert.key}`);
      return res.ok;
    } catch (err) {
      this.logger.warn(`alert webhook failed for ${event} ${alert.kind}/${alert.key}: ${(err as Error).message}`);
      return false;
    }
  }
}
