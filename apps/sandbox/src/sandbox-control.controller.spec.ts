import type { ExecutionContext } from '@nestjs/common';
import { loadConfig } from '@redial/config';
import { LoopbackGuard } from './loopback.guard';
import { type RunningSandbox, startSandbox } from './sandbox.app';

const config = { ...loadConfig({}), host: '127.0.0.1', sandboxPort: 0 };
const auth = `Basic ${Buffer.from(`${config.sandbox.accountSid}:${config.sandbox.authToken}`).toString('base64')}`;
const messagesPath = `/2010-04-01/Accounts/${config.sandbox.accountSid}/Messages.json`;

interface Answer {
  statusCode: number;
  headers: Headers;
  json(): any;
}

/** (light-my-request, behind app.inject, cannot load under this Jest setup, so the app listens on a free port.) */
describe('sandbox control API', () => {
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    // Small bounds, and no callbacks (texts below have no StatusCallback).
    sandbox = await startSandbox(config, { quiet: true, inboxLimit: 3, maxNumbers: 4 });
  });
  afterAll(() => sandbox.close());
  beforeEach(() => request('DELETE', '/sandbox/state'));

  async function request(method: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const isText = typeof payload === 'string';
    const res = await fetch(`${sandbox.url}${url}`, {
      method,
      headers: payload === undefined ? headers : { 'content-type': isText ? 'application/x-www-form-urlencoded' : 'application/json', ...headers },
      body: payload === undefined ? undefined : isText ? payload : JSON.stringify(payload),
    });
    const body = await res.text();
    return { statusCode: res.status, headers: res.headers, json: () => JSON.parse(body) };
  }

  const put = (url: string, payload: unknown) => request('PUT', url, payload);
  const get = (url: string) => request('GET', url);
  const text = (to: string, body = 'hello') =>
    request('POST', messagesPath, new URLSearchParams({ To: to, From: '+15005550006', Body: body }).toString(), {
      authorization: auth,
    });

  it('sets a behaviour and merges partial updates', async () => {
    const first = await put('/sandbox/numbers/%2B15551230001', { sms: 'undelivered', smsErrorCode: 30005 });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      e164: '+15551230001',
      behaviour: { sms: 'undelivered', smsErrorCode: 30005, voice: 'press-pound', delayMs: 100 },
    });
    const second = await put('/sandbox/numbers/+15551230001', { voice: 'busy', delayMs: 0 });
    expect(second.json().behaviour).toEqual({ sms: 'undelivered', smsErrorCode: 30005, voice: 'busy', delayMs: 0 });
    const read = await get('/sandbox/numbers/%2B15551230001');
    expect(read.json().behaviour.voice).toBe('busy');
    const ringing = await put('/sandbox/numbers/+15551230001', { ringMs: 60000 });
    expect(ringing.json().behaviour).toMatchObject({ voice: 'busy', delayMs: 0, ringMs: 60000 });
  });

  it.each([
    ['/sandbox/numbers/%2B15551230001', { sms: 'lost' }, 'sms', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { voice: 'hum' }, 'voice', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { delayMs: -1 }, 'delayMs', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { delayMs: 1.5 }, 'delayMs', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { ringMs: -5 }, 'ringMs', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { smsErrorCode: '30003' }, 'smsErrorCode', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { colour: 'red' }, 'colour', 'unknown_field'],
    ['/sandbox/numbers/%2B15551230001', { keys: '12a#' }, 'keys', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { keys: 'W1' }, 'keys', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { keys: 12 }, 'keys', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', { keys: '1'.repeat(65) }, 'keys', 'invalid_field'],
    ['/sandbox/numbers/%2B15551230001', [1, 2], 'body', 'invalid_body'],
    ['/sandbox/numbers/12345', { sms: 'deliver' }, 'e164', 'invalid_number'],
    ['/sandbox/faults', { rate429: 2 }, 'rate429', 'invalid_field'],
    ['/sandbox/faults', { latencyMs: 'slow' }, 'latencyMs', 'invalid_field'],
    ['/sandbox/faults', { reorderCallbacks: 'yes' }, 'reorderCallbacks', 'invalid_field'],
  ])('PUT %s %j → 400 naming %s', async (url, payload, field, error) => {
    const res = await put(url, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error, message: expect.any(String), field });
  });

  it('refuses callers that are not on the loopback interface', () => {
    const guard = new LoopbackGuard();
    const from = (remoteAddress: string) =>
      ({ switchToHttp: () => ({ getRequest: () => ({ raw: { socket: { remoteAddress } } }) }) }) as unknown as ExecutionContext;
    expect(() => guard.canActivate(from('10.1.2.3'))).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => guard.canActivate(from('::ffff:192.168.1.2'))).toThrow();
    for (const local of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '127.0.0.2']) expect(guard.canActivate(from(local))).toBe(true);
  });

  it('merges, reads and clears faults; a reset clears them too', async () => {
    await put('/sandbox/faults', { rate500: 0.25 });
    const merged = await put('/sandbox/faults', { latencyMs: 5, reorderCallbacks: true });
    expect(merged.json()).toEqual({ rate429: 0, rate500: 0.25, latencyMs: 5, duplicateCallbacks: 0, reorderCallbacks: true });
    expect((await get('/sandbox/faults')).json()).toEqual(merged.json());
    const cleared = await request('DELETE', '/sandbox/faults');
    expect(cleared.json()).toMatchObject({ rate500: 0, latencyMs: 0, reorderCallbacks: false });
    await put('/sandbox/faults', { rate429: 1 });
    await request('DELETE', '/sandbox/state');
    expect((await get('/sandbox/faults')).json().rate429).toBe(0);
  });

  it('keeps the last texts of a number and forgets the least recently active numbers', async () => {
    for (const body of ['one', 'two', 'three', 'four']) expect((await text('+15551230002', body)).statusCode).toBe(201);
    const inbox = await get('/sandbox/inbox/%2B15551230002');
    expect(inbox.json().messages.map((m: { body: string }) => m.body)).toEqual(['two', 'three', 'four']);

    for (let i = 3; i <= 7; i++) await text(`+1555123000${i}`);
    const numbers = await get('/sandbox/numbers');
    const known = numbers.json().numbers.map((n: { e164: string }) => n.e164);
    expect(known).toEqual(['+15551230007', '+15551230006', '+15551230005', '+15551230004']);
    expect(numbers.json().numbers[0]).toMatchObject({
      behaviour: { sms: 'deliver', voice: 'press-pound', delayMs: 100 },
      configured: false,
      messages: 1,
      calls: 0,
    });
  });

  it('forgets everything on DELETE /sandbox/state', async () => {
    await put('/sandbox/numbers/%2B15551230009', { voice: 'busy' });
    await text('+15551230009');
    const reset = await request('DELETE', '/sandbox/state');
    expect(reset.statusCode).toBe(200);
    expect((await get('/sandbox/numbers')).json()).toEqual({ numbers: [] });
    const inbox = await get('/sandbox/inbox/%2B15551230009');
    expect(inbox.json()).toEqual({ e164: '+15551230009', messages: [], calls: [] });
  });

  it('keeps a number`s keys (a conformance-test extension) until they are set to null', async () => {
    const set = await put('/sandbox/numbers/%2B15551230001', { voice: 'report-fraud', keys: 'w1*2#' });
    expect(set.statusCode).toBe(200);
    expect(set.json().behaviour).toEqual({ sms: 'deliver', voice: 'report-fraud', keys: 'w1*2#', delayMs: 100 });
    expect((await put('/sandbox/numbers/%2B15551230001', { keys: '' })).json().behaviour.keys).toBe('');
    const cleared = await put('/sandbox/numbers/%2B15551230001', { keys: null });
    expect(cleared.json().behaviour).toEqual({ sms: 'deliver', voice: 'report-fraud', delayMs: 100 });
  });

  it('refuses digits for a call that has ended with 409', async () => {
    await put('/sandbox/numbers/%2B15551230003', { voice: 'busy', delayMs: 0 });
    const callsPath = messagesPath.replace('Messages.json', 'Calls.json');
    const created = await request('POST', callsPath, 'To=%2B15551230003&From=%2B15005550006&Twiml=%3CResponse%2F%3E', {
      authorization: auth,
    });
    const sid = created.json().sid as string;
    for (let tries = 0; tries < 200 && (await get('/sandbox/inbox/%2B15551230003')).json().calls[0].status !== 'busy'; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const res = await request('POST', `/sandbox/calls/${sid}/digits`, { digits: '#' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'call_ended', message: expect.stringContaining('busy') });
  });

  it('answers digits for unknown calls with 404 and bad digits with 400', async () => {
    const unknown = await request('POST', '/sandbox/calls/CA0/digits', { digits: '#' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'call_not_found' });
    const bad = await request('POST', '/sandbox/calls/CA0/digits', { digits: 'abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'digits' });
  });

  it('answers the REST API like Twilio: 401 with WWW-Authenticate, 201 with the message JSON', async () => {
    const denied = await request('POST', messagesPath, 'To=%2B15551230001');
    expect(denied.statusCode).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="Twilio API"');
    expect(denied.json()).toEqual({
      code: 20003,
      message: 'Authenticate',
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
    const created = await text('+15551230001', 'x'.repeat(161));
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ status: 'queued', num_segments: '2', from: '+15005550006' });
    expect(created.json()).not.toHaveProperty('type');
  });

  it('answers `accepted` for a Messaging Service text', async () => {
    const res = await request('POST', messagesPath, `To=%2B15551230001&MessagingServiceSid=MG${'a'.repeat(32)}&Body=hi`, {
      authorization: auth,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'accepted', messaging_service_sid: `MG${'a'.repeat(32)}` });
  });

  it('refuses an invalid StatusCallback (21609) and an invalid StatusCallbackEvent (21626)', async () => {
    const post = (url: string, payload: string) => request('POST', url, payload, { authorization: auth });
    const badCallback = await post(messagesPath, 'To=%2B15551230001&From=%2B15005550006&Body=x&StatusCallback=http%3A%2F%2Fbad_host%2Fs');
    expect(badCallback.json().code).toBe(21609);
    const callsPath = messagesPath.replace('Messages.json', 'Calls.json');
    const badEvent = await post(callsPath, 'To=%2B15551230001&From=%2B15005550006&Url=http%3A%2F%2Fh%2Fv&StatusCallbackEvent=ringing&StatusCallbackEvent=exploded');
    expect(badEvent.json().code).toBe(21626);
  });
});
