import * as http from 'node:http';
import type { TwilioConfig } from '@redial/config';
import { RestException } from 'twilio';
import { TwilioStandIn } from '../../../test/support/twilio-stand-in';
import { TwilioHttpClient } from './twilio-http.client';
import { TwilioTelephonyProvider } from './twilio-telephony.provider';

const SID = `AC${'0'.repeat(32)}`;
const TOKEN = 'sandbox-auth-token';

function config(apiUrl: string, from = '+15005550006'): TwilioConfig {
  return { mode: 'sandbox', accountSid: SID, authToken: TOKEN, apiKey: undefined, from, apiUrl };
}

describe('TwilioTelephonyProvider (the exact request the SDK sends)', () => {
  const server = new TwilioStandIn();
  let apiUrl: string;
  let provider: TwilioTelephonyProvider;

  beforeAll(async () => {
    apiUrl = await server.start();
    provider = new TwilioTelephonyProvider(config(apiUrl));
  });
  afterAll(async () => {
    await provider.close();
    await server.close();
  });

  it('sends a text: form fields, Basic auth, path and headers', async () => {
    const receipt = await provider.sendSms({
      to: '+15558675310',
      body: 'Your Redial code is 123456\n\n@app.example.com #123456',
      statusCallbackUrl: 'http://127.0.0.1:3000/webhooks/twilio/sms-status?attempt=a1',
      validitySec: 300,
    });
    expect(receipt).toEqual({ sid: `SM${'b'.repeat(32)}`, status: 'queued' });
    const req = server.last();
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.connection).toBe('keep-alive');
    expect(req.headers['user-agent']).toMatch(/^twilio-node\/6\.2\.0 \(/);
    expect(req.headers).toMatchObject({ accept: 'application/json', 'accept-charset': 'utf-8' });
    expect(req.form).toEqual([
      ['To', '+15558675310'],
      ['StatusCallback', 'http://127.0.0.1:3000/webhooks/twilio/sms-status?attempt=a1'],
      ['ValidityPeriod', '300'],
      ['From', '+15005550006'],
      ['Body', 'Your Redial code is 123456\n\n@app.example.com #123456'],
    ]);
    expect(req.body).toContain('Body=Your%20Redial%20code'); // qs encodes spaces as %20
    expect(req.body).not.toContain('MessageIntent');
  });

  it.each([
    [0, '1'],
    [-5, '1'],
    [299.6, '300'],
    [50_000, '36000'],
  ])('clamps ValidityPeriod %p to %s', async (validitySec, sent) => {
    await provider.sendSms({ to: '+15558675310', body: 'x', statusCallbackUrl: 'http://h/s', validitySec });
    expect(server.last().form).toContainEqual(['ValidityPeriod', sent]);
  });

  it('sends from a Messaging Service when `from` is an MG SID', async () => {
    const mg = `MG${'c'.repeat(32)}`;
    const viaService = new TwilioTelephonyProvider(config(apiUrl, mg));
    await viaService.sendSms({ to: '+15558675310', body: 'x', statusCallbackUrl: 'http://h/s', validitySec: 60 });
    await viaService.close();
    const keys = server.last().form.map(([k]) => k);
    expect(server.last().form).toContainEqual(['MessagingServiceSid', mg]);
    expect(keys).not.toContain('From');
  });

  it('places a call: repeated StatusCallbackEvent keys, Timeout, MachineDetection', async () => {
    const receipt = await provider.placeCall({
      to: '+15558675310',
      twimlUrl: 'http://127.0.0.1:3000/webhooks/twilio/voice/a1',
      statusCallbackUrl: 'http://127.0.0.1:3000/webhooks/twilio/call-status',
      ringTimeoutSec: 30,
      machineDetection: true,
    });
    expect(receipt).toEqual({ sid: `CA${'a'.repeat(32)}`, status: 'queued' });
    const req = server.last();
    expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    expect(req.form).toEqual([
      ['To', '+15558675310'],
      ['From', '+15005550006'],
      ['Method', 'POST'],
      ['StatusCallback', 'http://127.0.0.1:3000/webhooks/twilio/call-status'],
      ['StatusCallbackEvent', 'initiated'],
      ['StatusCallbackEvent', 'ringing'],
      ['StatusCallbackEvent', 'answered'],
      ['StatusCallbackEvent', 'completed'],
      ['StatusCallbackMethod', 'POST'],
      ['Timeout', '30'],
      ['MachineDetection', 'Enable'],
      ['Url', 'http://127.0.0.1:3000/webhooks/twilio/voice/a1'],
    ]);
    expect(req.body).toContain(
      'StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&StatusCallbackEvent=answered&StatusCallbackEvent=completed',
    );
  });

  it('dials an extension with SendDigits and leaves MachineDetection out', async () => {
    await provider.placeCall({
      to: '+15558675310',
      twimlUrl: 'http://h/v',
      statusCallbackUrl: 'http://h/s',
      ringTimeoutSec: 2000,
      machineDetection: true,
      sendDigits: 'ww1234',
    });
    const form = server.last().form;
    expect(form).toContainEqual(['SendDigits', 'ww1234']);
    expect(form).toContainEqual(['Timeout', '600']);
    expect(form.map(([k]) => k)).not.toContain('MachineDetection');
  });

  it('leaves MachineDetection out when it was not asked for', async () => {
    await provider.placeCall({
      to: '+15558675310',
      twimlUrl: 'http://h/v',
      statusCallbackUrl: 'http://h/s',
      ringTimeoutSec: 25,
      machineDetection: false,
    });
    expect(server.last().form.map(([k]) => k)).not.toContain('MachineDetection');
  });

  it.each([
    ['canceled', 'canceled'],
    ['completed', 'completed'],
  ] as const)('ends a call with Status=%s (POST Calls/{sid}.json)', async (status, answered) => {
    server.answer = () => ({ status: 200, body: { sid: `CA${'a'.repeat(32)}`, status: answered } });
    try {
      const receipt = await provider.endCall(`CA${'a'.repeat(32)}`, status);
      expect(receipt).toEqual({ status: answered });
      const req = server.last();
      expect(req.method).toBe('POST');
      expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Calls/CA${'a'.repeat(32)}.json`);
      expect(req.form).toEqual([['Status', status]]);
    } finally {
      server.answer = () => ({ status: 201, body: { sid: `SM${'b'.repeat(32)}`, status: 'queued' } });
    }
  });

  describe('finds a send whose answer was lost (GET list, one page, filtered here)', () => {
    const since = new Date('2026-12-01T10:00:00Z');
    /** Twilio's date format: RFC 2822, whole seconds. */
    const at = (ms: number) => new Date(since.getTime() + ms).toUTCString().replace('GMT', '+0000');
    const page = (key: string, items: object[]) => ({ [key]: items, end: items.length - 1, first_page_uri: '/x', next_page_uri: null, page: 0, page_size: 50, previous_page_uri: null, start: 0, uri: '/x' });
    afterEach(() => (server.answer = () => ({ status: 201, body: { sid: `SM${'b'.repeat(32)}`, status: 'queued' } })));

    it('a text: To and PageSize only, then the ones created since (less a minute of clock skew) that carry the code line, oldest first', async () => {
      const text = (n: number, body: string, ms: number) => ({ sid: `SM${String(n).repeat(32)}`, status: 'sent', body, to: '+15558675310', date_created: at(ms) });
      server.answer = () => ({
        status: 200,
        body: page('messages', [
          text(4, 'Your code is 111111\n\n@app.example.com #111111', 5_000), // another attempt's text
          text(3, 'Your code is 123456\n\n@app.example.com #123456', 1_000),
          text(2, 'Your code is 123456\n\n@app.example.com #123456', -30_000), // within the skew allowance
          text(1, 'Your code is 123456\n\n@app.example.com #123456', -61_000), // older than the attempt
        ]),
      });
      const found = await provider.findSent({ channel: 'sms', to: '+15558675310', since, bodyIncludes: '@app.example.com #123456' });
      expect(found).toEqual([
        { sid: `SM${'2'.repeat(32)}`, status: 'sent' },
        { sid: `SM${'3'.repeat(32)}`, status: 'sent' },
      ]);
      const req = server.last();
      expect(req.method).toBe('GET');
      expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json?To=%2B15558675310&PageSize=50`);
    });

    it('a call: To and our From', async () => {
      server.answer = () => ({ status: 200, body: page('calls', [{ sid: `CA${'5'.repeat(32)}`, status: 'ringing', to: '+15558675310', from: '+15005550006', date_created: at(2_000) }]) });
      expect(await provider.findSent({ channel: 'call', to: '+15558675310', since })).toEqual([{ sid: `CA${'5'.repeat(32)}`, status: 'ringing' }]);
      expect(server.last().path).toBe(`/2010-04-01/Accounts/${SID}/Calls.json?To=%2B15558675310&From=%2B15005550006&PageSize=50`);
    });
  });

  it('authenticates with an API key (SK…:secret) while the path names the account', async () => {
    const key = { sid: `SK${'d'.repeat(32)}`, secret: 'key-secret' };
    const withKey = new TwilioTelephonyProvider({ ...config(apiUrl), apiKey: key });
    await withKey.sendSms({ to: '+15558675310', body: 'x', statusCallbackUrl: 'http://h/s', validitySec: 60 });
    await withKey.close();
    const req = server.last();
    expect(req.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${key.sid}:${key.secret}`).toString('base64')}`);
  });

  it('reuses one keep-alive connection for consecutive requests', async () => {
    const before = server.connections;
    for (let i = 0; i < 5; i++) {
      await provider.sendSms({ to: '+15558675310', body: 'x', statusCallbackUrl: 'http://h/s', validitySec: 60 });
    }
    expect(server.connections - before).toBeLessThanOrEqual(1);
  });

  it('lets a RestException through, which classifyError reads', async () => {
    server.answer = () => ({
      status: 400,
      body: { code: 21211, message: "The 'To' number +1500 is not a valid phone number.", more_info: 'x', status: 400 },
    });
    try {
      const error = await provider
        .sendSms({ to: '+1500', body: 'x', statusCallbackUrl: 'http://h/s', validitySec: 60 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RestException);
      expect(error).toMatchObject({ status: 400, code: 21211 });
      expect(provider.classifyError(error)).toMatchObject({ action: 'fail_step', reason: 'invalid_number' });
    } finally {
      server.answer = () => ({ status: 201, body: { sid: `SM${'b'.repeat(32)}`, status: 'queued' } });
    }
  });

  it('lets a network error through, classified as a retry', async () => {
    const closed = new TwilioStandIn();
    const deadUrl = await closed.start();
    await closed.close();
    const dead = new TwilioTelephonyProvider(config(deadUrl));
    const error = await dead
      .sendSms({ to: '+15558675310', body: 'x', statusCallbackUrl: 'http://h/s', validitySec: 60 })
      .catch((e: unknown) => e);
    await dead.close();
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(dead.classifyError(error)).toEqual({ action: 'retry', reason: 'network_error', transient: true });
  });
});

describe('TwilioTelephonyProvider reads and classifies Twilio callbacks (the port, not free functions)', () => {
  const provider = new TwilioTelephonyProvider(config('http://127.0.0.1:9'));
  afterAll(() => provider.close());

  it('sends through TwilioHttpClient to Twilio itself when no API URL is set', async () => {
    const direct = new TwilioTelephonyProvider({ ...config('unused'), apiUrl: undefined });
    const client = direct.client.httpClient as unknown as TwilioHttpClient;
    expect(client).toBeInstanceOf(TwilioHttpClient);
    expect(client.rewrite('https://api.twilio.com/2010-04-01/x')).toBe('https://api.twilio.com/2010-04-01/x');
    await direct.close();
  });

  it('parses status callbacks and voice requests', () => {
    expect(provider.parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' })).toEqual({
      sid: 'SM1',
      twilioStatus: 'undelivered',
      status: 'undelivered',
      errorCode: 30003,
    });
    expect(provider.parseCallStatusCallback({ CallSid: 'CA1', CallStatus: 'no-answer' })).toMatchObject({ sid: 'CA1', status: 'no_answer' });
    expect(provider.parseCallStatusCallback({ CallStatus: 'busy' })).toBeNull();
    expect(provider.parseVoiceRequest({ AnsweredBy: 'machine_start', Digits: '' })).toEqual({ answeredBy: 'machine_start', digits: '' });
    expect(provider.parseVoiceRequest({ Digits: ['#', '1'] })).toEqual({ digits: '#' });
  });

  it('classifies errors, message failures and call completions', () => {
    expect(provider.classifyError({ status: 400, code: 21211 })).toMatchObject({ action: 'fail_step', reason: 'invalid_number', code: 21211 });
    expect(provider.classifySmsCallback('undelivered', '30006')).toMatchObject({ action: 'fail_step', reason: 'landline' });
    expect(provider.classifySmsCallback('delivered')).toBeNull();
    expect(provider.classifyCallCompletion({ callStatus: 'failed', sipResponseCode: 480 })).toMatchObject({ action: 'retry', reason: 'call_failed' });
    expect(provider.classifyCallCompletion({ callStatus: 'completed', answeredBy: 'fax' })).toMatchObject({ action: 'fail_step', reason: 'voicemail' });
  });
});
