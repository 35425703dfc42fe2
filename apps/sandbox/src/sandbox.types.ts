/** The sandbox's model of the phone network: behaviours per number, and what it remembers of texts and calls. */

import type { SmsBehaviour, VoiceBehaviour } from '@redial/contracts';

// The behaviour lists are the control API's, declared once in libs/contracts.
export { SMS_BEHAVIOURS, VOICE_BEHAVIOURS } from '@redial/contracts';
export type { SmsBehaviour, VoiceBehaviour };

export interface NumberBehaviour {
  sms: SmsBehaviour;
  /** ErrorCode for `undelivered` / `failed` texts (defaults 30003 / 30008). */
  smsErrorCode?: number;
  voice: VoiceBehaviour;
  /**
   * Sandbox extension for conformance tests: the keys (`0-9*#`, `w` = half a second's pause) the caller types
   * when an answering voice behaviour (`press-pound`, `report-fraud`, `silence`) picks up, instead of its
   * scripted ones (`#`, `0#`, none).
   */
  keys?: string;
  /** Simulated network latency before each step of a text or call. */
  delayMs: number;
  /**
   * Sandbox extension: how long the phone rings before it is answered, busy or gives up (`no-answer`); defaults
   * to delayMs. A long ring lets a test end a call while it is still ringing.
   */
  ringMs?: number;
}

/** Voice behaviours whose scripted keys `keys` replaces. */
export const KEYED_VOICE_BEHAVIOURS: readonly VoiceBehaviour[] = ['press-pound', 'report-fraud', 'silence'];

export const DEFAULT_BEHAVIOUR: Readonly<NumberBehaviour> = Object.freeze({
  sms: 'deliver',
  voice: 'press-pound',
  delayMs: 100,
});

export interface Faults {
  /** Share of REST requests answered 429 / 20429 (nothing is created). */
  rate429: number;
  /** Share of REST requests answered 500 / 20500 (nothing is created). */
  rate500: number;
  /** Added to every REST response. */
  latencyMs: number;
  /** Share of status callbacks delivered twice. */
  duplicateCallbacks: number;
  /** Deliver each resource's status callbacks newest first. */
  reorderCallbacks: boolean;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  rate429: 0,
  rate500: 0,
  latencyMs: 0,
  duplicateCallbacks: 0,
  reorderCallbacks: false,
});

export type MessageStatus = 'accepted' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface MessageRecord {
  sid: string;
  to: string;
  from: string;
  messagingServiceSid: string | null;
  body: string;
  status: MessageStatus;
  errorCode: number | null;
  statusCallback: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  numSegments: number;
}

export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export type CallEvent = 'initiated' | 'ringing' | 'answered' | 'completed';
export const CALL_EVENTS: readonly CallEvent[] = ['initiated', 'ringing', 'answered', 'completed'];

export interface CallRecord {
  sid: string;
  to: string;
  from: string;
  status: CallStatus;
  /** TwiML source: a URL fetched with `method`, or inline TwiML when url is null. */
  url: string | null;
  method: 'GET' | 'POST';
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  events: ReadonlySet<CallEvent>;
  machineDetection: boolean;
  timeoutSec: number;
  answeredBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Simulated seconds of conversation (speech, pauses, gather waits), for CallDuration. */
  durationSec: number;
  /** Keys the caller has pressed into Gathers so far, finishing keys included ("#", "0#"); '' while none. */
  digits: string;
  /** What the call said, in order (capped). */
  said: string[];
  /** True while a Gather listens for keys. */
  awaitingDigits: boolean;
  /** Types keys on the caller's phone (queued for the next Gather); null once the call has ended. */
  pressKeys: ((keys: string) => void) | null;
  error: string | null;
}

/** Final call statuses: a call in one of them never changes again. */
export const FINAL_CALL_STATUSES: ReadonlySet<CallStatus> = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
