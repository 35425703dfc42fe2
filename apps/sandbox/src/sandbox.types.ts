/** The sandbox's model of the phone network: behaviours per number, and what it remembers of texts and calls. */

export const SMS_BEHAVIOURS = ['deliver', 'undelivered', 'failed', 'silent'] as const;
export const VOICE_BEHAVIOURS = [
  'press-pound',
  'report-fraud',
  'no-answer',
  'busy',
  'failed',
  'voicemail',
  'silence',
  'interactive',
] as const;

export type SmsBehaviour = (typeof SMS_BEHAVIOURS)[number];
export type VoiceBehaviour = (typeof VOICE_BEHAVIOURS)[number];

export interface NumberBehaviour {
  sms: SmsBehaviour;
  /** ErrorCode for `undelivered` / `failed` texts (defaults 30003 / 30008). */
  smsErrorCode?: number;
  voice: VoiceBehaviour;
  /** Simulated network latency before each step of a text or call. */
  delayMs: number;
}

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
  /** Keys pressed, finishing key included ("#", "0#"); '' while none. */
  digits: string;
  /** What the call said, in order (capped). */
  said: string[];
  awaitingDigits: boolean;
  /** Set while an interactive Gather waits; resolves with the keys typed, or null on timeout. */
  deliverDigits: ((keys: string | null) => void) | null;
  error: string | null;
}
