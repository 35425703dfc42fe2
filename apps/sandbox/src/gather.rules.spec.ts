import { type GatherRules, gatherRules, readGather } from './gather.rules';

/** The documented sentences (twilio.com/docs/voice/twiml/gather; TWILIO.md §3.2) each row follows. */
const DOC = {
  finishKeyNotSent:
    "finishOnKey: 'if the user enters 1234#, Twilio will immediately stop waiting for more input when the # is received and will submit Digits=1234. Note that the finishOnKey value is not sent.'",
  finishKeyFirst:
    "'if the caller enters the finishOnKey value before entering any other digits, Twilio will not make a request to the action URL but instead continue … with the verb immediately following the <Gather>'",
  timeoutFirst: "'If the timeout is reached before the caller enters any digits, Twilio will not make a request to the action URL'",
  timeoutSubmits:
    "timeout: 'Twilio will wait ten seconds for the caller to press another key before submitting the previously entered digits to the action URL'",
  emptyFinishKey:
    "finishOnKey: 'If the empty string is used, <Gather> captures all input and no key will end the <Gather> when pressed … submit the entered digits only after the timeout has been reached'",
  allowedKeys: "finishOnKey: 'The allowed values are the digits 0-9, #, * and the empty string'",
  numDigits: "numDigits: 'When the caller enters the fifth digit of 94117, Twilio will immediately submit the data to the action URL'",
  actionOnEmpty: "actionOnEmptyResult: 'allows you to force <Gather> to send a webhook to the action url even when there is no DTMF input'",
  inputSpeech: "input: 'dtmf, speech, dtmf speech' — keys count only when input includes dtmf",
  timeoutBetweenKeys: "timeout: 'the limit in seconds that Twilio will wait for the caller to press another digit'",
  defaults: "attributes table: finishOnKey '#', numDigits unlimited, timeout 5, actionOnEmptyResult false, input dtmf",
} as const;

type Outcome = { Digits: string; FinishedOnKey: string } | 'no input';

describe('gatherRules (the attributes)', () => {
  it.each<[string, Record<string, string>, Partial<GatherRules>]>([
    [DOC.defaults, {}, { finishOnKey: '#', numDigits: null, timeoutSec: 5, actionOnEmptyResult: false, dtmf: true }],
    [DOC.emptyFinishKey, { finishOnKey: '' }, { finishOnKey: '' }],
    [DOC.allowedKeys, { finishOnKey: '*' }, { finishOnKey: '*' }],
    [DOC.allowedKeys, { finishOnKey: '0' }, { finishOnKey: '0' }],
    [`${DOC.allowedKeys} ("The value can only be a single character"; else the default)`, { finishOnKey: '##' }, { finishOnKey: '#' }],
    [DOC.allowedKeys, { finishOnKey: 'a' }, { finishOnKey: '#' }],
    [DOC.numDigits, { numDigits: '6' }, { numDigits: 6 }],
    ['numDigits: positive integer (else unlimited)', { numDigits: '0' }, { numDigits: null }],
    [DOC.timeoutBetweenKeys, { timeout: '10' }, { timeoutSec: 10 }],
    ['timeout: positive integer (else the default 5)', { timeout: 'soon' }, { timeoutSec: 5 }],
    [DOC.actionOnEmpty, { actionOnEmptyResult: 'true' }, { actionOnEmptyResult: true }],
    [DOC.actionOnEmpty, { actionOnEmptyResult: 'false' }, { actionOnEmptyResult: false }],
    [DOC.inputSpeech, { input: 'speech' }, { dtmf: false }],
    [DOC.inputSpeech, { input: 'dtmf speech' }, { dtmf: true }],
  ])('%s: %j', (_doc, attrs, expected) => {
    expect(gatherRules(attrs)).toMatchObject(expected);
  });

  it('names the attribute values it replaced by their default', () => {
    expect(gatherRules({ finishOnKey: 'x', numDigits: '-1', timeout: '0' }).warnings).toHaveLength(3);
    expect(gatherRules({ finishOnKey: '', numDigits: '1', timeout: '1' }).warnings).toEqual([]);
  });
});

describe('readGather (the caller types keys in advance, then is silent)', () => {
  it.each<[string, Record<string, string>, string, Outcome, number]>([
    // [documented rule, Gather attributes, keys typed, what the action gets (or no request), keys the Gather took]
    [DOC.finishKeyNotSent, {}, '1234#', { Digits: '1234', FinishedOnKey: '#' }, 5],
    [DOC.finishKeyNotSent, {}, '0#', { Digits: '0', FinishedOnKey: '#' }, 2],
    [DOC.finishKeyNotSent, { finishOnKey: '*' }, '1234*', { Digits: '1234', FinishedOnKey: '*' }, 5],
    [DOC.finishKeyNotSent, { finishOnKey: '*' }, '12#4*', { Digits: '12#4', FinishedOnKey: '*' }, 5],
    [DOC.finishKeyNotSent, { finishOnKey: '0' }, '120', { Digits: '12', FinishedOnKey: '0' }, 3],
    [DOC.finishKeyNotSent, {}, '12#34#', { Digits: '12', FinishedOnKey: '#' }, 3],
    [DOC.finishKeyFirst, {}, '#', 'no input', 1],
    [DOC.finishKeyFirst, {}, '#123#', 'no input', 1],
    [DOC.finishKeyFirst, { finishOnKey: '*' }, '*', 'no input', 1],
    [DOC.timeoutFirst, {}, '', 'no input', 0],
    [DOC.timeoutFirst, { numDigits: '1' }, '', 'no input', 0],
    [DOC.timeoutSubmits, {}, '123', { Digits: '123', FinishedOnKey: '' }, 3],
    [DOC.timeoutSubmits, {}, '1*2', { Digits: '1*2', FinishedOnKey: '' }, 3],
    [DOC.emptyFinishKey, { finishOnKey: '' }, '#', { Digits: '#', FinishedOnKey: '' }, 1],
    [DOC.emptyFinishKey, { finishOnKey: '' }, '12#*', { Digits: '12#*', FinishedOnKey: '' }, 4],
    [DOC.emptyFinishKey, { finishOnKey: '', numDigits: '1' }, '#', { Digits: '#', FinishedOnKey: '' }, 1],
    [DOC.emptyFinishKey, { finishOnKey: '', numDigits: '1' }, '0#', { Digits: '0', FinishedOnKey: '' }, 1],
    [DOC.numDigits, { numDigits: '5' }, '94117', { Digits: '94117', FinishedOnKey: '' }, 5],
    [DOC.numDigits, { numDigits: '4' }, '123456', { Digits: '1234', FinishedOnKey: '' }, 4],
    [DOC.numDigits, { numDigits: '1' }, '0#', { Digits: '0', FinishedOnKey: '' }, 1],
    [`${DOC.numDigits} / ${DOC.finishKeyNotSent} (whichever comes first)`, { numDigits: '4' }, '12#', { Digits: '12', FinishedOnKey: '#' }, 3],
    [`${DOC.numDigits} / ${DOC.finishKeyFirst}`, { numDigits: '1' }, '#', 'no input', 1],
    [DOC.actionOnEmpty, { actionOnEmptyResult: 'true' }, '', { Digits: '', FinishedOnKey: '' }, 0],
    // Docs are silent on FinishedOnKey here; the key did end the input, so it is reported.
    [DOC.actionOnEmpty, { actionOnEmptyResult: 'true' }, '#', { Digits: '', FinishedOnKey: '#' }, 1],
    [DOC.actionOnEmpty, { actionOnEmptyResult: 'true' }, '5#', { Digits: '5', FinishedOnKey: '#' }, 2],
    [DOC.inputSpeech, { input: 'speech' }, '1#', 'no input', 0],
    [DOC.inputSpeech, { input: 'speech', actionOnEmptyResult: 'true' }, '1#', { Digits: '', FinishedOnKey: '' }, 0],
    [`${DOC.timeoutBetweenKeys} (w = half a second: short pauses keep listening)`, {}, 'ww12w3#', { Digits: '123', FinishedOnKey: '#' }, 7],
    [`${DOC.timeoutBetweenKeys} (5 s of w after a digit end input)`, {}, `1${'w'.repeat(10)}2#`, { Digits: '1', FinishedOnKey: '' }, 11],
    [`${DOC.timeoutFirst} (5 s of w before any digit)`, {}, `${'w'.repeat(10)}1#`, 'no input', 10],
    [`${DOC.timeoutBetweenKeys} (timeout="2": 4 w)`, { timeout: '2' }, '1www2#', { Digits: '12', FinishedOnKey: '#' }, 6],
    [`${DOC.timeoutBetweenKeys} (timeout="2": 4 w)`, { timeout: '2' }, '1wwww2#', { Digits: '1', FinishedOnKey: '' }, 5],
  ])('%s — attrs %j, keys %p → %j (takes %i)', (_doc, attrs, keys, expected, consumed) => {
    const { result, consumed: took } = readGather(gatherRules(attrs), keys);
    expect(result.submit ?? 'no input').toEqual(expected);
    expect(took).toBe(consumed);
  });

  it('never puts the finishing key into Digits', () => {
    for (const keys of ['#', '1#', '12#', '123#9']) {
      expect(readGather(gatherRules({}), keys).result.submit?.Digits ?? '').not.toContain('#');
    }
  });

  it('reports how input ended and how long the Gather listened (simulated time)', () => {
    expect(readGather(gatherRules({}), '1#')).toMatchObject({ result: { endedBy: 'finish-key' }, listenedSec: 0 });
    expect(readGather(gatherRules({ numDigits: '1' }), '7')).toMatchObject({ result: { endedBy: 'num-digits' }, listenedSec: 0 });
    expect(readGather(gatherRules({ timeout: '8' }), '')).toMatchObject({ result: { endedBy: 'timeout' }, listenedSec: 8 });
    expect(readGather(gatherRules({}), 'ww1')).toMatchObject({ result: { endedBy: 'timeout' }, listenedSec: 6 });
  });
});
