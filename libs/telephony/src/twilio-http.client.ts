import type { IncomingHttpHeaders } from 'node:http';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';

export interface TwilioHttpClientOptions {
  /**
   * Send the SDK's requests to this origin instead of `https://*.twilio.com` (the sandbox, a test server).
   * Unset: Twilio itself.
   */
  baseUrl?: string;
  /**
   * How long connecting, waiting for the answer's headers, and waiting for each piece of its body may each take,
   * in milliseconds (the SDK passes no per-request timeout for Redial's calls).
   */
  timeoutMs: number;
  /** Keep-alive connections per origin; the worker's concurrency should not wait for one. */
  maxSockets: number;
  /** Certificates to trust instead of Node's bundled ones, for a server on TLS with a private CA (tests). */
  ca?: string;
  /**
   * An outbound HTTP(S) proxy: every request goes through a CONNECT tunnel to its origin (TLS to Twilio end to end);
   * `user:password@` in the URL is sent as Proxy-Authorization.
   */
  proxyUrl?: string;
}

/** What the SDK expects back from its http client (BaseTwilio.request; Version parses a string body). */
export interface TwilioHttpResponse {
  statusCode: number;
  body: string;
  headers: IncomingHttpHeaders;
}

const TWILIO_ORIGIN = /^https:\/\/(?:[a-z0-9-]+\.)*twilio\.com(?=[/?]|$)/i;
const FORM = 'application/x-www-form-urlencoded';

/**
 * The twilio SDK's HTTP client, on undici instead of the SDK's RequestClient (axios, qs, a node http Agent), which
 * cost the worker several times the CPU per request. It sends what RequestClient sends: the SDK's headers
 * (User-Agent, Accept, Accept-Charset, Content-Type), Basic auth (or the SDK's auth strategy), a form body with a
 * repeated key per array item, a GET's params in the query string; and answers as it does: any status comes back
 * as `{statusCode, body, headers}` (the SDK turns a non-2xx into a RestException), a network error is thrown with
 * its string `code` (ECONNREFUSED, UND_ERR_SOCKET, UND_ERR_HEADERS_TIMEOUT… — classifyProviderError reads it).
 *
 * One keep-alive pool per origin: Twilio (TLS) in production, or `baseUrl`, which any `https://*.twilio.com` origin
 * is rewritten to (twilio 6.2 has no base-URL option, and its edge/region rewrite happens before a client sees the
 * URL; TWILIO.md §7). An outbound proxy (`proxyUrl`; RequestClient read HTTP_PROXY, libs/config reads it and
 * TWILIO_PROXY_URL) tunnels every request. Not carried over from RequestClient, since Redial never uses them: the
 * SDK's `autoRetry` (the queue retries), redirects, TWILIO_CA_BUNDLE, and the SDK's debug request log (it prints the
 * query, phone numbers included).
 */
export class TwilioHttpClient {
  private readonly agent: Dispatcher;
  private readonly baseUrl: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: TwilioHttpClientOptions) {
    this.baseUrl = options.baseUrl?.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    const connect = { timeout: options.timeoutMs, ...(options.ca !== undefined && { ca: options.ca }) };
    const pool = { connections: options.maxSockets, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
    this.agent =
      options.proxyUrl === undefined
        ? new Agent({ ...pool, connect })
        : new ProxyAgent({ ...pool, uri: options.proxyUrl, requestTls: connect, proxyTls: { timeout: options.timeoutMs } });
  }

  rewrite(uri: string): string {
    return this.baseUrl === undefined ? uri : uri.replace(TWILIO_ORIGIN, this.baseUrl);
  }

  async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioHttpResponse> {
    const url = new URL(this.rewrite(opts.uri));
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.username && opts.password) {
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
    } else if (opts.authStrategy) {
      headers.Authorization = await opts.authStrategy.getAuthString();
    }
    const query = opts.params === undefined || opts.params === null ? '' : encodeForm(opts.params);
    const timeout = opts.timeout || this.timeoutMs;
    const response = await this.agent.request({
      origin: url.origin,
      path: url.pathname + (query === '' ? url.search : `${url.search === '' ? '?' : `${url.search}&`}${query}`),
      method: opts.method.toUpperCase(),
      headers,
      body: requestBody(headers['Content-Type'], opts.data),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    return { statusCode: response.statusCode, body: await response.body.text(), headers: response.headers };
  }

  /** Closes the pooled connections (tests, shutdown); a request still on its way fails (ambiguous: reconciled). */
  destroy(): Promise<void> {
    return this.agent.destroy();
  }
}

/**
 * twilio-node types its `httpClient` option as its own RequestClient class, whose private members no other class
 * can match; it only ever calls `request` (BaseTwilio.request, validateSslCert).
 */
export function asSdkHttpClient(client: TwilioHttpClient): RequestClient {
  return client as unknown as RequestClient;
}

/** RequestClient sends data only as a form or as JSON, by the SDK's Content-Type. */
function requestBody(contentType: string | undefined, data: unknown): string | undefined {
  if (!data) return undefined;
  if (contentType === FORM) return encodeForm(data);
  if (contentType === 'application/json') return JSON.stringify(data);
  return undefined;
}

/**
 * The SDK's form and query encoding (qs.stringify with arrayFormat 'repeat', RFC 3986): an array repeats its key,
 * null is an empty value, undefined is left out, a Date is its ISO string, a nested object's keys go in brackets,
 * and everything but A–Z a–z 0–9 - . _ ~ is percent-encoded (a space as %20).
 */
export function encodeForm(fields: object): string {
  const pairs: string[] = [];
  for (const key of Object.keys(fields)) addPair(pairs, key, (fields as Record<string, unknown>)[key]);
  return pairs.join('&');
}

function addPair(pairs: string[], key: string, value: unknown): void {
  if (value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) addPair(pairs, key, item);
  } else if (value instanceof Date) {
    pairs.push(`${encode(key)}=${encode(value.toISOString())}`);
  } else if (value !== null && typeof value === 'object') {
    for (const inner of Object.keys(value)) addPair(pairs, `${key}[${inner}]`, (value as Record<string, unknown>)[inner]);
  } else {
    pairs.push(`${encode(key)}=${value === null ? '' : encode(String(value))}`);
  }
}

/** encodeURIComponent, plus the five characters it leaves (!'()*); a lone surrogate becomes U+FFFD, as with qs. */
function encode(text: string): string {
  return encodeURIComponent(text.toWellFormed()).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
