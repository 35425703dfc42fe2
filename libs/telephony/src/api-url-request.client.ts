import * as http from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';

export interface ApiUrlRequestClientOptions {
  /** Request and socket timeout in milliseconds. */
  timeoutMs: number;
  /** Sockets kept per host; the worker's concurrency should not wait for a socket. */
  maxSockets: number;
}

const TWILIO_ORIGIN = /^https:\/\/(?:[a-z0-9-]+\.)*twilio\.com(?=[/?]|$)/i;

/**
 * Sends the SDK's requests to another base URL (the sandbox, or a test server). twilio 6.2 has no option for
 * the base URL, and the edge/region hostname rewrite happens before the http client sees the URL, so any
 * `https://*.twilio.com` origin is replaced (TWILIO.md §7).
 *
 * The SDK only configures a keep-alive agent for https; for an http:// target this client installs its own
 * keep-alive http agent, so a busy worker reuses connections instead of opening one per request.
 */
export class ApiUrlRequestClient extends twilio.RequestClient {
  private readonly httpAgent: http.Agent;

  constructor(
    readonly baseUrl: string,
    options: ApiUrlRequestClientOptions,
  ) {
    super({ keepAlive: true, timeout: options.timeoutMs, maxSockets: options.maxSockets });
    this.httpAgent = new http.Agent({
      keepAlive: true,
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
      timeout: options.timeoutMs,
    });
    this.axios.defaults.httpAgent = this.httpAgent;
  }

  rewrite(uri: string): string {
    return uri.replace(TWILIO_ORIGIN, this.baseUrl.replace(/\/+$/, ''));
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: this.rewrite(opts.uri) });
  }

  /** Closes pooled sockets (tests, shutdown). */
  destroy(): void {
    this.httpAgent.destroy();
  }
}
