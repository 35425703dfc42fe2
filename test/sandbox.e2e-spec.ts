/**
 * The sandbox through the real twilio SDK (our TwilioTelephonyProvider and the bare client), with a webhook
 * receiver that verifies every signature. Each test uses its own phone numbers, so tests do not see each
 * other's texts and calls.
 *
 * Calls run the sandbox's own conformance TwiML wherever the point is Twilio's behaviour; the block "Redial`s
 * own prompt" replays Redial's TwiML (libs/telephony) through the sandbox, so it follows that TwiML's changes.
 */
import { type AppConfig, loadConfig } from '@redial/config';
import {
  buildGoodbyeTwiml,
  buildPromptTwiml,
  classifyCallCompletion,
  classifyProviderError,
  classifySmsCallback,
  type ProviderVerdict,
  TwilioTelephonyProvider,
} from '@redial/telephony';
import twilio, { RestException, type Twilio } from 'twilio';
import { type RunningSandbox, startSandbox } from '../apps/sandbox/src/sandbox.app';
import { param, type ReceivedWebhook, SandboxReceiver } from './support/sandbox-receiver';

const config: AppConfig = { ...loadConfig({}), host: '127.0.0.1', sandboxPort: 0 };
const { accountSid, authToken } = config.sandbox;

let sandbox: RunningSandbox;
let receiver: SandboxReceiver;
let provider: TwilioTelephonyProvider;
let client: Twilio;

/** A fresh number per test: +1 555 01x xxxx. */
let numberSeq = 0;
function freshNumber(): string {
  numberSeq++;
  return `+1555010${String(numberSeq).padStart(4, '0')}`;
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? null : JSON.parse(text) };
}

async function behave(e164: string, behaviour: Record<string, unknown>): Promise<void> {
  const { status } = await control('PUT', `/sandbox/numbers/${encodeURIComponent(e164)}`, behaviour);
  expect(status).toBe(200);
}

async function rejection(promise: Promise<unknown>): Promise<RestException> {
  const error = await promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RestException);
  return error as RestException;
}

const isStatus = (path: string, sid: string) => (w: ReceivedWebhook) =>
  w.path.startsWith(path) && (param(w, 'MessageSid') === sid || (param(w, 'CallSid') === sid && 'CallbackSource' in w.params));

beforeAll(async () => {
  sandbox = await startSandbox(config, { quiet: true, callbackRetryDelaysMs: [20, 40] });
  receiver = new SandboxReceiver(authToken);
  await receiver.start();
  provider = new TwilioTelephonyProvider({ ...config.twilio, apiUrl: sandbox.url });
  client = provider.client;

  // The api's voice webhooks: the prompt, the gather action and the no-input redirect.
  receiver.on('/voice/', (w) => {
    const attempt = w.path.split('/')[2];
    return {
      body: buildPromptTwiml({
        gatherActionUrl: receiver.url(`/gather/${attempt}`),
        redirectUrl: receiver.url(`/redirect/${attempt}`),
      }),
    };
  });
  receiver.on('/gather/', (w) => ({
    body: buildGoodbyeTwiml(param(w, 'Digits') === '0' ? 'We will look into it. Goodbye.' : 'Approved. Goodbye.'),
  }));
  receiver.on('/redirect/', () => ({ body: buildGoodbyeTwiml('We did not hear from you. Goodbye.') }));
  // The sandbox's own conformance prompt (see conformanceCall), which does not change with Redial's TwiML.
  receiver.on('/conformance/', (w) => {
    const tag = w.path.split('/')[2].split('?')[0];
    return {
      body:
        `<Response><Gather finishOnKey="#" timeout="8" action="${receiver.url(`/gather/${tag}`)}">` +
        `<Say>Press a key, then pound</Say></Gather><Redirect>${receiver.url(`/redirect/${tag}`)}</Redirect></Response>`,
    };
  });
});

afterEach(async () => {
  await control('DELETE', '/sandbox/faults');
});

afterAll(async () => {
  await provider?.close();
  await sandbox?.close();
  await receiver?.close();
});

function sendText(to: string, tag: string) {
  return provider.sendSms({
    to,
    body: 'Your Redial code is 123456',
    statusCallbackUrl: receiver.url(`/sms-status?case=${tag}`),
    validitySec: 300,
  });
}

function placeCall(to: string, tag: string, machineDetection = true) {
  return provider.placeCall({
    to,
    twimlUrl: receiver.url(`/voice/${tag}`),
    statusCallbackUrl: receiver.url(`/call-status?case=${tag}`),
    ringTimeoutSec: 30,
    machineDetection,
  });
}

describe('magic test numbers come back as RestExceptions with Twilio codes', () => {
  const textCases: Array<[from: string, to: string, code: number, expected: Partial<ProviderVerdict>]> = [
    ['+15005550006', '+15005550001', 21211, { action: 'fail_step', reason: 'invalid_number' }],
    ['+15005550006', '+15005550002', 21612, { action: 'fail_step', reason: 'unreachable' }],
    ['+15005550006', '+15005550003', 21408, { action: 'configuration', reason: 'geo_blocked' }],
    ['+15005550006', '+15005550004', 21610, { action: 'fail_step', reason: 'opted_out' }],
    ['+15005550006', '+15005550009', 21614, { action: 'fail_step', reason: 'not_sms_capable' }],
    ['+15005550001', '+15551230000', 21212, { action: 'configuration', reason: 'invalid_sender' }],
    ['+15005550007', '+15551230000', 21606, { action: 'configuration', reason: 'sender_not_capable' }],
    ['+15005550008', '+15551230000', 21611, { action: 'retry', reason: 'queue_overflow' }],
    ['+15005550006', '+1500', 21211, { action: 'fail_step', reason: 'invalid_number' }],
  ];
  it.each(textCases)('text from %s to %s → %i', async (from, to, code, expected) => {
    const error = await rejection(client.messages.create({ from, to, body: 'x' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe(code);
    expect(error.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
    expect(classifyProviderError(error)).toMatchObject({ ...expected, code, httpStatus: 400 });
  });

  const callCases: Array<[from: string, to: string, code: number, expected: Partial<ProviderVerdict>]> = [
    ['+15005550006', '+15005550001', 21217, { action: 'fail_step', reason: 'invalid_number' }],
    ['+15005550006', '+15005550002', 21214, { action: 'fail_step', reason: 'unreachable' }],
    ['+15005550006', '+15005550003', 21215, { action: 'configuration', reason: 'geo_blocked' }],
    ['+15005550006', '+15005550004', 21216, { action: 'fail_step', reason: 'blocked' }],
    ['+15005550001', '+15551230000', 21212, { action: 'configuration', reason: 'invalid_sender' }],
    ['+15005550006', '+1555', 21217, { action: 'fail_step', reason: 'invalid_number' }],
  ];
  it.each(callCases)('call from %s to %s → %i', async (from, to, code, expected) => {
    const error = await rejection(client.calls.create({ from, to, url: receiver.url('/voice/magic') }));
    expect(error).toMatchObject({ status: 400, code });
    expect(classifyProviderError(error)).toMatchObject(expected);
  });

  it('validates in Twilio order: To, then From, then Body', async () => {
    const raw = (form: Record<string, string>) =>
      fetch(`${sandbox.url}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
    expect((await raw({})).json.code).toBe(21604);
    expect((await raw({ To: '+15005550001' })).json.code).toBe(21603);
    expect((await raw({ To: '+15005550001', From: '+15005550006' })).json.code).toBe(21602);
    const invalid = await raw({ To: '+15005550001', From: '+15005550006', Body: 'x' });
    expect(invalid).toEqual({
      status: 400,
      json: {
        code: 21211,
        message: "The 'To' number +15005550001 is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      },
    });
  });
});

describe('texts', () => {
  it('creates a text shaped like Twilio`s JSON and delivers signed `sending`, `sent`, then `delivered` callbacks', async () => {
    const to = freshNumber();
    const receipt = await sendText(to, 'deliver');
    expect(receipt.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(receipt.status).toBe('queued');

    const [sending, sent, delivered] = await receiver.waitFor(isStatus('/sms-status', receipt.sid), 3);
    expect([sending, sent, delivered].map((c) => param(c, 'MessageStatus'))).toEqual(['sending', 'sent', 'delivered']);
    for (const callback of [sending, sent, delivered]) {
      expect(callback.signatureValid).toBe(true);
      expect(callback.path).toBe('/sms-status?case=deliver');
      expect(callback.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(callback.headers['i-twilio-idempotency-token']).toEqual(expect.any(String));
      expect(callback.params).toMatchObject({
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        From: '+15005550006',
        To: to,
        MessageSid: receipt.sid,
        SmsSid: receipt.sid,
        SmsStatus: param(callback, 'MessageStatus'),
      });
      expect(callback.params.ErrorCode).toBeUndefined();
      expect(callback.params.ErrorMessage).toBeUndefined();
    }
    expect(param(delivered, 'RawDlrDoneDate')).toMatch(/^\d{10}$/);
    expect(classifySmsCallback('delivered')).toBeNull();

    const fetched = await client.messages(receipt.sid).fetch();
    expect(fetched.status).toBe('delivered');
    expect(fetched.numSegments).toBe('1');
    expect(fetched.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(fetched.dateCreated.getTime())).toBe(false);

    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.messages).toEqual([
      expect.objectContaining({ sid: receipt.sid, body: 'Your Redial code is 123456', status: 'delivered' }),
    ]);
    expect(new Date(inbox.json.messages[0].at).toISOString()).toBe(inbox.json.messages[0].at);
  });

  it('reports `undelivered` with ErrorCode 30003 and its ErrorMessage, classified unreachable', async () => {
    const to = freshNumber();
    await behave(to, { sms: 'undelivered' });
    const receipt = await sendText(to, 'undelivered');
    const [sending, sent, undelivered] = await receiver.waitFor(isStatus('/sms-status', receipt.sid), 3);
    expect([param(sending, 'MessageStatus'), param(sent, 'MessageStatus')]).toEqual(['sending', 'sent']);
    expect(undelivered.params).toMatchObject({
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      ErrorMessage: 'Unreachable destination handset',
    });
    expect(undelivered.signatureValid).toBe(true);
    expect(classifySmsCallback('undelivered', param(undelivered, 'ErrorCode'))).toMatchObject({
      action: 'fail_step',
      reason: 'unreachable',
      code: 30003,
    });
    const fetched = await client.messages(receipt.sid).fetch();
    expect([fetched.errorCode, fetched.errorMessage]).toEqual([30003, 'Unreachable destination handset']);
  });

  it('fails while sending with the number`s own error code: `sending`, then `failed`', async () => {
    const to = freshNumber();
    await behave(to, { sms: 'failed', smsErrorCode: 30006, delayMs: 5 });
    const receipt = await sendText(to, 'failed');
    const [sending, failed] = await receiver.waitFor(isStatus('/sms-status', receipt.sid), 2);
    expect(param(sending, 'MessageStatus')).toBe('sending');
    expect(failed.params).toMatchObject({ MessageStatus: 'failed', ErrorCode: '30006', ErrorMessage: 'Landline or unreachable carrier' });
    expect(classifySmsCallback('failed', param(failed, 'ErrorCode'))).toMatchObject({ reason: 'landline' });
  });

  it('fails straight from the queue when the queue overflowed (30001): only `failed`', async () => {
    const to = freshNumber();
    await behave(to, { sms: 'failed', smsErrorCode: 30001, delayMs: 5 });
    const receipt = await sendText(to, 'overflow');
    const [failed] = await receiver.waitFor(isStatus('/sms-status', receipt.sid));
    expect(failed.params).toMatchObject({ MessageStatus: 'failed', ErrorCode: '30001', ErrorMessage: 'Queue overflow' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.matching(isStatus('/sms-status', receipt.sid))).toHaveLength(1);
  });

  it('lists a number`s texts newest first through the SDK', async () => {
    const to = freshNumber();
    const first = await sendText(to, 'list-1');
    const second = await sendText(to, 'list-2');
    const listed = await client.messages.list({ to, pageSize: 1 });
    expect(listed.map((m) => m.sid)).toEqual([second.sid, first.sid]);
  });

  it('decodes both + and %20 as spaces in form bodies', async () => {
    const to = freshNumber();
    const res = await fetch(`${sandbox.url}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `To=${encodeURIComponent(to)}&From=%2B15005550006&Body=plus+sign%20and%20percent`,
    });
    expect(res.status).toBe(201);
    const json = (await res.json()) as Record<string, unknown>;
    expect(json).toMatchObject({
      body: 'plus sign and percent',
      status: 'queued',
      num_segments: '1',
      num_media: '0',
      direction: 'outbound-api',
      error_code: null,
      price: null,
      api_version: '2010-04-01',
    });
    expect(json.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
  });
});

/** The status callbacks of a call, waited for until `completed`, in arrival order. */
async function statusCallbacks(sid: string, count: number): Promise<ReceivedWebhook[]> {
  return receiver.waitFor(isStatus('/call-status', sid), count);
}

const completedOf = (sid: string) =>
  receiver.waitFor((w) => isStatus('/call-status', sid)(w) && param(w, 'CallStatus') === 'completed');

/** Waits until the sandbox says the newest call to `to` has a Gather listening for keys. */
async function listening(to: string): Promise<void> {
  const inboxPath = `/sandbox/inbox/${encodeURIComponent(to)}`;
  for (let tries = 0; tries < 2000; tries++) {
    if ((await control('GET', inboxPath)).json.calls.at(-1)?.awaitingDigits === true) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(`no Gather listening on ${to}`);
}

/**
 * A conformance prompt, independent of Redial's own TwiML (which is another engineer's to change): a
 * `#`-finished Gather posting to /gather/<tag>, then a Redirect to /redirect/<tag> for "no input".
 */
function conformanceCall(to: string, tag: string, machineDetection = true) {
  return provider.placeCall({
    to,
    twimlUrl: receiver.url(`/conformance/${tag}`),
    statusCallbackUrl: receiver.url(`/call-status?case=${tag}`),
    ringTimeoutSec: 30,
    machineDetection,
  });
}

describe('calls', () => {
  it('answers, runs the TwiML with the caller`s keys, and reports initiated → ringing → in-progress → completed', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'press-pound', keys: '1#' });
    const receipt = await conformanceCall(to, 'flow');
    expect(receipt.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(receipt.status).toBe('queued');

    const [voice] = await receiver.waitFor((w) => w.path === '/conformance/flow');
    expect(voice.signatureValid).toBe(true);
    expect(voice.params).toMatchObject({ CallSid: receipt.sid, CallStatus: 'in-progress', AnsweredBy: 'human', Direction: 'outbound-api', To: to });
    const [gather] = await receiver.waitFor((w) => w.path === '/gather/flow');
    expect(gather.signatureValid).toBe(true);
    expect(gather.params).toMatchObject({ CallSid: receipt.sid, Digits: '1', FinishedOnKey: '#' });

    const events = await statusCallbacks(receipt.sid, 4);
    expect(events.map((e) => [param(e, 'CallStatus'), param(e, 'SequenceNumber')])).toEqual([
      ['initiated', '0'],
      ['ringing', '1'],
      ['in-progress', '2'],
      ['completed', '3'],
    ]);
    for (const e of events) {
      expect(e.signatureValid).toBe(true);
      expect(e.params).toMatchObject({ AccountSid: accountSid, ApiVersion: '2010-04-01', Direction: 'outbound-api', CallbackSource: 'call-progress-events' });
      expect(param(e, 'Timestamp')).toMatch(/\+0000$/);
    }
    const completed = events[3];
    expect(Number(param(completed, 'CallDuration'))).toBeGreaterThan(0);
    expect(param(completed, 'Duration')).toBe('1');
    expect(completed.params.SipResponseCode).toBeUndefined();
    expect(receiver.matching((w) => w.path === '/redirect/flow')).toHaveLength(0);

    const fetched = await client.calls(receipt.sid).fetch();
    expect(fetched.status).toBe('completed');
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0]).toMatchObject({ sid: receipt.sid, status: 'completed', digits: '1#', awaitingDigits: false });
    expect(inbox.json.calls[0].said).toEqual(['Press a key, then pound', 'Approved. Goodbye.']);
  });

  it('press-pound on a `#`-finished Gather: a lone # is no input — no request to the action, on to the Redirect', async () => {
    const to = freshNumber();
    const receipt = await conformanceCall(to, 'lone-pound');
    const [redirect] = await receiver.waitFor((w) => w.path === '/redirect/lone-pound');
    expect(redirect.params).toMatchObject({ CallSid: receipt.sid, CallStatus: 'in-progress' });
    expect(redirect.params.Digits).toBeUndefined();
    await completedOf(receipt.sid);
    expect(receiver.matching((w) => w.path === '/gather/lone-pound')).toHaveLength(0);
  });

  it('keys a Gather did not take wait for the next Gather', async () => {
    receiver.on('/twiml/two-gathers/', (w) => ({
      body: w.path.includes('/second')
        ? '<Response><Hangup/></Response>'
        : w.path.includes('/first')
          ? `<Response><Gather action="${receiver.url('/twiml/two-gathers/second')}"><Say>And the next</Say></Gather></Response>`
          : `<Response><Gather numDigits="1" finishOnKey="" action="${receiver.url('/twiml/two-gathers/first')}"/></Response>`,
    }));
    const to = freshNumber();
    await behave(to, { delayMs: 5, voice: 'report-fraud', keys: '01#' });
    const call = await client.calls.create({ to, from: '+15005550006', url: receiver.url('/twiml/two-gathers/start') });
    const [second] = await receiver.waitFor((w) => w.path === '/twiml/two-gathers/second' && param(w, 'CallSid') === call.sid);
    const [first] = receiver.matching((w) => w.path === '/twiml/two-gathers/first' && param(w, 'CallSid') === call.sid);
    expect(first.params).toMatchObject({ Digits: '0', FinishedOnKey: '' });
    expect(second.params).toMatchObject({ Digits: '1', FinishedOnKey: '#' });
  });

  const unanswered: Array<[voice: string, callStatus: string, reason: string, events: string[], sip: string]> = [
    ['busy', 'busy', 'busy', ['initiated', 'ringing', 'busy'], '486'],
    ['no-answer', 'no-answer', 'no_answer', ['initiated', 'ringing', 'no-answer'], '480'],
    ['failed', 'failed', 'call_failed', ['initiated', 'failed'], '404'],
  ];
  it.each(unanswered)('%s: completed callback with CallStatus %s, classified %s, no TwiML fetched', async (voice, callStatus, reason, expected, sip) => {
    const to = freshNumber();
    await behave(to, { voice, delayMs: 5 });
    const receipt = await placeCall(to, voice);
    const events = await statusCallbacks(receipt.sid, expected.length);
    expect(events.map((e) => param(e, 'CallStatus'))).toEqual(expected);
    const final = events[events.length - 1];
    expect(final.params).toMatchObject({ CallStatus: callStatus, CallDuration: '0', SipResponseCode: sip });
    expect(classifyCallCompletion({ callStatus: param(final, 'CallStatus') ?? '' })).toMatchObject({ action: 'fail_step', reason });
    expect(receiver.matching((w) => w.path === `/voice/${voice}`)).toHaveLength(0);
    expect((await client.calls(receipt.sid).fetch()).status).toBe(callStatus);
  });

  it('voicemail: answered by machine_start, fetches the TwiML, classified voicemail', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'voicemail', delayMs: 5 });
    const receipt = await placeCall(to, 'voicemail');
    const [voice] = await receiver.waitFor((w) => w.path === '/voice/voicemail');
    expect(voice.params).toMatchObject({ AnsweredBy: 'machine_start', CallStatus: 'in-progress' });
    const events = await statusCallbacks(receipt.sid, 4);
    const completed = events[3];
    expect(completed.params).toMatchObject({ CallStatus: 'completed', AnsweredBy: 'machine_start' });
    expect(classifyCallCompletion({ callStatus: 'completed', answeredBy: param(completed, 'AnsweredBy') })).toMatchObject({
      action: 'fail_step',
      reason: 'voicemail',
    });
  });

  it('sends only the subscribed events, and always `completed`', async () => {
    const to = freshNumber();
    await behave(to, { delayMs: 5 });
    const call = await client.calls.create({
      to,
      from: '+15005550006',
      url: receiver.url('/conformance/only-completed'),
      statusCallback: receiver.url('/call-status?case=only-completed'),
    });
    const [completed] = await statusCallbacks(call.sid, 1);
    expect(completed.params).toMatchObject({ CallStatus: 'completed', SequenceNumber: '0' });
    expect(completed.params.AnsweredBy).toBeUndefined(); // no MachineDetection requested
    expect(receiver.matching(isStatus('/call-status', call.sid))).toHaveLength(1);
  });

  it('interactive: the Gather waits in real time; keys POSTed one at a time reach it; 409 once the call has ended', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'interactive', delayMs: 5 });
    const receipt = await conformanceCall(to, 'interactive');
    await listening(to);
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0]).toMatchObject({ sid: receipt.sid, status: 'in-progress', awaitingDigits: true });
    expect((await control('POST', `/sandbox/calls/${receipt.sid}/digits`, { digits: '0' })).status).toBe(200);
    // One key is not the end of the input: the Gather keeps listening (its timeout restarted).
    expect((await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`)).json.calls[0]).toMatchObject({ awaitingDigits: true, digits: '0' });
    expect(receiver.matching((w) => w.path === '/gather/interactive')).toHaveLength(0);
    expect((await control('POST', `/sandbox/calls/${receipt.sid}/digits`, { digits: '#' })).status).toBe(200);
    const [gather] = await receiver.waitFor((w) => w.path === '/gather/interactive');
    expect(gather.params).toMatchObject({ Digits: '0', FinishedOnKey: '#' });
    await completedOf(receipt.sid);
    const again = await control('POST', `/sandbox/calls/${receipt.sid}/digits`, { digits: '#' });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: 'call_ended' });
  });
});

describe('Redial`s own prompt (buildPromptTwiml from @redial/telephony)', () => {
  it('press-pound approves: the Gather action is requested (needs a prompt where # alone is input)', async () => {
    const to = freshNumber();
    const receipt = await placeCall(to, 'pound');
    await completedOf(receipt.sid);
    // A `#`-finished Gather hears a lone # as no input and falls through to the Redirect (TWILIO.md §3.2).
    expect(receiver.matching((w) => w.path === '/redirect/pound')).toHaveLength(0);
    const [gather] = receiver.matching((w) => w.path === '/gather/pound');
    expect(gather?.signatureValid).toBe(true);
    expect(gather.params.Digits === '#' || gather.params.FinishedOnKey === '#').toBe(true);
    expect(classifyCallCompletion({ callStatus: 'completed', answeredBy: 'human', digits: param(gather, 'Digits') })).toBeNull();
  });

  it('report-fraud: the Gather action gets Digits=0', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'report-fraud' });
    const receipt = await placeCall(to, 'fraud');
    const [gather] = await receiver.waitFor((w) => w.path === '/gather/fraud');
    expect(gather.params).toMatchObject({ CallSid: receipt.sid, Digits: '0' });
    expect(gather.signatureValid).toBe(true);
  });

  it('silence: falls through to the Redirect, and the call counts as no answer', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'silence' });
    const receipt = await placeCall(to, 'silence');
    const [redirect] = await receiver.waitFor((w) => w.path === '/redirect/silence');
    expect(redirect.signatureValid).toBe(true);
    expect(redirect.params).toMatchObject({ CallSid: receipt.sid, CallStatus: 'in-progress' });
    expect(redirect.params.Digits).toBeUndefined();
    const events = await statusCallbacks(receipt.sid, 4);
    expect(receiver.matching((w) => w.path === '/gather/silence')).toHaveLength(0);
    const completed = events[3];
    expect(param(completed, 'CallStatus')).toBe('completed');
    expect(classifyCallCompletion({ callStatus: 'completed', answeredBy: param(completed, 'AnsweredBy') })).toMatchObject({
      action: 'fail_step',
      reason: 'no_answer',
    });
  });
});

describe('call updates (POST Calls/{Sid}.json through the SDK)', () => {
  it('Status=completed hangs up a call in progress at once: completed with its duration; the Gather never posts', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'interactive', delayMs: 5 });
    const receipt = await conformanceCall(to, 'hangup');
    await listening(to);
    const updated = await client.calls(receipt.sid).update({ status: 'completed' });
    expect(updated.status).toBe('completed');
    const [completed] = await completedOf(receipt.sid);
    expect(completed.params).toMatchObject({ CallStatus: 'completed', SequenceNumber: '3' });
    expect(Number(param(completed, 'CallDuration'))).toBeGreaterThanOrEqual(1);
    const posted = await control('POST', `/sandbox/calls/${receipt.sid}/digits`, { digits: '#' });
    expect(posted.status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.matching((w) => w.path === '/gather/hangup' || w.path === '/redirect/hangup')).toHaveLength(0);
    expect(receiver.matching(isStatus('/call-status', receipt.sid))).toHaveLength(4);
  });

  it('Status=canceled while ringing: CallStatus=canceled, and the network never reports busy afterwards', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'busy', delayMs: 200 });
    const receipt = await conformanceCall(to, 'cancel-ringing');
    await receiver.waitFor((w) => isStatus('/call-status', receipt.sid)(w) && param(w, 'CallStatus') === 'ringing');
    expect((await client.calls(receipt.sid).update({ status: 'canceled' })).status).toBe('canceled');
    const [final] = await receiver.waitFor((w) => isStatus('/call-status', receipt.sid)(w) && param(w, 'CallStatus') === 'canceled');
    expect(final.params).toMatchObject({ SequenceNumber: '2', CallDuration: '0' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(receiver.matching(isStatus('/call-status', receipt.sid)).map((w) => param(w, 'CallStatus'))).toEqual(['initiated', 'ringing', 'canceled']);
    expect((await client.calls(receipt.sid).fetch()).status).toBe('canceled');
  });

  it('Status=canceled on a call in progress has no effect', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'interactive', delayMs: 5 });
    const receipt = await conformanceCall(to, 'cancel-live');
    await listening(to);
    expect((await client.calls(receipt.sid).update({ status: 'canceled' })).status).toBe('in-progress');
    await control('POST', `/sandbox/calls/${receipt.sid}/digits`, { digits: '5#' });
    const [gather] = await receiver.waitFor((w) => w.path === '/gather/cancel-live');
    expect(gather.params).toMatchObject({ Digits: '5' });
    await completedOf(receipt.sid);
  });

  it('Url on a call in progress: the waiting Gather is abandoned and the new TwiML is fetched, signed', async () => {
    receiver.on('/twiml/redirected', () => ({ body: '<Response><Say>Somewhere else</Say></Response>' }));
    const to = freshNumber();
    await behave(to, { voice: 'interactive', delayMs: 5 });
    const receipt = await conformanceCall(to, 'redirect');
    await listening(to);
    const updated = await client.calls(receipt.sid).update({ url: receiver.url('/twiml/redirected'), method: 'POST' });
    expect(updated.status).toBe('in-progress');
    const [fetched] = await receiver.waitFor((w) => w.path === '/twiml/redirected' && param(w, 'CallSid') === receipt.sid);
    expect(fetched.signatureValid).toBe(true);
    expect(fetched.params).toMatchObject({ CallStatus: 'in-progress' });
    await completedOf(receipt.sid);
    expect(receiver.matching((w) => w.path === '/gather/redirect' || w.path === '/redirect/redirect')).toHaveLength(0);
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0].said).toEqual(['Press a key, then pound', 'Somewhere else']);
  });

  it('Twiml on a call in progress runs at once; on an ended call it is refused with 21220', async () => {
    const to = freshNumber();
    await behave(to, { voice: 'interactive', delayMs: 5 });
    const receipt = await conformanceCall(to, 'twiml-update');
    await listening(to);
    await client.calls(receipt.sid).update({ twiml: '<Response><Say>Updated</Say><Hangup/></Response>' });
    await completedOf(receipt.sid);
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0].said).toContain('Updated');
    const error = await rejection(client.calls(receipt.sid).update({ twiml: '<Response/>' }));
    expect(error).toMatchObject({ status: 400, code: 21220, message: 'Call is not in-progress. Cannot redirect.' });
    const unchanged = await client.calls(receipt.sid).update({ status: 'canceled' });
    expect(unchanged.status).toBe('completed');
    expect((await client.calls.list({ to, status: 'completed' })).map((c) => c.sid)).toEqual([receipt.sid]);
  });
});

describe('the TwiML interpreter', () => {
  async function callTo(path: string, behaviour: Record<string, unknown> = {}): Promise<{ sid: string; to: string }> {
    const to = freshNumber();
    await behave(to, { delayMs: 5, ...behaviour });
    const call = await client.calls.create({
      to,
      from: '+15005550006',
      url: receiver.url(path),
      statusCallback: receiver.url(`/call-status?case=${path.slice(1)}`),
    });
    return { sid: call.sid, to };
  }

  it('resolves a relative Gather action and uses GET with the params in the signed query string', async () => {
    receiver.on('/twiml/relative/start', () => ({
      body: '<Response><Gather action="next?step=2" method="GET" finishOnKey="#"><Say>Hi</Say></Gather></Response>',
    }));
    const { sid } = await callTo('/twiml/relative/start', { keys: '42#' });
    const [next] = await receiver.waitFor((w) => w.path.startsWith('/twiml/relative/next?step=2&'));
    expect(next.method).toBe('GET');
    expect(next.signatureValid).toBe(true);
    const query = new URL(next.url).searchParams;
    expect(query.get('CallSid')).toBe(sid);
    expect(query.get('Digits')).toBe('42');
    expect(query.get('FinishedOnKey')).toBe('#');
    await completedOf(sid);
  });

  it('runs inline Twiml when no Url is given', async () => {
    const to = freshNumber();
    await behave(to, { delayMs: 5, voice: 'report-fraud' });
    const call = await client.calls.create({
      to,
      from: '+15005550006',
      twiml: `<Response><Gather action="${receiver.url('/twiml/inline/gather')}"><Say>Inline</Say></Gather></Response>`,
      statusCallback: receiver.url('/call-status?case=inline'),
    });
    const [gather] = await receiver.waitFor((w) => w.path === '/twiml/inline/gather');
    expect(gather.params).toMatchObject({ CallSid: call.sid, Digits: '0', FinishedOnKey: '#' });
  });

  it('stops at <Hangup>, and moves the simulated clock for <Say> and <Pause>', async () => {
    receiver.on('/twiml/hangup', () => ({
      body: '<Response><Say>One two three four five</Say><Pause length="4"/><Hangup/><Say>Never said</Say></Response>',
    }));
    const { sid, to } = await callTo('/twiml/hangup');
    const [completed] = await completedOf(sid);
    expect(Number(param(completed, 'CallDuration'))).toBeGreaterThanOrEqual(6);
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0].said).toEqual(['One two three four five']);
  });

  it('ends a Redirect loop after 25 documents', async () => {
    receiver.on('/twiml/loop', () => ({ body: '<Response><Redirect>/twiml/loop</Redirect></Response>' }));
    const { sid, to } = await callTo('/twiml/loop');
    await completedOf(sid);
    expect(receiver.matching((w) => w.path === '/twiml/loop' && param(w, 'CallSid') === sid)).toHaveLength(25);
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0].error).toMatch(/more than 25/);
  });

  it('hangs up when the TwiML URL fails, and still completes the call', async () => {
    receiver.on('/twiml/broken', () => ({ status: 500 }));
    const { sid, to } = await callTo('/twiml/broken');
    const [completed] = await completedOf(sid);
    expect(completed.signatureValid).toBe(true);
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.calls[0]).toMatchObject({ status: 'completed', error: 'TwiML fetch answered 500' });
  });
});

describe('faults', () => {
  it('rate429=1: RestException 429 / 20429, classified retry, and nothing is created', async () => {
    await control('PUT', '/sandbox/faults', { rate429: 1 });
    const to = freshNumber();
    const error = await rejection(sendText(to, 'rate429'));
    expect(error).toMatchObject({ status: 429, code: 20429 });
    expect(classifyProviderError(error)).toMatchObject({ action: 'retry', reason: 'rate_limited' });
    const inbox = await control('GET', `/sandbox/inbox/${encodeURIComponent(to)}`);
    expect(inbox.json.messages).toEqual([]);
  });

  it('rate500=1: RestException 500 / 20500, classified retry', async () => {
    await control('PUT', '/sandbox/faults', { rate500: 1 });
    const error = await rejection(placeCall(freshNumber(), 'rate500'));
    expect(error).toMatchObject({ status: 500, code: 20500 });
    expect(classifyProviderError(error)).toMatchObject({ action: 'retry', reason: 'provider_error' });
  });

  it('duplicateCallbacks=1: every callback arrives twice with the same idempotency token', async () => {
    await control('PUT', '/sandbox/faults', { duplicateCallbacks: 1 });
    const receipt = await sendText(freshNumber(), 'duplicates');
    const callbacks = await receiver.waitFor(isStatus('/sms-status', receipt.sid), 6);
    expect(callbacks.map((c) => param(c, 'MessageStatus'))).toEqual(['sending', 'sending', 'sent', 'sent', 'delivered', 'delivered']);
    expect(callbacks[0].headers['i-twilio-idempotency-token']).toBe(callbacks[1].headers['i-twilio-idempotency-token']);
    expect(callbacks[0].headers['i-twilio-idempotency-token']).not.toBe(callbacks[2].headers['i-twilio-idempotency-token']);
    expect(callbacks.every((c) => c.signatureValid)).toBe(true);
  });

  it('reorderCallbacks: a text`s `delivered` arrives before its `sent` and `sending`', async () => {
    await control('PUT', '/sandbox/faults', { reorderCallbacks: true });
    const receipt = await sendText(freshNumber(), 'reorder');
    const callbacks = await receiver.waitFor(isStatus('/sms-status', receipt.sid), 3);
    expect(callbacks.map((c) => param(c, 'MessageStatus'))).toEqual(['delivered', 'sent', 'sending']);
  });

  it('reorderCallbacks: a call`s events arrive newest first, keeping their SequenceNumbers', async () => {
    await control('PUT', '/sandbox/faults', { reorderCallbacks: true });
    const to = freshNumber();
    await behave(to, { delayMs: 5 });
    const receipt = await placeCall(to, 'reorder');
    const events = await receiver.waitFor(isStatus('/call-status', receipt.sid), 4);
    expect(events.map((e) => [param(e, 'CallStatus'), param(e, 'SequenceNumber')])).toEqual([
      ['completed', '3'],
      ['in-progress', '2'],
      ['ringing', '1'],
      ['initiated', '0'],
    ]);
  });

  it('retries a callback answered 5xx, with the same idempotency token', async () => {
    let calls = 0;
    receiver.on('/flaky', () => (++calls === 1 ? { status: 503 } : { status: 200 }));
    const to = freshNumber();
    await behave(to, { sms: 'silent', delayMs: 5 });
    const receipt = await provider.sendSms({ to, body: 'x', statusCallbackUrl: receiver.url('/flaky'), validitySec: 60 });
    const [first, second] = await receiver.waitFor(isStatus('/flaky', receipt.sid), 2);
    expect(param(first, 'MessageStatus')).toBe('sending');
    expect(param(second, 'MessageStatus')).toBe('sending');
    expect(first.headers['i-twilio-idempotency-token']).toBe(second.headers['i-twilio-idempotency-token']);
  });
});

describe('authentication', () => {
  it('refuses wrong Basic credentials with 401 / 20003', async () => {
    const wrong = twilio(accountSid, 'not-the-token', { httpClient: provider.client.httpClient });
    const error = await rejection(wrong.messages.create({ to: freshNumber(), from: '+15005550006', body: 'x' }));
    expect(error).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
    expect(classifyProviderError(error)).toMatchObject({ action: 'configuration', reason: 'auth_failed' });
  });

  it('answers 404 / 20404 for another account in the path', async () => {
    const other = twilio(accountSid, authToken, {
      httpClient: provider.client.httpClient,
      accountSid: `AC${'1'.repeat(32)}`,
    });
    const error = await rejection(other.messages.create({ to: freshNumber(), from: '+15005550006', body: 'x' }));
    expect(error).toMatchObject({ status: 404, code: 20404 });
  });

  it('answers 404 / 20404 for an unknown SID', async () => {
    const error = await rejection(client.messages(`SM${'f'.repeat(32)}`).fetch());
    expect(error).toMatchObject({ status: 404, code: 20404 });
  });
});
