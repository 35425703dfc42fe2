import type { CallCompletion, ProviderVerdict } from './outcome.classification';
import type { CallStatusEvent, SmsStatusEvent, VoiceRequest } from './status-callback.parser';
import type { TwilioParams } from './twilio-signature';

/**
 * The port the worker and the webhooks talk to. One adapter per vendor sits behind it
 * (twilio-telephony.provider.ts); vendor statuses are mapped to ours in status.mapping.ts and
 * vendor errors are classified in outcome.classification.ts. Apps read the vendor's callbacks and errors
 * through this port (the injected TELEPHONY_PROVIDER), not through those files' functions.
 */

export interface SendSmsRequest {
  to: string;
  body: string;
  statusCallbackUrl: string;
  /** Seconds the message may wait in the provider's queue; keep it within the challenge's remaining life. */
  validitySec: number;
}

export interface PlaceCallRequest {
  to: string;
  /** Absolute URL the provider fetches TwiML from when the call is answered. */
  twimlUrl: string;
  statusCallbackUrl: string;
  /** Seconds to ring before no-answer (Twilio `Timeout`). */
  ringTimeoutSec: number;
  /** DTMF sent after connect, e.g. an office extension: "ww1234". */
  sendDigits?: string;
  /** Answering-machine detection, so voicemail is recognised and not treated as the person. */
  machineDetection: boolean;
}

export interface ProviderReceipt {
  /** The provider's id for the message or call (Twilio SID). */
  sid: string;
  /** The provider's first status, e.g. `queued`. */
  status: string;
}

/**
 * A text or call a send may already have made, to find it at the provider: sent to `to`, created at or after
 * `since` (the attempt's creation). A text must also carry `bodyIncludes` (its code line, which no other text
 * carries); a call must come from our caller ID.
 */
export type SentQuery = { channel: 'sms'; to: string; since: Date; bodyIncludes: string } | { channel: 'call'; to: string; since: Date };

/**
 * How to end a call: `canceled` stops one still queued or ringing (and does nothing to an answered one);
 * `completed` hangs up an answered one.
 */
export type EndCallStatus = 'canceled' | 'completed';

export interface EndCallReceipt {
  /** The call's status after the request, e.g. `canceled`, `completed`, or still `in-progress`. */
  status: string;
}

export const TELEPHONY_PROVIDER = Symbol('TELEPHONY_PROVIDER');

export interface TelephonyProvider {
  readonly name: string;
  sendSms(request: SendSmsRequest): Promise<ProviderReceipt>;
  placeCall(request: PlaceCallRequest): Promise<ProviderReceipt>;
  /** Ends a call placed earlier (a challenge that moved on must not leave a phone ringing). */
  endCall(sid: string, status: EndCallStatus): Promise<EndCallReceipt>;
  /**
   * The texts or calls that match `query`, oldest first. The Messages and Calls APIs take no idempotency key, so a
   * send whose answer was lost (the process died after the provider call, or the request timed out) is found
   * here before it is made a second time.
   */
  findSent(query: SentQuery): Promise<ProviderReceipt[]>;

  /** A message status callback's form fields; null when they are not one. */
  parseSmsStatusCallback(params: TwilioParams): SmsStatusEvent | null;
  /** A call status callback's form fields; null when they are not one. */
  parseCallStatusCallback(params: TwilioParams): CallStatusEvent | null;
  /** The fields of a voice request (the TwiML fetch, a gather action) that the call turn reads. */
  parseVoiceRequest(params: TwilioParams): VoiceRequest;

  /** What an error thrown by sendSms/placeCall/endCall means: retry, fail the step, or a configuration problem. */
  classifyError(err: unknown): ProviderVerdict;
  /** A message status callback's verdict: null while in flight or once delivered, else why it failed. */
  classifySmsCallback(status: string, errorCode?: string | number | null): ProviderVerdict | null;
  /** A call's final status: null when the person answered through the prompt, else why it failed. */
  classifyCallCompletion(completion: CallCompletion): ProviderVerdict | null;
}
