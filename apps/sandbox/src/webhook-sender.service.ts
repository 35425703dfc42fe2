import * as http from 'node:http';
import * as https from 'node:https';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { signTwilioRequest } from '@redial/telephony';
import { SandboxLogger, shortUrl } from './sandbox.logger';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';

export type WebhookParams = Record<string, string>;

export interface WebhookResponse {
  status: number;
  body: string;
}

export interface StatusCallback {
  url: string;
  method: 'GET' | 'POST';
  params: WebhookParams;
  /** Shown in the log line, e.g. `SM… delivered`. */
  label: string;
  /** Twilio sends the same token when it delivers an event again (retries, duplicates). */
  idempotencyToken: string;
}

const MAX_BODY_BYTES = 256 * 1024;
const CALLBACK_TIMEOUT_MS = 10_000;
/** Twilio gives a TwiML URL 15 seconds. */
const TWIML_TIMEOUT_MS = 15_000;

/**
 * Signed webhook requests, as Twilio makes them: form-encoded, `X-Twilio-Signature` over exactly the URL
 * given (plus the sorted params for a POST), `I-Twilio-Idempotency-Token`, keep-alive connections.
 */
@Injectable()
export class WebhookSenderService implements OnApplicationShutdown {
  // As many idle sockets kept as may be open: under load a smaller pool closes and reopens connections.
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });

  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly logger: SandboxLogger,
  ) {}

  static newIdempotencyToken(sid: string): string {
    return `${sid}-${randomUUID()}`;
  }

  /**
   * Delivers a status callback. A connection failure or a 5xx is retried after each of
   * `callbackRetryDelaysMs`, then the callback is dropped and logged. Never throws.
   */
  async statusCallback(callback: StatusCallback): Promise<void> {
    const epoch = this.state.epoch;
    const delays = this.settings.callbackRetryDelaysMs;
    for (let attempt = 0; ; attempt++) {
      let outcome: string;
      let retryable: boolean;
      try {
        const response = await this.request(callback.method, callback.url, callback.params, {
          idempotencyToken: callback.idempotencyToken,
          timeoutMs: CALLBACK_TIMEOUT_MS,
        });
        outcome = String(response.status);
        retryable = response.status >= 500;
      } catch (err) {
        outcome = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        retryable = true;
      }
      if (this.state.epoch !== epoch) return;
      const last = !retryable || attempt >= delays.length;
      const note = retryable ? (last ? ' (dropped)' : ' (will retry)') : '';
      this.logger.line(`callback ${callback.label} → ${outcome} ${shortUrl(callback.url)}${note}`);
      if (last) return;
      try {
        await this.state.sleep(delays[attempt]);
      } catch {
        return; // reset or shutdown
      }
    }
  }

  /** Fetches TwiML (the call's Url, a Gather action or a Redirect). Throws on network errors. */
  fetchTwiml(method: 'GET' | 'POST', url: string, params: WebhookParams): Promise<WebhookResponse> {
    return this.request(method, url, params, { timeoutMs: TWIML_TIMEOUT_MS });
  }

  /** One signed request. GET puts the params in the query string and signs the resulting URL alone. */
  request(
    method: 'GET' | 'POST',
    url: string,
    params: WebhookParams,
    options: { idempotencyToken?: string; timeoutMs: number },
  ): Promise<WebhookResponse> {
    const form = new URLSearchParams(params).toString();
    const target = method === 'GET' ? `${url}${url.includes('?') ? '&' : '?'}${form}` : url;
    const signature = signTwilioRequest(this.settings.authToken, target, method === 'GET' ? {} : params);
    const parsed = new URL(target);
    const isHttps = parsed.protocol === 'https:';
    const headers: http.OutgoingHttpHeaders = {
      'user-agent': 'TwilioProxy/1.1',
      accept: '*/*',
      'x-twilio-signature': signature,
      'i-twilio-idempotency-token': options.idempotencyToken ?? WebhookSenderService.newIdempotencyToken('RQ'),
    };
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(form);
    }
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        parsed,
        { method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent, timeout: options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(method === 'POST' ? form : undefined);
    });
  }

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
