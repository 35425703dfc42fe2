/** The sandbox's model of the phone network: behaviours per number, and what it remembers of texts and calls. */

import type { FaultsView, NumberBehaviourView, SmsBehaviour, VoiceBehaviour } from '@redial/contracts';

// The behaviour lists are the control API's, declared once in libs/contracts.
export { SMS_BEHAVIOURS, VOICE_BEHAVIOURS } from '@redial/contracts';
export type { SmsBehaviour, VoiceBehaviour };

/**
 * A number's behaviour, as the control API reads and answers it (declared once in libs/contracts): texts, calls,
 * `keys` the caller types once an answering behaviour picks up, `delayMs` of network latency per step, `ringMs`
 * of ringing (defaults to delayMs).
 */
export type NumberBehaviour = NumberBehaviourView;

/** Voice behaviours whose scripted keys `keys` replaces. */
export const KEYED_VOICE_BEHAVIOURS: readonly VoiceBehaviour[] = ['press-pound', 'report-fraud', 'silence'];

export const DEFAULT_BEHAVIOUR: Readonly<NumberBehaviour> = Object.freeze({
  sms: 'deliver',
  voice: 'press-pound',
  delayMs: 100,
});

/** Injected faults (the control API's `PUT /sandbox/faults`, declared in libs/contracts). */
export type Faults = FaultsView;

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
