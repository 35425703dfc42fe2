import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TwilioParams, verifyTwilioSignature } from '@redial/telephony';

/** One webhook the sandbox made: status callback, TwiML fetch, Gather action or Redirect. */
export interface ReceivedWebhook {
  method: string;
  /** Path and query, as requested. */
  path: string;
  /** The full URL the request was made to, the one Twilio signs. */
  url: string;
  params: TwilioParams;
  headers: http.IncomingHttpHeaders;
  signatureValid: boolean;
}

export interface WebhookReply {
  status?: number;
  contentType?: string;
  body?: string;
}

type Handler = (webhook: ReceivedWebhook) => WebhookReply;

interface Waiter {
  predicate: (w: ReceivedWebhook) => boolean;
  count: number;
  resolve: (matches: ReceivedWebhook[]) => void;
}

/**
 * The api's side of the webhooks, for tests: a node:http server that checks every X-Twilio-Signature with
 * verifyTwilioSignature, records what arrived, answers through handlers (TwiML for voice URLs), and resolves
 * promises when the expected webhooks have arrived — so tests wait for events, never for time.
 */
export class SandboxReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly handlers: Array<{ prefix: string; handle: Handler }> = [];
  private waiters: Waiter[] = [];
  private baseUrl = '';
  private readonly server = http.createServer((req, res) => this.onRequest(req, res));

  constructor(private readonly authToken: string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Answers requests whose path starts with `prefix` (longest prefix wins); others get 200 and no body. */
  on(prefix: string, handle: Handler): void {
    this.handlers.push({ prefix, handle });
    this.handlers.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** All webhooks so far that match. */
  matching(predicate: (w: ReceivedWebhook) => boolean): ReceivedWebhook[] {
    return this.received.filter(predicate);
  }

  /** Resolves with the first `count` matching webhooks, as soon as they have arrived. */
  waitFor(predicate: (w: ReceivedWebhook) => boolean, count = 1): Promise<ReceivedWebhook[]> {
    const already = this.matching(predicate);
    if (already.length >= count) return Promise.resolve(already.slice(0, count));
    return new Promise((resolve) => this.waiters.push({ predicate, count, resolve }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const url = `${this.baseUrl}${path}`;
      const params: TwilioParams = {};
      if (req.method === 'POST') {
        for (const [key, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
          const previous = params[key];
          params[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
        }
      }
      const signature = req.headers['x-twilio-signature'];
      const webhook: ReceivedWebhook = {
        method: req.method ?? '',
        path,
        url,
        params,
        headers: req.headers,
        signatureValid: verifyTwilioSignature(this.authToken, signature, url, req.method === 'POST' ? params : {}),
      };
      const handler = this.handlers.find((h) => path.startsWith(h.prefix));
      const reply = handler?.handle(webhook) ?? {};
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/xml' });
      res.end(reply.body ?? '');
      // Record after answering, so a waiter sees the webhook once its reply is on its way.
      this.received.push(webhook);
      this.notify();
    });
  }

  private notify(): void {
    this.waiters = this.waiters.filter((waiter) => {
      const matches = this.matching(waiter.predicate);
      if (matches.length < waiter.count) return true;
      waiter.resolve(matches.slice(0, waiter.count));
      return false;
    });
  }
}

/** The value of a form field (first value of a repeated key). */
export function param(webhook: ReceivedWebhook, key: string): string | undefined {
  const value = webhook.params[key];
  return Array.isArray(value) ? value[0] : value;
}
