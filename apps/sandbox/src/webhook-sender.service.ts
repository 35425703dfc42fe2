import * as http from 'node:http';
import * as https from 'node:https';
import { randomUUID } from 'node:crypto';
import { urlToHttpOptions } from 'node:url';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SandboxLogger, shortUrl } from './sandbox.logger';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import { WebhookSigner } from './webhook.signer';

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
/** Parsed request targets remembered (see `targetOf`). */
const MAX_TARGETS = 1024;

/** A URL parsed into what node's http client takes, as `http.request(url)` would parse it. */
interface Target {
  isHttps: boolean;
  options: http.RequestOptions;
  /**
   * The headers node's client adds for such a URL, which it leaves to us when given the headers as a list:
   * `Host` (the URL's host: default port left out, IPv6 in brackets), then `Authorization` for credentials in it.
   */
  hostHeaders: string[];
}

interface RequestOptions {
  idempotencyToken?: string;
  timeoutMs: number;
  /** False: the answer's body is read and dropped (a status callback only needs the status). */
  keepBody: boolean;
}

/**
 * Signed webhook requests, as Twilio makes them: form-encoded, `X-Twilio-Signature` over exactly the URL
 * given (plus the sorted params for a POST), `I-Twilio-Idempotency-Token`, keep-alive connections.
 */
@Injectable()
export class WebhookSenderService implements OnApplicationShutdown {
  // As many idle sockets kept as may be open: under load a smaller pool closes and reopens connections.
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  /** Recently requested URLs, parsed: a text's callbacks all go to one URL, so it is parsed once, not per status. */
  private readonly targets = new Map<string, Target>();
  private readonly signer: WebhookSigner;

  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly logger: SandboxLogger,
  ) {
    this.signer = new WebhookSigner(settings.authToken);
  }

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
        const response = await this.send(callback.method, callback.url, callback.params, {
          idempotencyToken: callback.idempotencyToken,
          timeoutMs: CALLBACK_TIMEOUT_MS,
          keepBody: false,
        });
        outcome = String(response.status);
        retryable = response.status >= 500;
      } catch (err) {
        outcome = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        retryable = true;
      }
      if (this.state.epoch !== epoch) return;
      const last = !retryable || attempt >= delays.length;
      if (this.logger.enabled) {
        const note = retryable ? (last ? ' (dropped)' : ' (will retry)') : '';
        this.logger.line(`callback ${callback.label} → ${outcome} ${shortUrl(callback.url)}${note}`);
      }
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
    return this.send(method, url, params, { ...options, keepBody: true });
  }

  private send(method: 'GET' | 'POST', url: string, params: WebhookParams, options: RequestOptions): Promise<WebhookResponse> {
    const form = formOf(params);
    const isGet = method === 'GET';
    const requestUrl = isGet ? `${url}${url.includes('?') ? '&' : '?'}${form}` : url;
    const target = isGet ? parseTarget(requestUrl) : this.targetOf(requestUrl);
    // A list, in the order node would write them from an object: it skips building and searching a header map.
    const headers = [
      'user-agent', 'TwilioProxy/1.1',
      'accept', '*/*',
      'x-twilio-signature', this.signer.sign(requestUrl, isGet ? {} : params),
      'i-twilio-idempotency-token', options.idempotencyToken ?? WebhookSenderService.newIdempotencyToken('RQ'),
    ];
    if (!isGet) headers.push('content-type', 'application/x-www-form-urlencoded', 'content-length', String(Buffer.byteLength(form)));
    headers.push(...target.hostHeaders);
    return new Promise((resolve, reject) => {
      // A fresh options object each time: node's client adds to the one it is given.
      const req = (target.isHttps ? https : http).request(
        {
          ...target.options,
          method,
          headers,
          setHost: false,
          agent: target.isHttps ? this.httpsAgent : this.httpAgent,
          timeout: options.timeoutMs,
        },
        (res) => {
          res.on('error', reject);
          if (!options.keepBody) {
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: '' }));
            res.resume();
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(isGet ? undefined : form);
    });
  }

  /**
   * The parsed target of a URL requested recently, else parsed now. Bounded (oldest forgotten first): status
   * callback URLs differ per text. A GET's URL carries its params and is parsed afresh (see `send`).
   */
  private targetOf(url: string): Target {
    let target = this.targets.get(url);
    if (target === undefined) {
      target = parseTarget(url);
      this.targets.set(url, target);
      if (this.targets.size > MAX_TARGETS) this.targets.delete(this.targets.keys().next().value as string);
    }
    return target;
  }

  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** The form-encoded params, as `new URLSearchParams(params)` writes them: appended one by one, which is cheaper. */
function formOf(params: WebhookParams): string {
  const form = new URLSearchParams();
  for (const name of Object.keys(params)) form.append(name, params[name]);
  return form.toString();
}

function parseTarget(url: string): Target {
  const parsed = new URL(url);
  // Copied into a plain object: node's is a prototype-less dictionary, slow to copy for every request.
  const { protocol, hostname, port, path, auth } = urlToHttpOptions(parsed);
  const hostHeaders = ['Host', parsed.host];
  if (auth) hostHeaders.push('Authorization', `Basic ${Buffer.from(auth).toString('base64')}`);
  return { isHttps: protocol === 'https:', options: { protocol, hostname, port, path }, hostHeaders };
}
