import { attemptStatusFromCall, attemptStatusFromMessage, type AttemptStatus } from './status.mapping';
import type { TwilioParams } from './twilio-signature';

/** A message status callback, reduced to what the webhook handler needs (TWILIO.md §2). */
export interface SmsStatusEvent {
  sid: string;
  /** Twilio's MessageStatus as sent. */
  twilioStatus: string;
  /** Ours, or undefined for statuses that do not concern an outbound attempt. */
  status: AttemptStatus | undefined;
  errorCode?: number;
}

/** A call status callback (TWILIO.md §3.1). */
export interface CallStatusEvent {
  sid: string;
  twilioStatus: string;
  status: AttemptStatus | undefined;
  sequenceNumber?: number;
  answeredBy?: string;
  sipResponseCode?: number;
  /** Seconds, only on the completed event. */
  callDuration?: number;
}

function first(params: TwilioParams, key: string): string | undefined {
  const value = params[key];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

function int(params: TwilioParams, key: string): number | undefined {
  const text = first(params, key);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** Null when the body lacks the SID or status (not a message status callback). */
export function parseSmsStatusCallback(params: TwilioParams): SmsStatusEvent | null {
  const sid = first(params, 'MessageSid') ?? first(params, 'SmsSid');
  const twilioStatus = first(params, 'MessageStatus') ?? first(params, 'SmsStatus');
  if (sid === undefined || twilioStatus === undefined) return null;
  const errorCode = int(params, 'ErrorCode');
  return {
    sid,
    twilioStatus,
    status: attemptStatusFromMessage(twilioStatus),
    ...(errorCode !== undefined && { errorCode }),
  };
}

/** Null when the body lacks CallSid or CallStatus. */
export function parseCallStatusCallback(params: TwilioParams): CallStatusEvent | null {
  const sid = first(params, 'CallSid');
  const twilioStatus = first(params, 'CallStatus');
  if (sid === undefined || twilioStatus === undefined) return null;
  const sequenceNumber = int(params, 'SequenceNumber');
  const answeredBy = first(params, 'AnsweredBy');
  const sipResponseCode = int(params, 'SipResponseCode');
  const callDuration = int(params, 'CallDuration');
  return {
    sid,
    twilioStatus,
    status: attemptStatusFromCall(twilioStatus),
    ...(sequenceNumber !== undefined && { sequenceNumber }),
    ...(answeredBy !== undefined && { answeredBy }),
    ...(sipResponseCode !== undefined && { sipResponseCode }),
    ...(callDuration !== undefined && { callDuration }),
  };
}

/** What a voice request (the TwiML fetch, a gather action) carries that the call turn reads (TWILIO.md §3). */
export interface VoiceRequest {
  /** AMD result on the TwiML fetch, when MachineDetection was requested. */
  answeredBy?: string;
  /** The keys a `<Gather>` received (empty when none). */
  digits: string;
}

export function parseVoiceRequest(params: TwilioParams): VoiceRequest {
  const answeredBy = first(params, 'AnsweredBy');
  return { ...(answeredBy !== undefined && { answeredBy }), digits: first(params, 'Digits') ?? '' };
}
