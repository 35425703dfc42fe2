import { twiml } from 'twilio';
import { parseTwiml, TwimlParseError } from './twiml.parser';

/** TwiML as the twilio SDK's builder writes it (independent of what Redial's own prompt looks like). */
function sdkTwiml(build: (response: InstanceType<typeof twiml.VoiceResponse>) => void): string {
  const response = new twiml.VoiceResponse();
  build(response);
  return response.toString();
}

describe('parseTwiml', () => {
  it('reads what the SDK builds: a Gather with its attributes and nested Say, then a Redirect', () => {
    const doc = parseTwiml(
      sdkTwiml((r) => {
        const gather = r.gather({ input: ['dtmf'], finishOnKey: '', numDigits: 1, timeout: 8, action: 'http://h/g?a=1&b=2', method: 'POST' });
        gather.say('Press any key');
        r.redirect({ method: 'POST' }, 'http://h/r');
      }),
    );
    expect(doc.name).toBe('Response');
    expect(doc.children.map((c) => c.name)).toEqual(['Gather', 'Redirect']);
    const [gather, redirect] = doc.children;
    expect(gather.attrs).toEqual({ input: 'dtmf', finishOnKey: '', numDigits: '1', timeout: '8', action: 'http://h/g?a=1&b=2', method: 'POST' });
    expect(gather.children.map((c) => [c.name, c.text])).toEqual([['Say', 'Press any key']]);
    expect(redirect.attrs.method).toBe('POST');
    expect(redirect.text).toBe('http://h/r');
  });

  it('reads self-closing verbs and decodes entities', () => {
    const doc = parseTwiml(
      sdkTwiml((r) => {
        r.say('A & B <ok> "quoted"');
        r.hangup();
      }),
    );
    expect(doc.children.map((c) => [c.name, c.text])).toEqual([
      ['Say', 'A & B <ok> "quoted"'],
      ['Hangup', ''],
    ]);
  });

  it('accepts whitespace, comments, CDATA, single quotes and numeric entities', () => {
    const doc = parseTwiml(`<?xml version="1.0"?>
      <!-- greeting -->
      <Response>
        <Say voice='alice'>Hello&#44; &#x41;</Say>
        <Pause length="2"/>
        <Say><![CDATA[a & b]]></Say>
      </Response>`);
    expect(doc.children.map((c) => [c.name, c.text, c.attrs])).toEqual([
      ['Say', 'Hello, A', { voice: 'alice' }],
      ['Pause', '', { length: '2' }],
      ['Say', 'a & b', {}],
    ]);
  });

  it.each(['', '<Response>', '<Response></Say>', 'just text', '<Response/><Response/>', '<Response attr="x></Response>'])(
    'refuses %p',
    (xml) => {
      expect(() => parseTwiml(xml)).toThrow(TwimlParseError);
    },
  );
});
