import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import twilio, { RestException, type Twilio } from 'twilio';
import BasicAuthStrategy from 'twilio/lib/auth_strategy/BasicAuthStrategy';
import { type Seen, TwilioStandIn } from '../../../test/support/twilio-stand-in';
import { classifyProviderError } from './outcome.classification';
import { asSdkHttpClient, encodeForm, TwilioHttpClient } from './twilio-http.client';

const SID = `AC${'0'.repeat(32)}`;
const TOKEN = 'sandbox-auth-token';
const BASIC = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;

const created = () => ({ status: 201, body: { sid: `SM${'b'.repeat(32)}`, status: 'queued' } });

describe('encodeForm: the SDK`s form and query encoding (qs, arrayFormat repeat, RFC 3986)', () => {
  // Each expected string is what qs.stringify(fields, { arrayFormat: 'repeat' }) gives (twilio 6.2's RequestClient).
  it.each<[string, object, string]>([
    ['nothing', {}, ''],
    ['a text', { To: '+15558675310', Body: 'Your code is 123456\n\n@app.example.com #123456', ValidityPeriod: 300 }, 'To=%2B15558675310&Body=Your%20code%20is%20123456%0A%0A%40app.example.com%20%23123456&ValidityPeriod=300'],
    ['an array repeats its key', { StatusCallbackEvent: ['initiated', 'ringing'], Timeout: 30 }, 'StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&Timeout=30'],
    ['undefined is left out, in an array too; null is empty', { a: [1, undefined, null, 'x'], b: null, c: undefined, d: [] }, 'a=1&a=&a=x&b='],
    ['booleans and dates', { On: true, Off: false, At: new Date(0) }, 'On=true&Off=false&At=1970-01-01T00%3A00%3A00.000Z'],
    ['what encodeURIComponent leaves, but qs does not', { "k y!'()*": "v w!'()*~-._" }, 'k%20y%21%27%28%29%2A=v%20w%21%27%28%29%2A~-._'],
    ['reserved characters and UTF-8', { a: 'é+&=/?#', e: '😀' }, 'a=%C3%A9%2B%26%3D%2F%3F%23&e=%F0%9F%98%80'],
    ['a lone surrogate becomes U+FFFD', { s: '\ud800x', t: 'x\udc00' }, 's=%EF%BF%BDx&t=x%EF%BF%BD'],
    ['a nested object`s keys in brackets', { n: { x: 1, y: [2, 3] } }, 'n%5Bx%5D=1&n%5By%5D=2&n%5By%5D=3'],
  ])('%s', (_name, fields, expected) => {
    expect(encodeForm(fields)).toBe(expected);
  });
});

describe('TwilioHttpClient.rewrite', () => {
  const client = new TwilioHttpClient({ baseUrl: 'http://127.0.0.1:4010/', timeoutMs: 1000, maxSockets: 1 });
  afterAll(() => client.destroy());

  it.each([
    ['https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json', 'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json'],
    ['https://api.sydney.au1.twilio.com/2010-04-01/Calls.json', 'http://127.0.0.1:4010/2010-04-01/Calls.json'],
    ['https://messaging.twilio.com/v1/Services', 'http://127.0.0.1:4010/v1/Services'],
    ['https://example.com/x', 'https://example.com/x'],
    ['https://nottwilio.com/x', 'https://nottwilio.com/x'],
    ['https://twilio.com.evil.example/x', 'https://twilio.com.evil.example/x'],
  ])('%s → %s', (from, to) => {
    expect(client.rewrite(from)).toBe(to);
  });

  it('leaves every URL as it is without a base URL (Twilio itself)', () => {
    const direct = new TwilioHttpClient({ timeoutMs: 1000, maxSockets: 1 });
    expect(direct.rewrite('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json')).toBe('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json');
    void direct.destroy();
  });
});

describe('TwilioHttpClient against a local server', () => {
  const server = new TwilioStandIn();
  let baseUrl: string;
  let client: TwilioHttpClient;

  beforeAll(async () => {
    baseUrl = await server.start();
    client = new TwilioHttpClient({ baseUrl, timeoutMs: 5000, maxSockets: 4 });
  });
  afterEach(() => (server.answer = created));
  afterAll(async () => {
    await client.destroy();
    await server.close();
  });

  const post = (data: object, headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' }) =>
    client.request({ method: 'post', uri: `https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages.json`, username: SID, password: TOKEN, headers, data });

  it('POSTs a form with Basic auth and the SDK`s headers to the rewritten origin, and answers status, body and headers', async () => {
    const response = await post({ To: '+15558675310', StatusCallbackEvent: ['initiated', 'ringing'] }, {
      'User-Agent': 'twilio-node/6.2.0 (linux x64) node/v22',
      'Accept-Charset': 'utf-8',
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    });
    expect(response).toMatchObject({ statusCode: 201, body: JSON.stringify(created().body) });
    expect(response.headers['content-type']).toBe('application/json');
    const seen = server.last();
    expect(seen.method).toBe('POST');
    expect(seen.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(seen.body).toBe('To=%2B15558675310&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing');
    expect(seen.headers).toMatchObject({
      authorization: BASIC,
      'user-agent': 'twilio-node/6.2.0 (linux x64) node/v22',
      'accept-charset': 'utf-8',
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'content-length': String(seen.body.length),
      connection: 'keep-alive',
    });
  });

  it('puts a GET`s params in the query string, after any the URI has', async () => {
    server.answer = () => ({ status: 200, body: { messages: [] } });
    await client.request({ method: 'get', uri: `https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages.json`, username: SID, password: TOKEN, params: { To: '+15558675310', PageSize: 50 } });
    expect(server.last()).toMatchObject({ method: 'GET', path: `/2010-04-01/Accounts/${SID}/Messages.json?To=%2B15558675310&PageSize=50`, body: '' });
    await client.request({ method: 'get', uri: `https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages.json?Page=1`, username: SID, password: TOKEN, params: { To: '+1' } });
    expect(server.last().path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json?Page=1&To=%2B1`);
  });

  it('sends JSON for a JSON Content-Type, and no body for any other or none (as RequestClient)', async () => {
    await post({ a: [1, 2] }, { 'Content-Type': 'application/json' });
    expect(server.last().body).toBe('{"a":[1,2]}');
    await post({ a: 1 }, { 'Content-Type': 'text/plain' });
    expect(server.last().body).toBe('');
    await client.request({ method: 'delete', uri: `https://api.twilio.com/2010-04-01/Accounts/${SID}/Messages/SM1.json`, username: SID, password: TOKEN });
    expect(server.last()).toMatchObject({ method: 'DELETE', body: '' });
  });

  it('authenticates with the SDK`s auth strategy when there is no username and password', async () => {
    await client.request({ method: 'post', uri: `https://api.twilio.com/x`, authStrategy: new BasicAuthStrategy('SK1', 'secret'), headers: {}, data: {} });
    expect(server.last().headers.authorization).toBe(`Basic ${Buffer.from('SK1:secret').toString('base64')}`);
  });

  it('sends consecutive requests on kept-alive connections, not one each', async () => {
    // undici lets a connection rest one event-loop turn after an answer before it reuses it (a server that said
    // keep-alive may still close it), so back-to-back requests take turns on two connections.
    const before = server.seen.length;
    for (let i = 0; i < 10; i++) await post({ n: i });
    const sockets = new Set(server.seen.slice(before).map((s) => s.socket));
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('answers a 4xx or 5xx like any other status (the SDK raises the RestException)', async () => {
    server.answer = () => ({ status: 503, body: { code: 20503, message: 'Service unavailable', status: 503 } });
    expect(await post({})).toMatchObject({ statusCode: 503, body: '{"code":20503,"message":"Service unavailable","status":503}' });
  });
});

/** A throwaway self-signed certificate for localhost and 127.0.0.1 (P-256, valid until 2126), for tests only. */
const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgd3n4dLeG7iwsPfGV
qSLcPJHl9yMpAV61NyhlTMmeAl2hRANCAAQ/eHMcqYy8nxs3sTQJ06vcY1xtdSsD
3ppsFmCnjQ1/qmRGEf+9SABjUX5PrdRlYGGonfG7MGqLhZ2CTydLykoQ
-----END PRIVATE KEY-----
`;
const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUd1g+QtNioeoLbW52K26FeztS0ZUwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEzMDE5MjQxMFoYDzIxMjYxMTA2
MTkyNDEwWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQ/eHMcqYy8nxs3sTQJ06vcY1xtdSsD3ppsFmCnjQ1/qmRGEf+9SABj
UX5PrdRlYGGonfG7MGqLhZ2CTydLykoQo28wbTAdBgNVHQ4EFgQUzhtWIam8OJYt
R8/EK6PS0l+Tj/IwHwYDVR0jBBgwFoAUzhtWIam8OJYtR8/EK6PS0l+Tj/IwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDRwAwRAIgSl3iwQW8J/q9DmcNwY2L67p+/2NZWr87iE7xlnZBDtkCIFFb
Y5ra13GNl53fGo12o/kprJid32G6LM0RibIG5EQW
-----END CERTIFICATE-----
`;

/** What Twilio itself is to the client: an https origin, one TLS handshake per connection kept alive. */
describe('TwilioHttpClient over TLS', () => {
  const seen: Array<{ path: string; authorization?: string; body: string }> = [];
  let handshakes = 0;
  const server = https.createServer({ key: TLS_KEY, cert: TLS_CERT }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end('{"sid":"SM1","status":"queued"}');
    });
  });
  server.on('secureConnection', () => handshakes++);
  let origin: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the SDK`s requests to an https origin, reusing the kept-alive TLS connections', async () => {
    const client = new TwilioHttpClient({ baseUrl: origin, timeoutMs: 5000, maxSockets: 4, ca: TLS_CERT });
    const sdk = twilio(SID, TOKEN, { httpClient: asSdkHttpClient(client) });
    try {
      for (let i = 0; i < 10; i++) await sdk.messages.create({ to: '+15558675310', from: '+15005550006', body: `text ${i}` });
    } finally {
      await client.destroy();
    }
    expect(seen).toHaveLength(10);
    expect(seen[9]).toEqual({ path: `/2010-04-01/Accounts/${SID}/Messages.json`, authorization: BASIC, body: 'To=%2B15558675310&From=%2B15005550006&Body=text%209' });
    expect(handshakes).toBeLessThanOrEqual(2); // see the keep-alive test above: two connections take turns
  });

  it('refuses a server whose certificate it does not trust', async () => {
    const client = new TwilioHttpClient({ baseUrl: origin, timeoutMs: 5000, maxSockets: 1 });
    const error = await client.request({ method: 'get', uri: 'https://api.twilio.com/x', username: SID, password: TOKEN }).then(() => undefined, (e: unknown) => e);
    await client.destroy();
    expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });
});

/**
 * An outbound proxy as deployments put in front of Twilio: a real CONNECT proxy on a local port, recording each
 * tunnel it opens and the Proxy-Authorization it was given.
 */
describe('TwilioHttpClient through an outbound proxy (CONNECT)', () => {
  const tunnels: Array<{ target: string; auth?: string }> = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  const server = new TwilioStandIn();
  let proxyUrl: string;
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await server.start();
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterEach(() => (tunnels.length = 0));
  afterAll(async () => {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
    await server.close();
  });

  it('tunnels the SDK`s requests to their origin through the proxy, with the proxy`s credentials from its URL', async () => {
    const client = new TwilioHttpClient({ baseUrl, timeoutMs: 5000, maxSockets: 2, proxyUrl: proxyUrl.replace('://', '://relay:s3cret@') });
    const sdk = twilio(SID, TOKEN, { httpClient: asSdkHttpClient(client) });
    try {
      for (let i = 0; i < 3; i++) await sdk.messages.create({ to: '+15558675310', from: '+15005550006', body: `text ${i}` });
    } finally {
      await client.destroy();
    }
    expect(server.last()).toMatchObject({ path: `/2010-04-01/Accounts/${SID}/Messages.json`, body: 'To=%2B15558675310&From=%2B15005550006&Body=text%202' });
    expect(server.last().headers.authorization).toBe(BASIC);
    expect(tunnels.length).toBeGreaterThanOrEqual(1);
    expect(tunnels.length).toBeLessThanOrEqual(2); // kept alive, as without a proxy
    expect(tunnels[0]).toEqual({ target: new URL(baseUrl).host, auth: `Basic ${Buffer.from('relay:s3cret').toString('base64')}` });
  });

  it('a proxy that cannot be reached fails before anything is sent: a retry that is not ambiguous', async () => {
    const closed = new TwilioStandIn();
    const deadUrl = await closed.start();
    await closed.close();
    const client = new TwilioHttpClient({ baseUrl, timeoutMs: 5000, maxSockets: 1, proxyUrl: deadUrl });
    const before = server.seen.length;
    const error = await client.request({ method: 'post', uri: 'https://api.twilio.com/x', username: SID, password: TOKEN }).then(() => undefined, (e: unknown) => e);
    await client.destroy();
    expect(server.seen.length).toBe(before);
    expect(classifyProviderError(error)).toEqual({ action: 'retry', reason: 'network_error', transient: true });
  });
});

/**
 * The network failures the worker must tell apart: refused before anything was sent (safe to send again), or
 * broken or timed out after the request went out (ambiguous: the worker looks for the text before sending again).
 */
describe('TwilioHttpClient network errors, as classifyProviderError reads them', () => {
  const server = new TwilioStandIn();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await server.start();
  });
  afterAll(() => server.close());

  async function failure(client: TwilioHttpClient): Promise<unknown> {
    try {
      const error = await client
        .request({ method: 'post', uri: 'https://api.twilio.com/x', username: SID, password: TOKEN, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, data: { To: '+1' } })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeDefined();
      return error;
    } finally {
      await client.destroy();
    }
  }

  it('a refused connection: ECONNREFUSED, a retry that is not ambiguous', async () => {
    const closed = new TwilioStandIn();
    const deadUrl = await closed.start();
    await closed.close();
    const error = await failure(new TwilioHttpClient({ baseUrl: deadUrl, timeoutMs: 5000, maxSockets: 1 }));
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(classifyProviderError(error)).toEqual({ action: 'retry', reason: 'network_error', transient: true });
  });

  it('no answer within the timeout after the request was sent: ambiguous', async () => {
    server.answer = () => 'hold';
    const error = await failure(new TwilioHttpClient({ baseUrl, timeoutMs: 200, maxSockets: 1 }));
    expect(server.last().body).toBe('To=%2B1'); // the server had the whole request
    expect(error).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(classifyProviderError(error)).toEqual({ action: 'retry', reason: 'network_error', transient: true, ambiguous: true });
  });

  it('the connection dropped after the request was sent: ambiguous', async () => {
    server.answer = () => 'reset';
    const error = await failure(new TwilioHttpClient({ baseUrl, timeoutMs: 5000, maxSockets: 1 }));
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(classifyProviderError(error)).toEqual({ action: 'retry', reason: 'network_error', transient: true, ambiguous: true });
  });
});

/**
 * What the SDK sends through TwilioHttpClient is what it sent through its own RequestClient (axios + qs), header
 * for header and byte for byte — for the calls Redial makes, with the characters where encoders differ.
 */
describe('TwilioHttpClient sends what the SDK`s RequestClient sent', () => {
  const server = new TwilioStandIn();
  let baseUrl: string;
  let ours: TwilioHttpClient;
  let viaOurs: Twilio;
  let viaSdk: Twilio;

  beforeAll(async () => {
    baseUrl = await server.start();
    ours = new TwilioHttpClient({ baseUrl, timeoutMs: 5000, maxSockets: 2 });
    viaOurs = twilio(SID, TOKEN, { httpClient: asSdkHttpClient(ours) });
    viaSdk = twilio(SID, TOKEN);
    viaSdk.api.baseUrl = baseUrl; // TWILIO.md §7, option 2: the SDK's own client, pointed at the local server
  });
  afterAll(async () => {
    await ours.destroy();
    await server.close();
  });

  /** The request as sent, less what only axios adds (Accept-Encoding: it would take a compressed answer). */
  function sent(seen: Seen) {
    const { 'accept-encoding': _acceptEncoding, host: _host, ...headers } = seen.headers;
    return { method: seen.method, path: seen.path, body: seen.body, headers };
  }

  async function both(call: (client: Twilio) => Promise<unknown>) {
    await call(viaSdk);
    const theirs = sent(server.last());
    await call(viaOurs);
    return { theirs, ours: sent(server.last()) };
  }

  it.each<[string, (client: Twilio) => Promise<unknown>]>([
    ['a text', (c) => c.messages.create({ to: '+15558675310', from: '+15005550006', body: "Your code is 123456 (it's *yours*!) 😀\n\n@app.example.com #123456", statusCallback: 'http://h/s?a=1&b=2', validityPeriod: 300 })],
    ['a call with repeated StatusCallbackEvent', (c) => c.calls.create({ to: '+15558675310', from: '+15005550006', url: 'http://h/v', method: 'POST', statusCallback: 'http://h/s', statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'], timeout: 30, machineDetection: 'Enable' })],
    ['a call ended', (c) => c.calls(`CA${'a'.repeat(32)}`).update({ status: 'canceled' })],
    ['a page of texts (GET)', (c) => c.messages.list({ to: '+15558675310', limit: 50 })],
  ])('%s', async (_name, call) => {
    server.answer = (req) => (req.method === 'GET' ? { status: 200, body: { messages: [], next_page_uri: null } } : { status: 201, body: { sid: `SM${'b'.repeat(32)}`, status: 'queued' } });
    const { theirs, ours: mine } = await both(call);
    expect(mine).toEqual(theirs);
    server.answer = created;
  });

  it.each([
    [400, 21211, 'fail_step'],
    [429, 20429, 'retry'],
    [500, 20500, 'retry'],
  ])('a %i answer: the same RestException, classified alike', async (status, code, action) => {
    server.answer = () => ({ status, body: { code, message: 'no', more_info: 'https://www.twilio.com/docs/errors', status } });
    const send = (client: Twilio) => client.messages.create({ to: '+1500', from: '+15005550006', body: 'x' }).then(() => undefined, (e: unknown) => e);
    const [theirs, mine] = [await send(viaSdk), await send(viaOurs)];
    server.answer = created;
    expect(mine).toBeInstanceOf(RestException);
    expect(mine).toMatchObject({ status, code, message: 'no' });
    expect(mine).toEqual(theirs);
    expect(classifyProviderError(mine)).toEqual(classifyProviderError(theirs));
    expect(classifyProviderError(mine)).toMatchObject({ action, code, httpStatus: status });
  });
});
