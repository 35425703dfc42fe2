/**
 * `<Gather>` input exactly as Twilio documents it (twilio.com/docs/voice/twiml/gather; TWILIO.md §3.2), as pure
 * rules: what a Gather's attributes mean, and how the caller's key presses end its input. The interpreter feeds
 * keys in; these rules decide whether, and with what, the action URL is requested.
 *
 * The documented sentences these rules follow (quoted in the spec's table rows):
 * - finishOnKey: "if you set finishOnKey to '#' and the user enters '1234#', Twilio will immediately stop waiting
 *   for more input when the '#' is received and will submit Digits=1234 to the action URL. Note that the
 *   finishOnKey value is not sent." "The allowed values are the digits 0-9, '#', '*' and the empty string.
 *   If the empty string is used, <Gather> captures all input and no key will end the <Gather> when pressed."
 *   "The default finishOnKey value is '#'. The value can only be a single character."
 * - numDigits: "When the caller enters the fifth digit of '94117', Twilio will immediately submit the data".
 * - timeout: "the limit in seconds that Twilio will wait for the caller to press another digit before moving on
 *   and making a request to the action URL" (default 5). "Twilio waits until completing the execution of all
 *   nested verbs before beginning the timeout period."
 * - "If the timeout is reached before the caller enters any digits, or if the caller enters the finishOnKey value
 *   before entering any other digits, Twilio will not make a request to the action URL but instead continue
 *   processing the current TwiML document with the verb immediately following the <Gather>."
 * - actionOnEmptyResult: "allows you to force <Gather> to send a webhook to the action url even when there is
 *   no DTMF input."
 * - input: `dtmf`, `speech` or `dtmf speech`, default `dtmf`: keys are only listened to when it includes dtmf.
 */

/** A `w` in the caller's keys is half a second of silence, as in Twilio's SendDigits. */
export const PAUSE_KEY = 'w';
export const PAUSE_SEC = 0.5;

const KEYS = '0123456789*#';

export interface GatherRules {
  /** The key that ends input, or '' when none does (then `#` and `*` are ordinary digits). */
  finishOnKey: string;
  /** Input ends as soon as this many digits are typed; null = unlimited. */
  numDigits: number | null;
  /** Seconds of silence (before the first key, and between keys) that end input. */
  timeoutSec: number;
  actionOnEmptyResult: boolean;
  /** False for `input="speech"`: the Gather does not listen to keys at all. */
  dtmf: boolean;
  /** Attribute values Twilio would warn about (and replace by their default), for the log. */
  warnings: string[];
}

/** Reads a `<Gather>`'s attributes; a value outside the documented ones falls back to its default. */
export function gatherRules(attrs: Readonly<Record<string, string>>): GatherRules {
  const warnings: string[] = [];
  let finishOnKey = '#';
  if (attrs.finishOnKey !== undefined) {
    if (attrs.finishOnKey === '' || (attrs.finishOnKey.length === 1 && KEYS.includes(attrs.finishOnKey))) {
      finishOnKey = attrs.finishOnKey;
    } else {
      warnings.push(`invalid finishOnKey (Twilio warning 13310) "${attrs.finishOnKey}"`);
    }
  }
  let numDigits: number | null = null;
  if (attrs.numDigits !== undefined) {
    const n = Number(attrs.numDigits);
    if (Number.isInteger(n) && n >= 1) numDigits = n;
    else warnings.push(`invalid numDigits "${attrs.numDigits}"`);
  }
  let timeoutSec = 5;
  if (attrs.timeout !== undefined) {
    const n = Number(attrs.timeout);
    if (Number.isInteger(n) && n >= 1) timeoutSec = n;
    else warnings.push(`invalid timeout "${attrs.timeout}"`);
  }
  const inputs = (attrs.input ?? 'dtmf').toLowerCase().split(/\s+/).filter(Boolean);
  return {
    finishOnKey,
    numDigits,
    timeoutSec,
    actionOnEmptyResult: (attrs.actionOnEmptyResult ?? '').toLowerCase() === 'true',
    dtmf: inputs.length === 0 || inputs.includes('dtmf'),
    warnings,
  };
}

export type GatherEnd = 'finish-key' | 'num-digits' | 'timeout';

export interface GatherResult {
  endedBy: GatherEnd;
  /** The digits typed, without the finishing key. */
  digits: string;
  /**
   * The action request's parameters, or null for "no input": no request is made and execution continues with
   * the verb after `</Gather>`.
   */
  submit: { Digits: string; FinishedOnKey: string } | null;
}

/**
 * One listening Gather, fed the caller's keys one at a time (and told when time passes in silence). Each call
 * returns the result once input has ended, else null: keep listening.
 */
export class GatherInput {
  private digits = '';
  /** Silence since listening began or since the last key. */
  private silentSec = 0;

  constructor(readonly rules: GatherRules) {}

  /** Seconds of silence still allowed before the timeout ends input. */
  get remainingSec(): number {
    return Math.max(0, this.rules.timeoutSec - this.silentSec);
  }

  /**
   * A key press (`0-9`, `*`, `#`), or `w` for half a second of silence. `afterSec` is the silence before it,
   * shorter than the timeout (else the key source would have reported silence instead).
   */
  press(key: string, afterSec = 0): GatherResult | null {
    if (key === PAUSE_KEY) {
      this.silentSec += afterSec + PAUSE_SEC;
      return this.silentSec >= this.rules.timeoutSec ? this.end('timeout', '') : null;
    }
    this.silentSec = 0;
    const { finishOnKey, numDigits } = this.rules;
    if (finishOnKey !== '' && key === finishOnKey) return this.end('finish-key', key);
    this.digits += key;
    if (numDigits !== null && this.digits.length >= numDigits) return this.end('num-digits', '');
    return null;
  }

  /** The caller stayed silent for the rest of the timeout. */
  timeout(): GatherResult {
    return this.end('timeout', '');
  }

  private end(endedBy: GatherEnd, finishedOnKey: string): GatherResult {
    const { digits } = this;
    if (digits === '' && !this.rules.actionOnEmptyResult) return { endedBy, digits, submit: null };
    // A lone finishing key with actionOnEmptyResult: the key did end input, so it is reported (docs are silent).
    return { endedBy, digits, submit: { Digits: digits, FinishedOnKey: finishedOnKey } };
  }
}

export interface ScriptedGather {
  result: GatherResult;
  /** How many of the keys this Gather took; the rest stay queued for the next Gather. */
  consumed: number;
  /** Simulated seconds the Gather listened (pauses, then the silence that timed it out). */
  listenedSec: number;
}

/**
 * A Gather listening to keys typed in advance (`0-9*#w`), then silence: the scripted caller's side of
 * TWILIO.md §3.2, and the reference the interpreter's Gather is tested against.
 */
export function readGather(rules: GatherRules, keys: string): ScriptedGather {
  const input = new GatherInput(rules);
  let listenedSec = 0;
  if (rules.dtmf) {
    for (let i = 0; i < keys.length; i++) {
      const before = input.remainingSec;
      const result = input.press(keys[i]);
      if (keys[i] === PAUSE_KEY) listenedSec += Math.min(PAUSE_SEC, before);
      if (result !== null) return { result, consumed: i + 1, listenedSec };
    }
  }
  listenedSec += input.remainingSec;
  return { result: input.timeout(), consumed: rules.dtmf ? keys.length : 0, listenedSec };
}
