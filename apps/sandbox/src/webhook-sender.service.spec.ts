import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@redial/config';
import { createRedialLogger } from '@redial/ops';
import { signTwilioRequest } from '@redial/telephony';
import { SandboxLogger } from './sandbox.logger';
import { resolveSandboxSettings, type SandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import { type StatusCallback, WebhookSenderService } from './webhook-sender.service';

/** A request as it arrived: header names in the casing and order they were sent. */
interface Arrived {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

/** The far end: records every request and answers with the next of `answers` (then 200 and no body). */
class Receiver {
  readonly arrived: Arrived[] = [];
  readonly answers: Array<{ status: number; body: string }> = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.arrived.push({
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = this.answers.shift() ?? { status: 200, body: '' };
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
    });
  });
  port = 0;

  async start(host = '127.0.0.1'): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const PARAMS = {
  AccountSid: `AC${'0'.repeat(32)}`,
  ApiVersion: '2010-04-01',
  From: '+15005550006',
  To: '+15551230001',
  MessageSid: `SM${'a'.repeat(32)}`,
  SmsSid: `SM${'a'.repeat(32)}`,
  MessageStatus: 'sent',
  SmsStatus: 'sent',
  ErrorMessage: 'Unknown error & more',
};

describe('WebhookSenderService', () => {
  let settings: SandboxSettings;
  let state: SandboxStateService;
  let sender: WebhookSenderService;
  let receiver: Receiver;

  function callback(url: string, status = 'sent'): StatusCallback {
    return {
      url,
      method: 'POST',
      params: { ...PARAMS, MessageStatus: status, SmsStatus: status },
      label: `${PARAMS.MessageSid} ${status}`,
      idempotencyToken: `${PARAMS.MessageSid}-token-${status}`,
    };
  }

  beforeEach(async () => {
    settings = resolveSandboxSettings(loadConfig({}), { quiet: true, callbackRetryDelaysMs: [5] });
    state = new SandboxStateService(settings);
    sender = new WebhookSenderService(settings, state, new SandboxLogger(settings));
    receiver = new Receiver();
    await receiver.start();
  });

  afterEach(async () => {
    sender.onApplicationShutdown();
    state.onApplicationShutdown();
    await receiver.close();
  });

  it('sends a status callback as Twilio does: the exact URL, headers in this order, the form, signed', async () => {
    const url = receiver.url('/webhooks/twilio/sms-status?attempt=a1&x=%20y');
    await sender.statusCallback(callback(url));
    const form = new URLSearchParams(PARAMS).toString();
    expect(receiver.arrived).toEqual([
      {
        method: 'POST',
        url: '/webhooks/twilio/sms-status?attempt=a1&x=%20y',
        rawHeaders: [
          'user-agent', 'TwilioProxy/1.1',
          'accept', '*/*',
          'x-twilio-signature', signTwilioRequest(settings.authToken, url, PARAMS),
          'i-twilio-idempotency-token', `${PARAMS.MessageSid}-token-sent`,
          'content-type', 'application/x-www-form-urlencoded',
          'content-length', String(Buffer.byteLength(form)),
          'Host', `127.0.0.1:${receiver.port}`,
          'Connection', 'keep-alive',
        ],
        body: form,
      },
    ]);
  });

  it('sends each callback to its own URL, however many URLs it has seen', async () => {
    // More distinct URLs than the sender keeps parsed, each asked for twice, the repeats after the rest.
    const urls = Array.from({ length: 1100 }, (_, i) => receiver.url(`/status/${i}?attempt=${i}`));
    await Promise.all(urls.map((url) => sender.statusCallback(callback(url, 'sending'))));
    await Promise.all([urls[0], urls[1099], urls[0]].map((url) => sender.statusCallback(callback(url, 'sent'))));
    const paths = receiver.arrived.map((a) => a.url);
    expect(paths.slice(0, 1100).sort()).toEqual(urls.map((u) => u.slice(u.indexOf('/status'))).sort());
    expect(paths.slice(1100).sort()).toEqual(['/status/0?attempt=0', '/status/0?attempt=0', '/status/1099?attempt=1099']);
  });

  it('sends credentials in the URL as Basic auth after Host, as node does for a URL, and signs the URL as given', async () => {
    const url = `http://us%40er:p%3Ass@127.0.0.1:${receiver.port}/status`;
    await sender.statusCallback(callback(url));
    expect(receiver.arrived[0].rawHeaders.slice(4, 6)).toEqual(['x-twilio-signature', signTwilioRequest(settings.authToken, url, PARAMS)]);
    expect(receiver.arrived[0].rawHeaders.slice(12)).toEqual([
      'Host', `127.0.0.1:${receiver.port}`,
      'Authorization', `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`,
      'Connection', 'keep-alive',
    ]);
  });

  it('names an IPv6 host in brackets in Host', async () => {
    const ipv6 = new Receiver();
    await ipv6.start('::1');
    try {
      await sender.statusCallback(callback(`http://[::1]:${ipv6.port}/status`));
      expect(ipv6.arrived[0].rawHeaders.slice(12)).toEqual(['Host', `[::1]:${ipv6.port}`, 'Connection', 'keep-alive']);
    } finally {
      await ipv6.close();
    }
  });

  it('retries a callback answered 5xx with the same token, though it never reads the answers', async () => {
    receiver.answers.push({ status: 503, body: 'x'.repeat(300 * 1024) }, { status: 200, body: 'ignored' });
    await sender.statusCallback(callback(receiver.url('/status')));
    expect(receiver.arrived).toHaveLength(2);
    const tokens = receiver.arrived.map((a) => a.rawHeaders[a.rawHeaders.indexOf('i-twilio-idempotency-token') + 1]);
    expect(tokens).toEqual([`${PARAMS.MessageSid}-token-sent`, `${PARAMS.MessageSid}-token-sent`]);
  });

  it('logs one line per callback when logging is on', async () => {
    const lines: string[] = [];
    const root = createRedialLogger({ logLevel: 'info' }, 'sandbox', { write: (line: string) => void lines.push(line) });
    const logged = new WebhookSenderService(settings, state, new SandboxLogger(settings, root));
    try {
      await logged.statusCallback(callback(receiver.url('/status?attempt=1')));
    } finally {
      logged.onApplicationShutdown();
    }
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual([`callback ${PARAMS.MessageSid} sent → 200 127.0.0.1:${receiver.port}/status`]);
  });

  it('returns the body of a TwiML answer, and signs a GET over the URL with its params', async () => {
    receiver.answers.push({ status: 200, body: '<Response><Say>Hi</Say></Response>' });
    const response = await sender.fetchTwiml('GET', receiver.url('/voice?a=1'), { CallSid: 'CA1', Digits: '1 2' });
    expect(response).toEqual({ status: 200, body: '<Response><Say>Hi</Say></Response>' });
    const [arrived] = receiver.arrived;
    expect(arrived.method).toBe('GET');
    expect(arrived.url).toBe('/voice?a=1&CallSid=CA1&Digits=1+2');
    const token = arrived.rawHeaders[7];
    expect(token).toMatch(/^RQ-[0-9a-f-]{36}$/);
    expect(arrived.rawHeaders).toEqual([
      'user-agent', 'TwilioProxy/1.1',
      'accept', '*/*',
      'x-twilio-signature', signTwilioRequest(settings.authToken, receiver.url('/voice?a=1&CallSid=CA1&Digits=1+2'), {}),
      'i-twilio-idempotency-token', token,
      'Host', `127.0.0.1:${receiver.port}`,
      'Connection', 'keep-alive',
    ]);
    expect(arrived.body).toBe('');
  });
});
