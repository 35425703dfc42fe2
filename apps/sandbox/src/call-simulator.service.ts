import { Inject, Injectable } from '@nestjs/common';
import { SandboxLogger, shortUrl } from './sandbox.logger';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { CancelledError, SandboxStateService } from './sandbox-state.service';
import type { CallEvent, CallRecord, CallStatus, NumberBehaviour } from './sandbox.types';
import { parseTwiml, type TwimlNode } from './twiml.parser';
import { rfc2822 } from './twilio-resource.serializer';
import { WebhookSenderService, type WebhookParams } from './webhook-sender.service';

/** A TwiML document to run, and the URL it came from (null for inline Twiml). */
interface TwimlDocument {
  node: TwimlNode;
  url: string | null;
}

interface CallRun {
  call: CallRecord;
  behaviour: NumberBehaviour;
  epoch: number;
  sequence: number;
  /** Status callbacks go out one after another, in event order... */
  chain: Promise<void>;
  /** ...or, with reorderCallbacks, are held and sent newest first when the call ends. */
  held: WebhookParams[] | null;
  fetches: number;
}

/** Redirect loops end here, like Twilio's own limit on documents per call. */
const MAX_DOCUMENTS = 25;
const MAX_SAID = 20;
const SPEECH_WORDS_PER_SEC = 2.5;

/** Why a call stops running TwiML. */
class HangUp extends Error {}

/**
 * The network's side of a call (TWILIO.md §3): `initiated`, `ringing`, then per the number's voice behaviour
 * either a final busy / no-answer / failed, or an answer that fetches the call's TwiML and runs it —
 * `<Say>`, `<Play>`, `<Pause>`, `<Gather>`, `<Redirect>`, `<Hangup>` — until it hangs up or runs out of verbs,
 * then `completed`. Speech, pauses and silent gathers advance a simulated clock (for CallDuration) instead of
 * waiting; only an interactive gather waits in real time, for digits POSTed to the control API.
 */
@Injectable()
export class CallSimulatorService {
  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly sender: WebhookSenderService,
    private readonly logger: SandboxLogger,
  ) {}

  start(call: CallRecord, behaviour: NumberBehaviour): void {
    const run: CallRun = {
      call,
      behaviour,
      epoch: this.state.epoch,
      sequence: 0,
      chain: Promise.resolve(),
      held: this.state.faults.reorderCallbacks ? [] : null,
      fetches: 0,
    };
    this.run(run).catch((err: unknown) => {
      if (!(err instanceof CancelledError)) this.logger.warn(`call ${call.sid} broke: ${(err as Error).message}`);
    });
  }

  private async run(run: CallRun): Promise<void> {
    const { call, behaviour } = run;
    await this.state.sleep(behaviour.delayMs);
    this.event(run, 'initiated', 'initiated');
    if (behaviour.voice === 'failed') return this.finish(run, 'failed');
    this.setStatus(call, 'ringing');
    this.event(run, 'ringing', 'ringing');
    await this.state.sleep(behaviour.delayMs);
    if (behaviour.voice === 'busy') return this.finish(run, 'busy');
    if (behaviour.voice === 'no-answer') return this.finish(run, 'no-answer');

    this.setStatus(call, 'in-progress');
    call.startedAt = new Date();
    if (call.machineDetection) call.answeredBy = behaviour.voice === 'voicemail' ? 'machine_start' : 'human';
    this.event(run, 'answered', 'in-progress');
    try {
      await this.runTwiml(run);
    } catch (err) {
      if (!(err instanceof HangUp)) throw err;
    }
    return this.finish(run, 'completed');
  }

  // --- TwiML ------------------------------------------------------------------------------------------

  private async runTwiml(run: CallRun): Promise<void> {
    const { call } = run;
    let doc: TwimlDocument | null;
    if (call.url !== null) doc = await this.fetch(run, call.method, call.url, {});
    else if (call.twiml !== null) doc = this.parse(run, call.twiml, null);
    else doc = null;
    while (doc !== null) doc = await this.execute(run, doc);
  }

  /** Runs one document; returns the next one (Gather action, Redirect), or null to hang up. */
  private async execute(run: CallRun, doc: TwimlDocument): Promise<TwimlDocument | null> {
    for (const verb of doc.node.children) {
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          this.play(run.call, verb);
          break;
        case 'Gather': {
          const next = await this.gather(run, doc, verb);
          if (next !== undefined) return next;
          break; // no input: fall through to the next verb
        }
        case 'Redirect': {
          const target = this.resolve(run, verb.text, doc.url);
          return this.fetch(run, method(verb.attrs.method), target, {});
        }
        case 'Hangup':
        case 'Reject':
          return null;
        default:
          this.logger.line(`call ${run.call.sid} skips unsupported <${verb.name}>`);
      }
    }
    return null; // out of verbs: Twilio hangs up
  }

  /** `<Say>`, `<Play>`, `<Pause>`: no audio, but the words are kept and the simulated clock moves. */
  private play(call: CallRecord, verb: TwimlNode): void {
    const loop = Math.max(1, Number(verb.attrs.loop ?? '1') || 1);
    if (verb.name === 'Say') {
      if (call.said.length < MAX_SAID) call.said.push(verb.text);
      const words = verb.text.split(/\s+/).filter(Boolean).length;
      call.durationSec += (loop * words) / SPEECH_WORDS_PER_SEC;
    } else if (verb.name === 'Pause') {
      call.durationSec += Number(verb.attrs.length ?? '1') || 1;
    } else {
      call.durationSec += loop;
    }
  }

  /**
   * `<Gather>`: plays its nested verbs, then takes the number's input. Keys go to the action URL with
   * Digits (without the finishing key) and FinishedOnKey. No input at all falls through to the next verb,
   * unless actionOnEmptyResult is set. Returns undefined to fall through.
   */
  private async gather(run: CallRun, doc: TwimlDocument, gather: TwimlNode): Promise<TwimlDocument | null | undefined> {
    const { call } = run;
    for (const nested of gather.children) this.play(call, nested);
    const timeoutSec = Math.max(1, Number(gather.attrs.timeout ?? '5') || 5);
    const keys = await this.keysFor(run, timeoutSec);
    if (run.epoch !== this.state.epoch) throw new CancelledError();
    const finishOnKey = gather.attrs.finishOnKey ?? '#';
    const numDigits = Number(gather.attrs.numDigits ?? '0') || 0;
    const input = keys === null ? null : readKeys(keys, finishOnKey, numDigits);
    if (keys !== null) call.digits = keys;
    const empty = input === null || (input.digits === '' && input.finishedOnKey === '');
    if (empty && gather.attrs.actionOnEmptyResult !== 'true') return undefined;
    const action = gather.attrs.action === undefined ? doc.url : this.resolve(run, gather.attrs.action, doc.url);
    if (action === null) return null;
    return this.fetch(run, method(gather.attrs.method), action, {
      Digits: input?.digits ?? '',
      FinishedOnKey: input?.finishedOnKey ?? '',
    });
  }

  /** The keys the phone presses in a Gather, or null for none. */
  private async keysFor(run: CallRun, timeoutSec: number): Promise<string | null> {
    switch (run.behaviour.voice) {
      case 'press-pound':
        return '#';
      case 'report-fraud':
        return '0#';
      case 'interactive':
        return this.waitForKeys(run.call, Math.min(timeoutSec, this.settings.interactiveTimeoutCapSec));
      default:
        // silence, voicemail: nobody presses anything; the gather times out.
        run.call.durationSec += timeoutSec;
        return null;
    }
  }

  /** Waits for POST /sandbox/calls/:sid/digits, or the gather's timeout. */
  private waitForKeys(call: CallRecord, timeoutSec: number): Promise<string | null> {
    const started = Date.now();
    return new Promise<string | null>((resolve, reject) => {
      const settle = (keys: string | null): void => {
        call.awaitingDigits = false;
        call.deliverDigits = null;
        call.durationSec += (Date.now() - started) / 1000;
        resolve(keys);
      };
      const cancelTimer = this.state.setTimer(
        timeoutSec * 1000,
        () => settle(null),
        () => {
          call.awaitingDigits = false;
          call.deliverDigits = null;
          reject(new CancelledError());
        },
      );
      call.awaitingDigits = true;
      call.deliverDigits = (keys) => {
        cancelTimer();
        settle(keys);
      };
    });
  }

  private resolve(run: CallRun, target: string, base: string | null): string {
    try {
      // Inline Twiml has no document URL, so its URLs must be absolute (TWILIO.md §3.2).
      return base === null ? new URL(target).toString() : new URL(target, base).toString();
    } catch {
      return this.hangUp(run, `cannot resolve URL "${target}"`);
    }
  }

  private async fetch(
    run: CallRun,
    verbMethod: 'GET' | 'POST',
    url: string,
    extra: WebhookParams,
  ): Promise<TwimlDocument | null> {
    const { call } = run;
    if (++run.fetches > MAX_DOCUMENTS) return this.hangUp(run, `more than ${MAX_DOCUMENTS} TwiML documents`);
    const params = { ...this.voiceParams(call, call.status), ...extra };
    let status: number;
    let body: string;
    try {
      ({ status, body } = await this.sender.fetchTwiml(verbMethod, url, params));
    } catch (err) {
      if (run.epoch !== this.state.epoch) throw new CancelledError();
      return this.hangUp(run, `TwiML fetch failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (run.epoch !== this.state.epoch) throw new CancelledError();
    this.logger.line(`twiml ${call.sid} ${verbMethod} ${shortUrl(url)} → ${status}`);
    // Twilio would say "an application error has occurred" here, and hang up.
    if (status < 200 || status >= 300) return this.hangUp(run, `TwiML fetch answered ${status}`);
    return this.parse(run, body, url);
  }

  private parse(run: CallRun, xml: string, url: string | null): TwimlDocument {
    try {
      const node = parseTwiml(xml);
      if (node.name !== 'Response') return this.hangUp(run, `TwiML root is <${node.name}>, not <Response>`);
      return { node, url };
    } catch (err) {
      return this.hangUp(run, (err as Error).message);
    }
  }

  private hangUp(run: CallRun, error: string): never {
    run.call.error = error;
    this.logger.warn(`call ${run.call.sid} hangs up: ${error}`);
    throw new HangUp(error);
  }

  // --- status and callbacks ---------------------------------------------------------------------------

  private setStatus(call: CallRecord, status: CallStatus): void {
    call.status = status;
    call.updatedAt = new Date();
  }

  private async finish(run: CallRun, status: CallStatus): Promise<void> {
    const { call } = run;
    this.setStatus(call, status);
    call.endedAt = call.updatedAt;
    this.event(run, 'completed', status);
    if (run.held !== null) {
      for (const params of run.held.reverse()) run.chain = run.chain.then(() => this.send(run, params));
    }
    await run.chain;
  }

  /** The standard voice request parameters (TWILIO.md §3.1). */
  private voiceParams(call: CallRecord, callStatus: string): WebhookParams {
    const params: WebhookParams = {
      AccountSid: this.settings.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: callStatus,
      Called: call.to,
      Caller: call.from,
      Direction: 'outbound-api',
      From: call.from,
      To: call.to,
    };
    if (call.answeredBy !== null) params.AnsweredBy = call.answeredBy;
    return params;
  }

  /** Queues the status callback of `event` when the call subscribed to it (always for `completed`). */
  private event(run: CallRun, event: CallEvent, callStatus: string): void {
    const { call } = run;
    if (call.statusCallback === null || !call.events.has(event)) return;
    const params: WebhookParams = {
      ...this.voiceParams(call, callStatus),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(run.sequence++),
      Timestamp: rfc2822(new Date()),
    };
    if (event === 'completed') {
      const seconds = call.startedAt === null ? 0 : Math.max(1, Math.round(call.durationSec));
      params.CallDuration = String(seconds);
      params.Duration = String(Math.ceil(seconds / 60));
    }
    if (run.held !== null) run.held.push(params);
    else run.chain = run.chain.then(() => this.send(run, params));
  }

  private async send(run: CallRun, params: WebhookParams): Promise<void> {
    const { call } = run;
    if (call.statusCallback === null || run.epoch !== this.state.epoch) return;
    const callback = {
      url: call.statusCallback,
      method: call.statusCallbackMethod,
      params,
      label: `${call.sid} ${params.CallStatus}`,
      idempotencyToken: WebhookSenderService.newIdempotencyToken(call.sid),
    };
    await this.sender.statusCallback(callback);
    if (this.settings.random() < this.state.faults.duplicateCallbacks) await this.sender.statusCallback(callback);
  }
}

function method(value: string | undefined): 'GET' | 'POST' {
  return value !== undefined && value.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

/**
 * Keys as typed → what the Gather submits: digits up to the finishing key (which is reported separately),
 * or up to numDigits. `#` → Digits '' FinishedOnKey '#'; `0#` → Digits '0' FinishedOnKey '#'.
 */
export function readKeys(keys: string, finishOnKey: string, numDigits: number): { digits: string; finishedOnKey: string } {
  let digits = '';
  for (const key of keys) {
    if (finishOnKey !== '' && key === finishOnKey) return { digits, finishedOnKey: key };
    if (key === 'w' || key === 'W') continue;
    digits += key;
    if (numDigits > 0 && digits.length >= numDigits) break;
  }
  return { digits, finishedOnKey: '' };
}
