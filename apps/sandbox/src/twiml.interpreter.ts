import type { KeySource } from './caller-keys.queue';
import { GatherInput, type GatherResult, gatherRules, PAUSE_KEY, PAUSE_SEC } from './gather.rules';
import { parseTwiml, type TwimlNode } from './twiml.parser';

/**
 * Twilio's side of an answered call, without Nest or HTTP: fetches TwiML through the given `fetch`, runs
 * `<Say>`, `<Play>`, `<Pause>`, `<Gather>` (with those three nested), `<Redirect>`, `<Hangup>` (and `<Reject>`), and
 * hangs up when a document runs out of verbs (TWILIO.md §3.2). The caller's keys come from a KeySource.
 *
 * Speech and pauses are not played: they move a simulated clock (`durationSec`), which is what CallDuration
 * reports. `redirect()` abandons the running document for another (a call update with Url/Twiml), `stop()`
 * hangs up (Status=completed); both take effect at once, even while a Gather waits or a fetch is in flight.
 *
 * Usable on its own, e.g. to replay an application's TwiML in a test:
 *   const keys = new CallerKeys(); keys.type('0#');
 *   const call = new TwimlInterpreter({ fetch: (method, url, params) => app.handle(method, url, params), keys,
 *     params: () => ({ CallSid: 'CA…', CallStatus: 'in-progress' }) });
 *   const end = await call.run({ url: 'https://app.example/voice', method: 'POST' });
 *   call.requests // every request made, in order, with its parameters
 */

export type TwimlSource = { url: string; method?: 'GET' | 'POST' } | { twiml: string };

export interface TwimlResponse {
  status: number;
  body: string;
}

/** Requests TwiML. A rejection means the request failed (Twilio would end the call with an application error). */
export type TwimlFetch = (method: 'GET' | 'POST', url: string, params: Record<string, string>) => Promise<TwimlResponse>;

export interface InterpreterOptions {
  fetch: TwimlFetch;
  keys: KeySource;
  /** The standard voice parameters sent with every request (CallSid, CallStatus, From, To…). */
  params?: () => Record<string, string>;
  /** Documents fetched per call before it is ended as a loop (Twilio has a similar limit). */
  maxDocuments?: number;
  /** Where `<Say>` texts are recorded (shared with the call's inbox view); capped at `maxSaid`. */
  said?: string[];
  maxSaid?: number;
  /** Told whenever a Gather starts or stops listening to keys. */
  onListening?: (listening: boolean) => void;
  log?: (line: string) => void;
}

export interface InterpreterRequest {
  method: 'GET' | 'POST';
  url: string;
  params: Record<string, string>;
  /** What the request was for: the call's TwiML, a Gather's action, a Redirect. */
  cause: 'start' | 'gather' | 'redirect';
}

export type InterpreterEndReason = 'hangup' | 'end-of-document' | 'error' | 'stopped';

export interface InterpreterEnd {
  reason: InterpreterEndReason;
  /** Why the call hung up on an error (bad TwiML, failed fetch, redirect loop). */
  error?: string;
}

const SPEECH_WORDS_PER_SEC = 2.5;

/** The running document was abandoned (redirect() or stop()). */
class Abandoned extends Error {}

/** The call hangs up: `<Hangup>`, or an error Twilio would end the call on. */
class HangUp extends Error {
  constructor(readonly reason: 'hangup' | 'error', message: string) {
    super(message);
  }
}

interface Document {
  node: TwimlNode;
  /** The URL it came from; null for inline Twiml (whose URLs must then be absolute). */
  url: string | null;
}

export class TwimlInterpreter {
  /** Simulated seconds of the call so far: speech, pauses, time spent listening in Gathers. */
  durationSec = 0;
  readonly said: string[];
  readonly requests: InterpreterRequest[] = [];
  private listeningNow = false;
  private controller = new AbortController();
  private pending: TwimlSource | null = null;
  private stopped = false;
  private running = false;

  constructor(private readonly options: InterpreterOptions) {
    this.said = options.said ?? [];
  }

  /** True while a Gather waits for the caller's keys. */
  get listening(): boolean {
    return this.listeningNow;
  }

  /** Runs the call's TwiML until it hangs up; never rejects for the TwiML's faults, only if the key source does. */
  async run(source: TwimlSource): Promise<InterpreterEnd> {
    this.running = true;
    let next: TwimlSource = source;
    try {
      for (;;) {
        if (this.stopped) return { reason: 'stopped' };
        try {
          return await this.runFrom(next, this.controller.signal);
        } catch (err) {
          if (!(err instanceof Abandoned)) throw err;
          if (this.stopped || this.pending === null) return { reason: 'stopped' };
          next = this.pending;
          this.pending = null;
        }
      }
    } finally {
      this.running = false;
      this.setListening(false);
    }
  }

  /** Abandons the running document (a waiting Gather stops listening) and runs `source` instead. */
  redirect(source: TwimlSource): void {
    if (this.stopped || !this.running) return;
    this.pending = source;
    this.abandon();
  }

  /** Hangs up: nothing more is fetched or run. */
  stop(): void {
    this.stopped = true;
    this.abandon();
  }

  private abandon(): void {
    const controller = this.controller;
    this.controller = new AbortController();
    controller.abort(new Abandoned('abandoned'));
  }

  private async runFrom(source: TwimlSource, signal: AbortSignal): Promise<InterpreterEnd> {
    try {
      let doc: Document | null =
        'twiml' in source ? this.parse(source.twiml, null) : await this.fetch(source.method ?? 'POST', source.url, {}, 'start', signal);
      while (doc !== null) doc = await this.execute(doc, signal);
      return { reason: 'end-of-document' };
    } catch (err) {
      if (err instanceof HangUp) return err.reason === 'hangup' ? { reason: 'hangup' } : { reason: 'error', error: err.message };
      throw err;
    }
  }

  /** Runs one document; returns the next (a Gather's action, a Redirect), or null when it runs out of verbs. */
  private async execute(doc: Document, signal: AbortSignal): Promise<Document | null> {
    for (const verb of doc.node.children) {
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.play(verb);
          break;
        case 'Gather': {
          const next = await this.gather(doc, verb, signal);
          if (next !== undefined) return next;
          break; // no input: on to the verb after </Gather>
        }
        case 'Redirect': {
          const target = this.resolve(verb.text, doc.url);
          return this.fetch(method(verb.attrs.method), target, {}, 'redirect', signal);
        }
        case 'Hangup':
        case 'Reject':
          throw new HangUp('hangup', `<${verb.name}>`);
        default:
          this.options.log?.(`skips unsupported <${verb.name}>`);
      }
    }
    return null; // out of verbs: Twilio hangs up
  }

  /** `<Say>`, `<Play>`, `<Pause>`: not heard, but the words are kept and the clock moves. */
  private play(verb: TwimlNode): void {
    // loop="0" means "until the call ends" (or a key interrupts a Gather's prompt): counted as one pass here.
    const loop = Math.max(1, Number(verb.attrs.loop ?? '1') || 1);
    if (verb.name === 'Say') {
      if (this.said.length < (this.options.maxSaid ?? 20)) this.said.push(verb.text);
      const words = verb.text.split(/\s+/).filter(Boolean).length;
      this.durationSec += (loop * words) / SPEECH_WORDS_PER_SEC;
    } else if (verb.name === 'Pause') {
      const length = Number(verb.attrs.length ?? '1');
      this.durationSec += Number.isFinite(length) && length >= 0 ? length : 1;
    } else {
      this.durationSec += loop;
    }
  }

  /**
   * `<Gather>`: plays its nested verbs, then listens (gather.rules.ts). Returns the action's document, or
   * undefined for "no input": fall through to the next verb.
   */
  private async gather(doc: Document, gather: TwimlNode, signal: AbortSignal): Promise<Document | null | undefined> {
    for (const nested of gather.children) {
      if (nested.name === 'Say' || nested.name === 'Play' || nested.name === 'Pause') this.play(nested);
      else this.options.log?.(`skips <${nested.name}> nested in <Gather>`);
    }
    const rules = gatherRules(gather.attrs);
    for (const warning of rules.warnings) this.options.log?.(`Gather: ${warning}`);
    const result = rules.dtmf ? await this.listen(new GatherInput(rules), signal) : this.silence(new GatherInput(rules));
    if (result.submit === null) return undefined;
    // "If no action is provided, Twilio will by default make a POST request to the current document's URL."
    const action = gather.attrs.action === undefined ? doc.url : this.resolve(gather.attrs.action, doc.url);
    if (action === null) throw new HangUp('error', 'a <Gather> in inline Twiml needs an absolute action URL');
    return this.fetch(method(gather.attrs.method), action, result.submit, 'gather', signal);
  }

  /** Takes the caller's keys one at a time until the rules end input. */
  private async listen(input: GatherInput, signal: AbortSignal): Promise<GatherResult> {
    this.setListening(true);
    try {
      for (;;) {
        const press = await this.guard(this.options.keys.next(input.remainingSec, signal), signal);
        if (press.key === null) {
          this.durationSec += press.waitedSec;
          return input.timeout();
        }
        this.durationSec += press.waitedSec + (press.key === PAUSE_KEY ? PAUSE_SEC : 0);
        const result = input.press(press.key, press.waitedSec);
        if (result !== null) return result;
      }
    } finally {
      this.setListening(false);
    }
  }

  /** A Gather that does not listen to keys (input="speech"): the sandbox has no speech, so it times out. */
  private silence(input: GatherInput): GatherResult {
    this.durationSec += input.remainingSec;
    return input.timeout();
  }

  private resolve(target: string, base: string | null): string {
    try {
      // Inline Twiml has no document URL, so its URLs must be absolute (TWILIO.md §3.2).
      return base === null ? new URL(target).toString() : new URL(target, base).toString();
    } catch {
      throw new HangUp('error', `cannot resolve URL "${target}"`);
    }
  }

  private async fetch(
    verbMethod: 'GET' | 'POST',
    url: string,
    extra: Record<string, string>,
    cause: InterpreterRequest['cause'],
    signal: AbortSignal,
  ): Promise<Document> {
    const max = this.options.maxDocuments ?? 25;
    if (this.requests.length >= max) throw new HangUp('error', `more than ${max} TwiML documents`);
    const params = { ...this.options.params?.(), ...extra };
    this.requests.push({ method: verbMethod, url, params, cause });
    let response: TwimlResponse;
    try {
      response = await this.guard(this.options.fetch(verbMethod, url, params), signal);
    } catch (err) {
      if (err instanceof Abandoned || signal.aborted) throw new Abandoned('abandoned');
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new HangUp('error', `TwiML fetch failed: ${reason}`);
    }
    // Twilio would say "an application error has occurred" here, and hang up.
    if (response.status < 200 || response.status >= 300) throw new HangUp('error', `TwiML fetch answered ${response.status}`);
    return this.parse(response.body, url);
  }

  private parse(xml: string, url: string | null): Document {
    let node: TwimlNode;
    try {
      node = parseTwiml(xml);
    } catch (err) {
      throw new HangUp('error', (err as Error).message);
    }
    if (node.name !== 'Response') throw new HangUp('error', `TwiML root is <${node.name}>, not <Response>`);
    return { node, url };
  }

  /** Settles with `promise`, unless the document is abandoned first. */
  private guard<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) {
      promise.catch(() => undefined);
      return Promise.reject(new Abandoned('abandoned'));
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new Abandoned('abandoned'));
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) reject(new Abandoned('abandoned'));
          else resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(signal.aborted ? new Abandoned('abandoned') : err);
        },
      );
    });
  }

  private setListening(listening: boolean): void {
    if (this.listeningNow === listening) return;
    this.listeningNow = listening;
    this.options.onListening?.(listening);
  }
}

function method(value: string | undefined): 'GET' | 'POST' {
  return value !== undefined && value.toUpperCase() === 'GET' ? 'GET' : 'POST';
}
