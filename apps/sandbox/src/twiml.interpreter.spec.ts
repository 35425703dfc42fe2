import { CallerKeys } from './caller-keys.queue';
import { type InterpreterOptions, TwimlInterpreter, type TwimlResponse } from './twiml.interpreter';

const BASE = 'https://app.example';

/** An application that answers TwiML per path; every request is also in `interpreter.requests`. */
function app(routes: Record<string, string | TwimlResponse | (() => Promise<TwimlResponse>)>): InterpreterOptions['fetch'] {
  return async (_method, url) => {
    const path = new URL(url).pathname;
    const route = routes[path];
    if (route === undefined) return { status: 404, body: '' };
    if (typeof route === 'function') return route();
    return typeof route === 'string' ? { status: 200, body: `<Response>${route}</Response>` } : route;
  };
}

function interpreter(routes: Parameters<typeof app>[0], keys = new CallerKeys(), extra: Partial<InterpreterOptions> = {}) {
  return new TwimlInterpreter({ fetch: app(routes), keys, params: () => ({ CallSid: 'CA1', CallStatus: 'in-progress' }), ...extra });
}

const paths = (t: TwimlInterpreter) => t.requests.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`);

/** Redial's prompt as it stands: a `#`-finished Gather, then a Redirect for "no input". */
const PROMPT = `<Gather input="dtmf" finishOnKey="#" timeout="8" action="${BASE}/gather"><Say>Press pound to approve</Say></Gather><Redirect>${BASE}/again</Redirect>`;

describe('TwimlInterpreter', () => {
  it('a lone # is no input: no request to the action, execution falls through to the Redirect', async () => {
    const keys = new CallerKeys();
    keys.type('#');
    const call = interpreter({ '/voice': PROMPT, '/again': '<Say>Bye</Say><Hangup/>' }, keys);
    expect(await call.run({ url: `${BASE}/voice` })).toEqual({ reason: 'hangup' });
    expect(paths(call)).toEqual(['POST /voice', 'POST /again']);
    expect(call.requests[1].params).not.toHaveProperty('Digits');
  });

  it('0# submits Digits=0 and FinishedOnKey=#, with the standard parameters', async () => {
    const keys = new CallerKeys();
    keys.type('0#');
    const call = interpreter({ '/voice': PROMPT, '/gather': '<Hangup/>' }, keys);
    await call.run({ url: `${BASE}/voice`, method: 'POST' });
    expect(call.requests[1]).toMatchObject({
      cause: 'gather',
      url: `${BASE}/gather`,
      params: { CallSid: 'CA1', CallStatus: 'in-progress', Digits: '0', FinishedOnKey: '#' },
    });
  });

  it('keys a Gather did not take stay queued for the next Gather', async () => {
    const keys = new CallerKeys();
    keys.type('0#');
    const call = interpreter(
      {
        '/voice': `<Gather numDigits="1" finishOnKey="" action="${BASE}/first"/>`,
        '/first': `<Say>Confirm</Say><Gather action="${BASE}/second"/>`,
        '/second': '<Hangup/>',
      },
      keys,
    );
    await call.run({ url: `${BASE}/voice` });
    // numDigits=1 took the `0` and submitted at once; the `#` waited for the next Gather, where alone it is
    // "no input": that Gather falls through and the document ends.
    expect(call.requests.map((r) => [r.cause, r.params.Digits, r.params.FinishedOnKey])).toEqual([
      ['start', undefined, undefined],
      ['gather', '0', ''],
    ]);
    expect(keys.pending).toBe('');
  });

  it('keys typed while no Gather listens wait for the next one', async () => {
    const keys = new CallerKeys();
    keys.type('42');
    const call = interpreter(
      { '/voice': `<Say>Welcome</Say><Pause length="3"/><Gather action="${BASE}/g" numDigits="2"><Say>Two digits</Say></Gather>`, '/g': '' },
      keys,
    );
    expect(await call.run({ url: `${BASE}/voice` })).toEqual({ reason: 'end-of-document' });
    expect(call.requests[1].params).toMatchObject({ Digits: '42', FinishedOnKey: '' });
    expect(call.said).toEqual(['Welcome', 'Two digits']);
  });

  it('silence: the Gather times out, the clock moves by its timeout, and the next verb runs', async () => {
    const call = interpreter({ '/voice': `<Gather timeout="7" action="${BASE}/g"><Say>one two three four five</Say></Gather><Say>Bye</Say>` });
    await call.run({ url: `${BASE}/voice` });
    expect(paths(call)).toEqual(['POST /voice']);
    expect(call.said).toEqual(['one two three four five', 'Bye']);
    expect(call.durationSec).toBeCloseTo(5 / 2.5 + 7 + 1 / 2.5);
  });

  it('actionOnEmptyResult="true" requests the action with empty Digits on silence', async () => {
    const call = interpreter({ '/voice': `<Gather actionOnEmptyResult="true" action="${BASE}/g"/><Say>never</Say>`, '/g': '<Hangup/>' });
    await call.run({ url: `${BASE}/voice` });
    expect(call.requests[1].params).toMatchObject({ Digits: '', FinishedOnKey: '' });
    expect(call.said).toEqual([]);
  });

  it('input="speech" does not listen to keys: they stay queued', async () => {
    const keys = new CallerKeys();
    keys.type('1#');
    const call = interpreter({ '/voice': `<Gather input="speech" action="${BASE}/g"/><Gather action="${BASE}/g"/>`, '/g': '' }, keys);
    await call.run({ url: `${BASE}/voice` });
    expect(call.requests.map((r) => r.params.Digits)).toEqual([undefined, '1']);
  });

  it('defaults the action to the document URL, resolves relative URLs, and uses GET when asked', async () => {
    const keys = new CallerKeys();
    keys.type('7#');
    // The first document's Gather posts back to its own URL; the second time the TwiML redirects relatively.
    let served = 0;
    const twiml = [`<Gather method="GET"/>`, `<Redirect method="GET">next?x=1</Redirect>`];
    const fetch: InterpreterOptions['fetch'] = async (_m, url) =>
      new URL(url).pathname === '/ivr/menu' ? { status: 200, body: `<Response>${twiml[served++]}</Response>` } : { status: 200, body: '<Response/>' };
    const run = new TwimlInterpreter({ fetch, keys });
    await run.run({ url: `${BASE}/ivr/menu` });
    expect(paths(run)).toEqual(['POST /ivr/menu', 'GET /ivr/menu', 'GET /ivr/next?x=1']);
    expect(run.requests[1].params).toEqual({ Digits: '7', FinishedOnKey: '#' });
  });

  it('runs inline Twiml, but a relative URL in it hangs up with an error', async () => {
    const keys = new CallerKeys();
    keys.type('1#');
    const ok = interpreter({ '/g': '' }, keys);
    await ok.run({ twiml: `<Response><Gather action="${BASE}/g"/></Response>` });
    expect(ok.requests[0]).toMatchObject({ url: `${BASE}/g`, params: { Digits: '1' } });
    keys.type('1#');
    const bad = interpreter({}, keys);
    expect(await bad.run({ twiml: '<Response><Gather action="/g"/></Response>' })).toEqual({
      reason: 'error',
      error: 'cannot resolve URL "/g"',
    });
  });

  it.each([
    ['a failing URL', { '/voice': { status: 500, body: '' } }, 'TwiML fetch answered 500'],
    ['a document that is not TwiML', { '/voice': { status: 200, body: '<html/>' } }, 'TwiML root is <html>, not <Response>'],
    ['broken XML', { '/voice': { status: 200, body: '<Response>' } }, 'Invalid TwiML: <Response> is not closed'],
    ['an unreachable host', { '/voice': () => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })) }, 'TwiML fetch failed: ECONNREFUSED'],
  ])('hangs up on %s', async (_what, routes, error) => {
    expect(await interpreter(routes).run({ url: `${BASE}/voice` })).toEqual({ reason: 'error', error });
  });

  it('ends a Redirect loop after 25 documents', async () => {
    const call = interpreter({ '/loop': '<Redirect>/loop</Redirect>' });
    expect(await call.run({ url: `${BASE}/loop` })).toEqual({ reason: 'error', error: 'more than 25 TwiML documents' });
    expect(call.requests).toHaveLength(25);
  });

  it('stops at <Hangup>: nothing after it runs', async () => {
    const call = interpreter({ '/voice': '<Say>one</Say><Hangup/><Say>two</Say>' });
    expect(await call.run({ url: `${BASE}/voice` })).toEqual({ reason: 'hangup' });
    expect(call.said).toEqual(['one']);
  });
});

describe('TwimlInterpreter in real time (an interactive caller)', () => {
  const realTime = (capSec: number) => new CallerKeys({ realTime: { capSec } });
  const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('waits for keys; each key restarts the timeout', async () => {
    const keys = realTime(0.3);
    const listening: boolean[] = [];
    const running = new TwimlInterpreter({ fetch: app({ '/voice': `<Gather action="${BASE}/g"/>`, '/g': '' }), keys, onListening: (l) => listening.push(l) }).run({
      url: `${BASE}/voice`,
    });
    for (const key of ['1', '2', '#']) {
      await tick(200); // each pause is under the 0.3 s cap, together well over it
      keys.type(key);
    }
    expect(await running).toEqual({ reason: 'end-of-document' });
    expect(listening).toEqual([true, false]);
  });

  it('times out after the (capped) timeout with no keys, and falls through', async () => {
    const keys = realTime(0.1);
    const call = interpreter({ '/voice': `<Gather action="${BASE}/g"/><Say>no input</Say>` }, keys);
    expect(await call.run({ url: `${BASE}/voice` })).toEqual({ reason: 'end-of-document' });
    expect(call.said).toEqual(['no input']);
    expect(call.durationSec).toBeGreaterThanOrEqual(0.09);
  });

  it('redirect() abandons a waiting Gather and runs the new TwiML; queued keys are kept', async () => {
    const keys = realTime(30);
    const call = interpreter({ '/voice': `<Gather action="${BASE}/g"/>`, '/other': `<Gather numDigits="1" action="${BASE}/h"/>`, '/h': '<Hangup/>' }, keys);
    const running = call.run({ url: `${BASE}/voice` });
    await tick(20);
    expect(call.listening).toBe(true);
    call.redirect({ url: `${BASE}/other`, method: 'POST' });
    await tick(20);
    expect(call.listening).toBe(true);
    keys.type('5');
    expect(await running).toEqual({ reason: 'hangup' });
    expect(paths(call)).toEqual(['POST /voice', 'POST /other', 'POST /h']);
    expect(call.requests[2].params).toMatchObject({ Digits: '5' });
  });

  it('redirect() to inline Twiml abandons a fetch in flight', async () => {
    let release: (r: TwimlResponse) => void = () => undefined;
    const call = interpreter({ '/slow': () => new Promise<TwimlResponse>((resolve) => (release = resolve)) }, realTime(30));
    const running = call.run({ url: `${BASE}/slow` });
    await tick(10);
    call.redirect({ twiml: '<Response><Say>instead</Say></Response>' });
    expect(await running).toEqual({ reason: 'end-of-document' });
    release({ status: 200, body: '<Response><Say>too late</Say></Response>' });
    await tick(10);
    expect(call.said).toEqual(['instead']);
  });

  it('stop() hangs up at once: the Gather stops listening and nothing more is fetched', async () => {
    const keys = realTime(30);
    const call = interpreter({ '/voice': `<Gather action="${BASE}/g"/>`, '/g': '' }, keys);
    const running = call.run({ url: `${BASE}/voice` });
    await tick(20);
    call.stop();
    expect(await running).toEqual({ reason: 'stopped' });
    expect(keys.waiting).toBe(false);
    keys.type('1#');
    await tick(10);
    expect(paths(call)).toEqual(['POST /voice']);
  });
});
