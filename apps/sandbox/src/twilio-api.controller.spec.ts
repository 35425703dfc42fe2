import { loadConfig } from '@redial/config';
import { asSdkHttpClient, TwilioHttpClient } from '@redial/telephony';
import twilio, { type Twilio } from 'twilio';
import { type RunningSandbox, startSandbox } from './sandbox.app';

const config = { ...loadConfig({}), host: '127.0.0.1', sandboxPort: 0 };
const { accountSid, authToken, apiKey } = config.sandbox;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const auth = basic(accountSid, authToken);
const root = `/2010-04-01/Accounts/${accountSid}`;

interface Answer {
  status: number;
  json: any;
}

/** The REST surface as Twilio shapes it: lists, call updates, API-key auth, and 20404 for anything unknown. */
describe('sandbox REST API', () => {
  let sandbox: RunningSandbox;
  let httpClient: TwilioHttpClient;
  let client: Twilio;
  let seq = 0;
  const fresh = () => `+1555020${String(++seq).padStart(4, '0')}`;

  beforeAll(async () => {
    sandbox = await startSandbox(config, { quiet: true });
    httpClient = new TwilioHttpClient({ baseUrl: sandbox.url, timeoutMs: 5000, maxSockets: 4 });
    client = twilio(accountSid, authToken, { httpClient: asSdkHttpClient(httpClient) });
  });
  afterAll(async () => {
    await httpClient.destroy();
    await sandbox.close();
  });

  async function request(method: string, path: string, form?: Record<string, string>, authorization = auth): Promise<Answer> {
    const res = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: {
        authorization,
        ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: form === undefined ? undefined : new URLSearchParams(form).toString(),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? null : JSON.parse(text) };
  }

  const twilio404 = (path: string) => ({
    code: 20404,
    message: `The requested resource ${path} was not found`,
    more_info: 'https://www.twilio.com/docs/errors/20404',
    status: 404,
  });

  describe('unknown routes answer Twilio`s 20404, never Nest`s body', () => {
    it.each([
      ['GET', '/'],
      ['GET', '/favicon.ico'],
      ['GET', '/2010-04-01'],
      ['GET', `${root}.json`],
      ['GET', `${root}/IncomingPhoneNumbers.json`],
      ['POST', `${root}/Messages/SM${'0'.repeat(32)}.json`],
      ['DELETE', `${root}/Messages.json`],
      ['GET', `${root}/Messages/SM${'0'.repeat(32)}/Media.json`],
    ])('%s %s', async (method, path) => {
      const res = await request(method, `${path}?x=1`);
      expect(res).toEqual({ status: 404, json: twilio404(path) });
    });

    it('an unknown SID in a known route too', async () => {
      const path = `${root}/Calls/CA${'f'.repeat(32)}.json`;
      expect(await request('GET', path)).toEqual({ status: 404, json: twilio404(path) });
      expect(await request('POST', path, { Status: 'canceled' })).toEqual({ status: 404, json: twilio404(path) });
    });

    it('a body it cannot read is refused in Twilio`s shape', async () => {
      const res = await fetch(`${sandbox.url}${root}/Messages.json`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: '{not json',
      });
      const json = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(400);
      expect(json).toEqual({ code: 400, message: expect.any(String), more_info: 'https://www.twilio.com/docs/errors/400', status: 400 });
    });

    it('the control API keeps its own error shape', async () => {
      const res = await request('GET', '/sandbox/nothing-here');
      expect(res).toEqual({ status: 404, json: { error: 'not_found', message: expect.any(String) } });
    });
  });

  describe('credentials', () => {
    const text = (authorization: string) => request('POST', `${root}/Messages.json`, { To: fresh(), From: '+15005550006', Body: 'x' }, authorization);

    it.each([
      ['the Auth Token', 201, basic(accountSid, authToken)],
      ['the API key and its secret', 201, basic(apiKey.sid, apiKey.secret)],
      ['a lower-case scheme', 201, auth.replace('Basic', 'basic')],
      ['the API key with the Auth Token', 401, basic(apiKey.sid, authToken)],
      ['the account with the API secret', 401, basic(accountSid, apiKey.secret)],
      ['a wrong secret', 401, basic(apiKey.sid, 'nope')],
      ['no credentials', 401, ''],
    ])('%s → %i', async (_what, status, authorization) => {
      const res = await text(authorization);
      expect(res.status).toBe(status);
      if (status === 401) expect(res.json).toMatchObject({ code: 20003, message: 'Authenticate' });
    });

    it('the SDK with an API key (the account SID still in the path)', async () => {
      const keyed = twilio(apiKey.sid, apiKey.secret, { accountSid, httpClient: asSdkHttpClient(httpClient) });
      const message = await keyed.messages.create({ to: fresh(), from: '+15005550006', body: 'x' });
      expect(message.accountSid).toBe(accountSid);
    });
  });

  describe('lists', () => {
    it('messages: newest first, filtered by To, paged through the SDK', async () => {
      const to = fresh();
      const sids: string[] = [];
      for (let i = 0; i < 5; i++) sids.push((await client.messages.create({ to, from: '+15005550006', body: `n${i}` })).sid);
      await client.messages.create({ to: fresh(), from: '+15005550006', body: 'other' });
      const listed = await client.messages.list({ to, pageSize: 2 });
      expect(listed.map((m) => m.sid)).toEqual([...sids].reverse());
      expect(listed.map((m) => m.body)).toEqual(['n4', 'n3', 'n2', 'n1', 'n0']);
      expect((await client.messages.list({ to, limit: 3 })).map((m) => m.body)).toEqual(['n4', 'n3', 'n2']);
    });

    it('messages: Twilio`s envelope, page URIs, and cursors that do not shift', async () => {
      const to = fresh();
      const sids: string[] = [];
      for (let i = 0; i < 3; i++) sids.push((await client.messages.create({ to, from: '+15005550006', body: `m${i}` })).sid);
      const path = `${root}/Messages.json`;
      const first = await request('GET', `${path}?To=${encodeURIComponent(to)}&PageSize=2`);
      const query = `To=%2B${to.slice(1)}&PageSize=2`;
      expect(first.status).toBe(200);
      expect(first.json).toEqual({
        messages: [expect.objectContaining({ sid: sids[2] }), expect.objectContaining({ sid: sids[1] })],
        end: 1,
        first_page_uri: `${path}?${query}&Page=0`,
        next_page_uri: `${path}?${query}&Page=1&PageToken=PA${sids[1]}`,
        page: 0,
        page_size: 2,
        previous_page_uri: null,
        start: 0,
        uri: `${path}?${query}&Page=0`,
      });
      // A newer text arrives; the next page still starts after the last one seen.
      await client.messages.create({ to, from: '+15005550006', body: 'newer' });
      const second = await request('GET', first.json.next_page_uri);
      expect(second.json).toMatchObject({
        messages: [expect.objectContaining({ sid: sids[0] })],
        start: 2,
        end: 2,
        page: 1,
        next_page_uri: null,
        previous_page_uri: `${path}?${query}&Page=0&PageToken=PB${sids[0]}`,
        uri: `${path}?${query}&Page=1&PageToken=PA${sids[1]}`,
      });
      const back = await request('GET', second.json.previous_page_uri);
      expect(back.json.messages.map((m: { sid: string }) => m.sid)).toEqual([sids[2], sids[1]]);
    });

    it('an empty list', async () => {
      const res = await request('GET', `${root}/Calls.json?To=%2B15550000000`);
      expect(res.json).toMatchObject({ calls: [], start: 0, end: 0, page: 0, page_size: 50, next_page_uri: null, previous_page_uri: null });
      expect(res.json.uri).toBe(`${root}/Calls.json?To=%2B15550000000&PageSize=50&Page=0`);
    });

    it('PageSize is kept within 1–1000', async () => {
      expect((await request('GET', `${root}/Messages.json?PageSize=5000`)).json.page_size).toBe(1000);
      expect((await request('GET', `${root}/Messages.json?PageSize=0`)).json.page_size).toBe(1);
    });

    it('calls: filtered by Status and To through the SDK', async () => {
      const to = fresh();
      const call = await client.calls.create({ to, from: '+15005550006', twiml: '<Response><Hangup/></Response>' });
      const canceled = await client.calls(call.sid).update({ status: 'canceled' });
      expect(canceled.status).toBe('canceled');
      const other = await client.calls.create({ to, from: '+15005550006', twiml: '<Response/>' });
      expect((await client.calls.list({ to, status: 'canceled' })).map((c) => c.sid)).toEqual([call.sid]);
      expect((await client.calls.list({ to })).map((c) => c.sid)).toEqual([other.sid, call.sid]);
    });
  });

  describe('call updates', () => {
    const create = async (twiml = '<Response><Pause length="1"/></Response>') =>
      (await client.calls.create({ to: fresh(), from: '+15005550006', twiml })).sid;

    it.each([
      ['canceled', 'canceled'],
      ['completed', 'canceled'],
    ])('Status=%s on a queued call → %s', async (status, final) => {
      const sid = await create();
      const res = await request('POST', `${root}/Calls/${sid}.json`, { Status: status });
      expect(res).toMatchObject({ status: 200, json: { sid, status: final, duration: '0' } });
    });

    it('an invalid Status → 400 / 21200 (Twilio has no code of its own for it)', async () => {
      const sid = await create();
      const res = await request('POST', `${root}/Calls/${sid}.json`, { Status: 'paused' });
      expect(res).toEqual({
        status: 400,
        json: { code: 21200, message: expect.stringContaining('paused'), more_info: 'https://www.twilio.com/docs/errors/21200', status: 400 },
      });
    });

    it('new TwiML for a call that is not in progress → 400 / 21220', async () => {
      const sid = await create();
      const res = await request('POST', `${root}/Calls/${sid}.json`, { Twiml: '<Response/>' });
      expect(res.json).toEqual({
        code: 21220,
        message: 'Call is not in-progress. Cannot redirect.',
        more_info: 'https://www.twilio.com/docs/errors/21220',
        status: 400,
      });
      expect((await request('POST', `${root}/Calls/${sid}.json`, { Url: 'http://127.0.0.1:1/x' })).json.code).toBe(21220);
      expect((await request('POST', `${root}/Calls/${sid}.json`, { Url: 'not a url' })).json.code).toBe(21205);
    });

    it('a call that has ended is answered as it is', async () => {
      const sid = await create();
      await request('POST', `${root}/Calls/${sid}.json`, { Status: 'canceled' });
      for (const status of ['canceled', 'completed']) {
        expect((await request('POST', `${root}/Calls/${sid}.json`, { Status: status })).json).toMatchObject({ status: 'canceled' });
      }
    });
  });
});
