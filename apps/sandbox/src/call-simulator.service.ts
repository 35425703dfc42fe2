import { Inject, Injectable } from '@nestjs/common';
import { CallerKeys } from './caller-keys.queue';
import { SandboxLogger, shortUrl } from './sandbox.logger';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { CancelledError, SandboxStateService } from './sandbox-state.service';
import {
  type CallEvent,
  type CallRecord,
  type CallStatus,
  KEYED_VOICE_BEHAVIOURS,
  type NumberBehaviour,
  type VoiceBehaviour,
} from './sandbox.types';
import { type TwimlResponse, TwimlInterpreter, type TwimlSource } from './twiml.interpreter';
import { rfc2822 } from './twilio-resource.serializer';
import { WebhookSenderService, type WebhookParams } from './webhook-sender.service';

interface CallRun {
  call: CallRecord;
  behaviour: NumberBehaviour;
  epoch: number;
  sequence: number;
  /** Status callbacks go out one after another, in event order... */
  chain: Promise<void>;
  /** ...or, with reorderCallbacks, are held and sent newest first when the call ends. */
  held: WebhookParams[] | null;
  keys: CallerKeys;
  interpreter: TwimlInterpreter | null;
  /** Set with the final status: from then on nothing more happens on the network for this call. */
  ended: boolean;
  /** Ends the current ringing-phase wait early (the call was canceled through the REST API). */
  wake: (() => void) | null;
}

/** What the scripted callers type once they pick up (`keys` on the number replaces it). */
const SCRIPTED_KEYS: Partial<Record<VoiceBehaviour, string>> = {
  'press-pound': '#',
  'report-fraud': '0#',
  silence: '',
};

/** `SipResponseCode` on the final callback of calls that never connected (observed in Twilio's callbacks). */
const SIP_RESPONSE_CODES: Partial<Record<CallStatus, string>> = {
  failed: '404',
  busy: '486',
  'no-answer': '480',
};

/**
 * The network's side of a call (TWILIO.md §3): `initiated`, `ringing`, then per the number's voice behaviour
 * either a final busy / no-answer / failed, or an answer that runs the call's TwiML (twiml.interpreter.ts) until
 * it hangs up, then `completed`. The caller's keys are a queue (caller-keys.queue.ts): scripted behaviours type
 * theirs when they pick up; an `interactive` caller's come from POST /sandbox/calls/:sid/digits, in real time.
 *
 * A call can also be ended or redirected through the REST API (Calls/{Sid}.json): cancel(), hangUp(), redirect().
 */
@Injectable()
export class CallSimulatorService {
  private readonly runs = new Map<string, CallRun>();

  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly sender: WebhookSenderService,
    private readonly logger: SandboxLogger,
  ) {}

  start(call: CallRecord, behaviour: NumberBehaviour): void {
    const interactive = behaviour.voice === 'interactive';
    const keys = new CallerKeys({
      realTime: interactive
        ? { capSec: this.settings.interactiveTimeoutCapSec, setTimer: (ms, fire, onCancel) => this.state.setTimer(ms, fire, onCancel) }
        : undefined,
      onKey: (key) => {
        call.digits += key;
      },
    });
    const run: CallRun = {
      call,
      behaviour,
      epoch: this.state.epoch,
      sequence: 0,
      chain: Promise.resolve(),
      held: this.state.faults.reorderCallbacks ? [] : null,
      keys,
      interpreter: null,
      ended: false,
      wake: null,
    };
    call.pressKeys = (typed) => keys.type(typed);
    this.runs.set(call.sid, run);
    this.run(run)
      .catch((err: unknown) => {
        // A reset or shutdown stops every call silently.
        if (err instanceof CancelledError || run.epoch !== this.state.epoch) return;
        this.logger.warn(`call ${call.sid} broke: ${(err as Error).message}`);
      })
      .finally(() => {
        if (this.runs.get(call.sid) === run) this.runs.delete(call.sid);
        call.pressKeys = null;
        call.awaitingDigits = false;
      });
  }

  /**
   * `Status=canceled` (or `completed`) on a call that is queued or ringing: it ends `canceled` at once, with a
   * `completed`-event callback. Returns false when the call is not queued or ringing (nothing changes).
   */
  cancel(call: CallRecord): boolean {
    const run = this.runs.get(call.sid);
    if (run === undefined || run.ended || (call.status !== 'queued' && call.status !== 'ringing')) return false;
    void this.finish(run, 'canceled');
    run.wake?.();
    return true;
  }

  /** `Status=completed` on a call in progress: it hangs up at once and ends `completed`. */
  hangUp(call: CallRecord): boolean {
    const run = this.runs.get(call.sid);
    if (run === undefined || run.ended || call.status !== 'in-progress') return false;
    // A real-time Gather wait in progress counts towards the call's duration up to now.
    const seconds = (run.interpreter?.durationSec ?? 0) + run.keys.waitingSec;
    run.interpreter?.stop();
    call.durationSec = seconds;
    void this.finish(run, 'completed');
    return true;
  }

  /** `Url`/`Twiml` on a call in progress: its current TwiML is abandoned and `source` runs instead. */
  redirect(call: CallRecord, source: TwimlSource): boolean {
    const run = this.runs.get(call.sid);
    if (run === undefined || run.ended || call.status !== 'in-progress' || run.interpreter === null) return false;
    this.logger.line(`call ${call.sid} redirected to ${'url' in source ? shortUrl(source.url) : 'inline Twiml'}`);
    run.interpreter.redirect(source);
    return true;
  }

  private async run(run: CallRun): Promise<void> {
    const { call, behaviour } = run;
    await this.wait(run, behaviour.delayMs);
    if (run.ended) return;
    this.event(run, 'initiated', 'initiated');
    if (behaviour.voice === 'failed') return this.finish(run, 'failed');
    this.setStatus(call, 'ringing');
    this.event(run, 'ringing', 'ringing');
    await this.wait(run, behaviour.ringMs ?? behaviour.delayMs);
    if (run.ended) return;
    if (behaviour.voice === 'busy') return this.finish(run, 'busy');
    if (behaviour.voice === 'no-answer') return this.finish(run, 'no-answer');

    this.setStatus(call, 'in-progress');
    call.startedAt = new Date();
    if (call.machineDetection) call.answeredBy = behaviour.voice === 'voicemail' ? 'machine_start' : 'human';
    this.event(run, 'answered', 'in-progress');
    const scripted = SCRIPTED_KEYS[behaviour.voice];
    if (scripted !== undefined) {
      const custom = KEYED_VOICE_BEHAVIOURS.includes(behaviour.voice) ? behaviour.keys : undefined;
      run.keys.type(custom ?? scripted);
    }
    const interpreter = new TwimlInterpreter({
      fetch: (method, url, params) => this.fetchTwiml(run, method, url, params),
      keys: run.keys,
      params: () => this.voiceParams(call, call.status),
      said: call.said,
      onListening: (listening) => {
        call.awaitingDigits = listening;
      },
      log: (line) => this.logger.line(`call ${call.sid} ${line}`),
    });
    run.interpreter = interpreter;
    const source: TwimlSource | null =
      call.url !== null ? { url: call.url, method: call.method } : call.twiml !== null ? { twiml: call.twiml } : null;
    if (source !== null) {
      const end = await interpreter.run(source);
      if (run.epoch !== this.state.epoch) throw new CancelledError();
      if (end.error !== undefined) {
        call.error = end.error;
        this.logger.warn(`call ${call.sid} hangs up: ${end.error}`);
      }
    }
    if (run.ended) return; // hung up through the REST API, already final
    call.durationSec = interpreter.durationSec;
    return this.finish(run, 'completed');
  }

  /** Sleeps `ms` of network time; a cancel wakes it early (the caller then sees `run.ended`). */
  private wait(run: CallRun, ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancel = this.state.setTimer(
        ms,
        () => {
          run.wake = null;
          resolve();
        },
        () => reject(new CancelledError()),
      );
      run.wake = () => {
        cancel();
        run.wake = null;
        resolve();
      };
    });
  }

  private async fetchTwiml(
    run: CallRun,
    method: 'GET' | 'POST',
    url: string,
    params: Record<string, string>,
  ): Promise<TwimlResponse> {
    let response: TwimlResponse;
    try {
      response = await this.sender.fetchTwiml(method, url, params);
    } finally {
      // After a reset nothing of this call may run any more.
      if (run.epoch !== this.state.epoch) run.interpreter?.stop();
    }
    this.logger.line(`twiml ${run.call.sid} ${method} ${shortUrl(url)} → ${response.status}`);
    return response;
  }

  // --- status and callbacks ---------------------------------------------------------------------------

  private setStatus(call: CallRecord, status: CallStatus): void {
    call.status = status;
    call.updatedAt = new Date();
  }

  /** The final status, once: its `completed`-event callback, and the held ones when reordering. */
  private finish(run: CallRun, status: CallStatus): Promise<void> {
    if (run.ended) return run.chain;
    run.ended = true;
    const { call } = run;
    call.pressKeys = null;
    call.awaitingDigits = false;
    this.setStatus(call, status);
    call.endedAt = call.updatedAt;
    this.event(run, 'completed', status);
    if (run.held !== null) {
      for (const params of run.held.reverse()) run.chain = run.chain.then(() => this.send(run, params));
      run.held = [];
    }
    return run.chain;
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
      const sip = SIP_RESPONSE_CODES[call.status];
      if (sip !== undefined) params.SipResponseCode = sip;
    }
    // The URL and method are read now: a call update may have changed them.
    const target = { url: call.statusCallback, method: call.statusCallbackMethod };
    if (run.held !== null) run.held.push(params);
    else run.chain = run.chain.then(() => this.send(run, params, target));
  }

  private async send(run: CallRun, params: WebhookParams, target?: { url: string; method: 'GET' | 'POST' }): Promise<void> {
    const { call } = run;
    const url = target?.url ?? call.statusCallback;
    if (url === null || run.epoch !== this.state.epoch) return;
    const callback = {
      url,
      method: target?.method ?? call.statusCallbackMethod,
      params,
      label: `${call.sid} ${params.CallStatus}`,
      idempotencyToken: WebhookSenderService.newIdempotencyToken(call.sid),
    };
    await this.sender.statusCallback(callback);
    if (this.settings.random() < this.state.faults.duplicateCallbacks) await this.sender.statusCallback(callback);
  }
}
