import { buildGoodbyeTwiml, buildPromptTwiml } from '@redial/telephony';
import { parseTwiml, TwimlParseError } from './twiml.parser';

describe('parseTwiml', () => {
  it('reads the prompt the api serves', () => {
    const doc = parseTwiml(buildPromptTwiml({ gatherActionUrl: 'http://h/g?a=1&b=2', redirectUrl: 'http://h/r' }));
    expect(doc.name).toBe('Response');
    expect(doc.children.map((c) => c.name)).toEqual(['Gather', 'Redirect']);
    const [gather, redirect] = doc.children;
    expect(gather.attrs).toEqual({ input: 'dtmf', finishOnKey: '#', timeout: '8', action: 'http://h/g?a=1&b=2', method: 'POST' });
    expect(gather.children[0].name).toBe('Say');
    expect(gather.children[0].text).toMatch(/^This is Redial/);
    expect(redirect.attrs.method).toBe('POST');
    expect(redirect.text).toBe('http://h/r');
  });

  it('reads self-closing verbs and decodes entities', () => {
    const doc = parseTwiml(buildGoodbyeTwiml('A & B <ok> "quoted"'));
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
