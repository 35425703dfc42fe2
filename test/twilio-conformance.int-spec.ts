/**
 * Conformance: the sandbox answers as Twilio documents it, and Redial's call flow works under Twilio's rules.
 *
 * 1. Through the official twilio SDK against the sandbox, every Messages and Calls answer — status code and
 *    body, errors included — is checked against Twilio's published OpenAPI description (the schemas copied into
 *    test/fixtures/twilio-api-v2010.subset.json, with their source and licence).
 * 2. The check itself fails when a field, a status code or an error code changes (so a pass means something).
 * 3. Redial's own TwiML, served by the real api with real signatures, replayed through the sandbox's TwiML
 *    interpreter, which follows Twilio's documented <Gather> rules: #, 0#, silence, 1#, ##, a machine.
 */
import { SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN } from '@redial/config';
import { ChallengeRepository } from '@redial/database';
import { asSdkHttpClient, buildPromptTwiml, signTwilioRequest, TwilioHttpClient, TwilioTelephonyProvider } from '@redial/telephony';
import type RequestClient from 'twilio/lib/base/RequestClient';
import twilio, { RestException, type Twilio } from 'twilio';
import { CallerKeys, TwimlInterpreter } from '../apps/sandbox/src';
import subset from './fixtures/twilio-api-v2010.subset.json';
import { eventually, getChallenge, registerVerified, setFaults, setNumber, signIn } from './support/flows';
import { checkSchema, type Schema } from './support/openapi-schema';
import { startStack, Stack } from './support/stack';

type OperationName = keyof typeof subset.operations;
const schemas = subset.schemas as unknown as Record<string, Schema>;

/** What the check says of one answer: the operation's documented status and schema, or the error body's. */
function problems(operation: OperationName, status: number, body: unknown): string[] {
  const op = subset.operations[operation];
  if (status >= 400) return checkError(status, body);
  const found = status === op.status ? [] : [`status ${status}, documented ${op.status}`];
  return [...found, ...checkSchema(body, op.schema as Schema, schemas, 'declared')];
}

function checkError(status: number, body: unknown, code?: number): string[] {
  const found = checkSchema(body, subset.errorBody as Schema, schemas, 'declared');
  const b = body as { status?: number; code?: number; type?: unknown; title?: unknown };
  if (b.status !== status) found.push(`body.status ${b.status} differs from HTTP ${status}`);
  if (code !== undefined && b.code !== code) found.push(`code ${b.code}, expected ${code}`);
  if (b.type !== undefined && b.title !== undefined) found.push('type + title: the SDK would read an RFC 9457 problem, not a RestException');
  return found;
}

/** The SDK's HTTP client, keeping every raw answer so the bodies themselves can be checked. */
class RecordingClient extends TwilioHttpClient {
  readonly answers: Array<{ method: string; uri: string; statusCode: number; body: unknown }> = [];

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const response = await super.request(opts);
    const body: unknown = JSON.parse(response.body);
    this.answers.push({ method: opts.method.toUpperCase(), uri: opts.uri, statusCode: response.statusCode, body });
    return response;
  }

  last() {
    const answer = this.answers.at(-1);
    if (answer === undefined) throw new Error('no answer recorded');
    return answer;
  }
}

describe('Twilio conformance', () => {
  let stack: Stack;
  let http: RecordingClient;
  let sdk: Twilio;
  let n = 0;
  const phone = () => `+1205555${String(5000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true, env: { CALLS_PER_SECOND: '200' } });
    http = new RecordingClient({ baseUrl: stack.sandboxUrl as string, timeoutMs: 5000, maxSockets: 4 });
    sdk = twilio(SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN, { httpClient: asSdkHttpClient(http) });
  });
  afterAll(async () => {
    await http.destroy();
    await stack.close();
  });

  describe('REST answers match the published description', () => {
    const client = () => sdk;

    it('Messages: create (201), fetch, list', async () => {
      const to = phone();
      const sent = await client().messages.create({ to, from: '+15005550006', body: 'Your code is 123456', statusCallback: `${stack.apiUrl}/x` });
      expect(problems('createMessage', http.last().statusCode, http.last().body)).toEqual([]);
      await client().messages(sent.sid).fetch();
      expect(problems('fetchMessage', http.last().statusCode, http.last().body)).toEqual([]);
      const listed = await client().messages.list({ to, pageSize: 5 });
      expect(listed.map((m) => m.sid)).toEqual([sent.sid]);
      expect(problems('listMessage', http.last().statusCode, http.last().body)).toEqual([]);
    });

    it('Messages through a Messaging Service answer `accepted`', async () => {
      await client().messages.create({ to: phone(), messagingServiceSid: `MG${'1'.repeat(32)}`, body: 'x' });
      expect(problems('createMessage', http.last().statusCode, http.last().body)).toEqual([]);
      expect(http.last().body).toMatchObject({ status: 'accepted' });
    });

    it('Calls: create (201), fetch, list by status, update to canceled and completed', async () => {
      const ringing = phone();
      await setNumber(stack, ringing, { voice: 'no-answer', ringMs: 60_000 });
      const call = await client().calls.create({ to: ringing, from: '+15005550006', url: `${stack.apiUrl}/nowhere` });
      expect(problems('createCall', http.last().statusCode, http.last().body)).toEqual([]);
      await eventually('the call to ring', async () => (await client().calls(call.sid).fetch()).status === 'ringing');
      expect(problems('fetchCall', http.last().statusCode, http.last().body)).toEqual([]);
      await client().calls.list({ status: 'ringing', to: ringing, pageSize: 2 });
      expect(problems('listCall', http.last().statusCode, http.last().body)).toEqual([]);
      expect((http.last().body as { calls: unknown[] }).calls).toHaveLength(1);
      const canceled = await client().calls(call.sid).update({ status: 'canceled' });
      expect(problems('updateCall', http.last().statusCode, http.last().body)).toEqual([]);
      expect(canceled.status).toBe('canceled');

      const answered = phone();
      await setNumber(stack, answered, { voice: 'interactive' });
      const live = await client().calls.create({ to: answered, from: '+15005550006', twiml: '<Response><Gather timeout="30"><Say>Hold</Say></Gather></Response>' });
      await eventually('the call to be answered', async () => (await client().calls(live.sid).fetch()).status === 'in-progress');
      // `canceled` does not touch an answered call; `completed` hangs it up.
      expect((await client().calls(live.sid).update({ status: 'canceled' })).status).toBe('in-progress');
      const ended = await client().calls(live.sid).update({ status: 'completed' });
      expect(problems('updateCall', http.last().statusCode, http.last().body)).toEqual([]);
      expect(ended.status).toBe('completed');
    });

    it("Redial's adapter finds a text and a call it made again through the documented list filters (To, From), as a re-run after a lost answer does", async () => {
      const provider = new TwilioTelephonyProvider(stack.config.twilio);
      try {
        const since = new Date();
        const to = phone();
        const body = 'Your Redial verification code is 654321.\n\n@127.0.0.1 #654321';
        const text = await provider.sendSms({ to, body, statusCallbackUrl: `${stack.apiUrl}/x`, validitySec: 60 });
        expect(await provider.findSent({ channel: 'sms', to, since, bodyIncludes: '@127.0.0.1 #654321' })).toEqual([{ sid: text.sid, status: expect.any(String) }]);
        expect(await provider.findSent({ channel: 'sms', to, since, bodyIncludes: '@127.0.0.1 #000000' })).toEqual([]);
        expect(await provider.findSent({ channel: 'sms', to: phone(), since, bodyIncludes: '@127.0.0.1 #654321' })).toEqual([]);

        const ringing = phone();
        await setNumber(stack, ringing, { voice: 'no-answer', ringMs: 60_000 });
        const call = await provider.placeCall({ to: ringing, twimlUrl: `${stack.apiUrl}/nowhere`, statusCallbackUrl: `${stack.apiUrl}/x`, ringTimeoutSec: 30, machineDetection: false });
        expect(await provider.findSent({ channel: 'call', to: ringing, since })).toEqual([{ sid: call.sid, status: expect.any(String) }]);
        await provider.endCall(call.sid, 'canceled');
      } finally {
        await provider.close();
      }
    });

    const errorCases: Array<[string, () => Promise<unknown>, number, number]> = [
      ['an invalid To (21211)', () => client().messages.create({ to: '+1500', from: '+15005550006', body: 'x' }), 400, 21211],
      ['a number blocked for texts (21610)', () => client().messages.create({ to: '+15005550004', from: '+15005550006', body: 'x' }), 400, 21610],
      ['a call to an unroutable number (21214)', () => client().calls.create({ to: '+15005550002', from: '+15005550006', url: 'https://example.com/v' }), 400, 21214],
      ['an unknown message SID (20404)', () => client().messages(`SM${'f'.repeat(32)}`).fetch(), 404, 20404],
      ['an unknown call SID on update (20404)', () => client().calls(`CA${'f'.repeat(32)}`).update({ status: 'completed' }), 404, 20404],
      ['a route Twilio has, the sandbox has not (20404)', () => client().api.v2010.accounts(SANDBOX_ACCOUNT_SID).queues.list(), 404, 20404],
    ];
    it.each(errorCases)('%s: a RestException from a Twilio error body', async (_name, request, status, code) => {
      const error = await request().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(RestException);
      expect(error).toMatchObject({ status, code });
      expect(checkError(http.last().statusCode, http.last().body, code)).toEqual([]);
    });

    it('wrong credentials: 401 with code 20003', async () => {
      const recorder = new RecordingClient({ baseUrl: stack.sandboxUrl as string, timeoutMs: 5000, maxSockets: 1 });
      const stranger = twilio(SANDBOX_ACCOUNT_SID, 'wrong-token', { httpClient: asSdkHttpClient(recorder) });
      const error = await stranger.messages.create({ to: phone(), from: '+15005550006', body: 'x' }).catch((e: unknown) => e);
      await recorder.destroy();
      expect(error).toMatchObject({ status: 401, code: 20003 });
      expect(checkError(recorder.last().statusCode, recorder.last().body, 20003)).toEqual([]);
    });

    it.each([
      ['rate429', 429, 20429],
      ['rate500', 500, 20500],
    ] as const)('injected %s answers %i with code %i', async (fault, status, code) => {
      await setFaults(stack, { [fault]: 1 });
      try {
        const error = await client().messages.create({ to: phone(), from: '+15005550006', body: 'x' }).catch((e: unknown) => e);
        expect(error).toMatchObject({ status, code });
        expect(checkError(http.last().statusCode, http.last().body, code)).toEqual([]);
      } finally {
        await setFaults(stack, { [fault]: 0 });
      }
    });
  });

  describe('the check fails when the answer changes', () => {
    let message: { statusCode: number; body: Record<string, unknown> };
    let error: { statusCode: number; body: Record<string, unknown> };

    beforeAll(async () => {
      await sdk.messages.create({ to: phone(), from: '+15005550006', body: 'x' });
      message = http.last() as typeof message;
      await sdk.messages.create({ to: '+1500', from: '+15005550006', body: 'x' }).catch(() => undefined);
      error = http.last() as typeof error;
    });

    it('passes the answer as it is', () => {
      expect(problems('createMessage', message.statusCode, message.body)).toEqual([]);
      expect(checkError(error.statusCode, error.body, 21211)).toEqual([]);
    });

    const mutations: Array<[string, (b: Record<string, unknown>) => Record<string, unknown>]> = [
      ['a field renamed', ({ num_segments, ...rest }) => ({ ...rest, segments: num_segments })],
      ['a field removed', ({ error_message: _e, ...rest }) => rest],
      ['a string field as a number', (b) => ({ ...b, num_segments: 1 })],
      ['a date not in RFC 2822', (b) => ({ ...b, date_created: new Date().toISOString() })],
      ['a status outside the enum', (b) => ({ ...b, status: 'pending' })],
      ['a SID of the wrong kind', (b) => ({ ...b, account_sid: 'SK' + String(b.account_sid).slice(2) })],
      ['an integer error_code as a string', (b) => ({ ...b, error_code: '30003' })],
    ];
    it.each(mutations)('%s', (_name, mutate) => {
      expect(problems('createMessage', message.statusCode, mutate({ ...message.body }))).not.toEqual([]);
    });

    it('a status code changed', () => {
      expect(problems('createMessage', 200, message.body)).toEqual(['status 200, documented 201']);
    });

    it.each([
      ['another error code', (b: Record<string, unknown>) => ({ ...b, code: 21212 })],
      ['body status not the HTTP status', (b: Record<string, unknown>) => ({ ...b, status: 500 })],
      ['no more_info', ({ more_info: _m, ...rest }: Record<string, unknown>) => rest],
      ['an RFC 9457 body', (b: Record<string, unknown>) => ({ ...b, type: 'about:blank', title: 'Bad' })],
    ])('an error body with %s', (_name, mutate) => {
      expect(checkError(error.statusCode, mutate(error.body), 21211)).not.toEqual([]);
    });
  });

  describe("Redial's TwiML through a <Gather> that follows Twilio's documented rules", () => {
    it('a lone # in a Gather that finishes on # never reaches the action URL (why Redial does not use one)', async () => {
      const requests: string[] = [];
      const keys = new CallerKeys();
      keys.type('#');
      const interpreter = new TwimlInterpreter({
        keys,
        fetch: async (_method, url) => {
          requests.push(url);
          return { status: 200, body: '<Response><Hangup/></Response>' };
        },
      });
      const legacy = '<Response><Gather finishOnKey="#" timeout="8" action="https://a.example/gather"><Say>Press pound</Say></Gather><Redirect>https://a.example/again</Redirect></Response>';
      await interpreter.run({ twiml: legacy });
      expect(requests).toEqual(['https://a.example/again']);
      expect(interpreter.requests.map((r) => r.cause)).toEqual(['redirect']);
    });

    it("and Redial's own prompt posts the # to its action URL", async () => {
      const keys = new CallerKeys();
      keys.type('#');
      const interpreter = new TwimlInterpreter({ keys, fetch: async () => ({ status: 200, body: '<Response><Hangup/></Response>' }) });
      await interpreter.run({ twiml: buildPromptTwiml({ gatherActionUrl: 'https://a.example/gather', redirectUrl: 'https://a.example/again' }) });
      expect(interpreter.requests).toMatchObject([{ cause: 'gather', url: 'https://a.example/gather', params: { Digits: '#', FinishedOnKey: '' } }]);
    });

    /**
     * Runs a call of Redial's against the real api: the worker placed it (the sandbox phone just rings), and this
     * interpreter plays Twilio — fetching the voice URL, signing every request with the Auth Token.
     */
    async function replay(keysTyped: string, extra: Record<string, string> = {}) {
      const number = phone();
      const user = `replay-${n}`;
      await registerVerified(stack, user, { number, method: 'call' }, [{ number: phone(), method: 'sms' }]);
      await setNumber(stack, number, { voice: 'no-answer', ringMs: 120_000 });
      const c = await signIn(stack, user);
      const attempt = await eventually('the placed call', async () => (await stack.api.get(ChallengeRepository).find(c.id))?.attempts.find((a) => a.providerSid));
      const keys = new CallerKeys();
      keys.type(keysTyped);
      const interpreter = new TwimlInterpreter({
        keys,
        params: () => ({ AccountSid: SANDBOX_ACCOUNT_SID, CallSid: attempt.providerSid as string, CallStatus: 'in-progress', Direction: 'outbound-api', From: '+15005550006', To: number, ...extra }),
        fetch: async (method, url, params) => {
          const res = await fetch(url, {
            method,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(SANDBOX_AUTH_TOKEN, url, params) },
            body: new URLSearchParams(params).toString(),
          });
          return { status: res.status, body: await res.text() };
        },
      });
      const end = await interpreter.run({ url: `${stack.apiUrl}/webhooks/twilio/voice/${attempt.id}`, method: 'POST' });
      return { c, end, interpreter, view: await getChallenge(stack, c.id) };
    }

    it('# approves', async () => {
      const { view, interpreter, end } = await replay('#');
      expect(view.status).toBe('approved');
      expect(end.reason).toBe('hangup');
      expect(interpreter.requests.map((r) => [r.cause, r.params.Digits])).toEqual([['start', undefined], ['gather', '#']]);
    });

    it('0 then # denies and reports fraud', async () => {
      const { view, interpreter } = await replay('0#');
      expect(view.status).toBe('denied');
      expect(view.steps[0]).toMatchObject({ status: 'failed', reason: 'fraud_reported' });
      expect(interpreter.requests.filter((r) => r.cause === 'gather').map((r) => [r.params.Digits, new URL(r.url).searchParams.get('prompt')])).toEqual([
        ['0', null],
        ['#', 'confirm_fraud'],
      ]);
    });

    it('silence repeats the prompt once, then counts as no answer and fails over', async () => {
      const { view, interpreter } = await replay('');
      expect(view.steps[0]).toMatchObject({ status: 'failed', reason: 'no_answer' });
      expect(view.currentStep).toBe(1);
      expect(interpreter.requests.map((r) => r.cause)).toEqual(['start', 'redirect', 'redirect']);
      expect(interpreter.said.filter((s) => s.startsWith('This is Redial'))).toHaveLength(2);
    });

    it('1 then # plays the prompt again, and the # approves', async () => {
      const { view, interpreter } = await replay('1#');
      expect(view.status).toBe('approved');
      expect(interpreter.requests.filter((r) => r.cause === 'gather').map((r) => r.params.Digits)).toEqual(['1', '#']);
    });

    it('## approves on the first #; the second is never asked for', async () => {
      const { view, interpreter } = await replay('##');
      expect(view.status).toBe('approved');
      expect(interpreter.requests.filter((r) => r.cause === 'gather').map((r) => r.params.Digits)).toEqual(['#']);
    });

    it('an answering machine gets a goodbye, and the step fails as voicemail', async () => {
      const { view, interpreter } = await replay('#', { AnsweredBy: 'machine_start' });
      expect(view.steps[0]).toMatchObject({ status: 'failed', reason: 'voicemail' });
      expect(interpreter.requests.map((r) => r.cause)).toEqual(['start']);
    });
  });
});
