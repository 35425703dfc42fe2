import { TwilioApiError } from './twilio-api.error';
import { isE164, parseCallCreate, parseMessageCreate } from './twilio-request.validation';

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof TwilioApiError) return err.code;
    throw err;
  }
}

describe('isE164', () => {
  it.each([
    ['+15005550006', true],
    ['+447700900123', true],
    ['+1500', false],
    ['+1555123456', false],
    ['15005550006', false],
    ['+05005550006', false],
    ['whatsapp:+15005550006', false],
  ])('%s → %p', (value, ok) => expect(isE164(value)).toBe(ok));
});

describe('parseMessageCreate', () => {
  const ok = { To: '+15551230001', From: '+15005550006', Body: 'hi' };
  it.each([
    [{}, 21604],
    [{ To: '+15551230001' }, 21603],
    [{ To: '+15551230001', From: '+15005550006' }, 21602],
    [{ ...ok, Body: 'x'.repeat(1601) }, 21617],
    [{ ...ok, From: '+15005550001' }, 21212],
    [{ ...ok, From: '+15005550007' }, 21606],
    [{ ...ok, From: '+15005550008' }, 21611],
    [{ ...ok, From: 'nonsense' }, 21212],
    [{ ...ok, To: '+15005550001' }, 21211],
    [{ ...ok, To: '+15005550002' }, 21612],
    [{ ...ok, To: '+15005550003' }, 21408],
    [{ ...ok, To: '+15005550004' }, 21610],
    [{ ...ok, To: '+15005550009' }, 21614],
    [{ ...ok, To: '555' }, 21211],
    // Names an object literal has of itself are no magic numbers.
    [{ ...ok, To: 'constructor' }, 21211],
    [{ ...ok, To: '__proto__' }, 21211],
    [{ ...ok, From: 'toString' }, 21212],
    [{ To: '+15551230001', MessagingServiceSid: 'MGbad', Body: 'x' }, 21701],
    [{ ...ok, StatusCallback: 'not a url' }, 21609],
    [{ ...ok, StatusCallback: 'ftp://h/x' }, 21609],
    [ok, undefined],
    [{ ...ok, From: '+15017122661' }, undefined],
  ])('%j → %p', (form, code) => expect(codeOf(() => parseMessageCreate(form))).toBe(code));

  it('takes the first value of a repeated key', () => {
    expect(parseMessageCreate({ ...ok, Body: ['a', 'b'] }).body).toBe('a');
  });
});

describe('parseCallCreate', () => {
  const ok = { To: '+15551230001', From: '+15005550006', Url: 'http://127.0.0.1:3000/voice' };
  it.each([
    [{}, 21201],
    [{ To: '+15551230001' }, 21213],
    [{ To: '+15551230001', From: '+15005550006' }, 21205],
    [{ ...ok, Url: 'relative/path' }, 21205],
    [{ ...ok, From: '+15005550001' }, 21212],
    [{ ...ok, To: '+15005550001' }, 21217],
    [{ ...ok, To: '+15005550002' }, 21214],
    [{ ...ok, To: '+15005550003' }, 21215],
    [{ ...ok, To: '+15005550004' }, 21216],
    [{ ...ok, To: '+1555' }, 21217],
    [{ ...ok, To: 'constructor' }, 21217],
    [{ ...ok, From: 'hasOwnProperty' }, 21212],
    [{ ...ok, StatusCallbackEvent: ['ringing', 'bogus'] }, 21626],
    [ok, undefined],
  ])('%j → %p', (form, code) => expect(codeOf(() => parseCallCreate(form))).toBe(code));

  it('reads events, method, timeout and machine detection', () => {
    const call = parseCallCreate({
      ...ok,
      StatusCallbackEvent: ['initiated', 'ringing answered'],
      StatusCallbackMethod: 'GET',
      Timeout: '900',
      MachineDetection: 'Enable',
    });
    expect([...call.events].sort()).toEqual(['answered', 'completed', 'initiated', 'ringing']);
    expect(call.statusCallbackMethod).toBe('GET');
    expect(call.timeoutSec).toBe(600);
    expect(call.machineDetection).toBe(true);
    expect(parseCallCreate({ ...ok, MachineDetection: 'Enable', SendDigits: 'ww12' }).machineDetection).toBe(false);
  });

  it('ignores Twiml when Url is present, and keeps it otherwise', () => {
    expect(parseCallCreate({ ...ok, Twiml: '<Response/>' }).twiml).toBeNull();
    const { Url: _url, ...noUrl } = ok;
    expect(parseCallCreate({ ...noUrl, Twiml: '<Response/>' })).toMatchObject({ url: null, twiml: '<Response/>' });
  });
});
