import { callMagicError, messageMagicError } from './magic-number.rules';
import { CALL_EVENTS, type CallEvent } from './sandbox.types';
import { apiError } from './twilio-api.error';
import type { TwimlSource } from './twiml.interpreter';

/** A parsed form body: repeated keys arrive as arrays (`StatusCallbackEvent`). */
export type FormBody = Record<string, string | string[] | undefined>;

export interface MessageCreate {
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
}

export interface CallCreate {
  to: string;
  from: string;
  url: string | null;
  method: 'GET' | 'POST';
  twiml: string | null;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  events: Set<CallEvent>;
  machineDetection: boolean;
  timeoutSec: number;
}

export interface CallUpdate {
  status: 'canceled' | 'completed' | null;
  /** New instructions (Url, else Twiml), or null. */
  source: TwimlSource | null;
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST' | null;
}

export function one(form: FormBody, key: string): string | undefined {
  const value = form[key];
  const text: unknown = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' && text !== '' ? text : undefined;
}

function many(form: FormBody, key: string): string[] {
  const value = form[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** E.164; NANP (+1) numbers must have exactly ten digits after the country code. */
export function isE164(value: string): boolean {
  if (!/^\+[1-9]\d{6,14}$/.test(value)) return false;
  return !value.startsWith('+1') || value.length === 12;
}

function isCallbackUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !url.hostname.includes('_');
}

function method(value: string | undefined): 'GET' | 'POST' {
  return value !== undefined && value.toUpperCase() === 'GET' ? 'GET' : 'POST';
}

/**
 * POST Messages.json, validated in Twilio's order (TWILIO.md §8): To present, From or MessagingServiceSid,
 * Body, magic numbers, E.164, then the callback URL.
 */
export function parseMessageCreate(form: FormBody): MessageCreate {
  const to = one(form, 'To');
  if (to === undefined) throw apiError.toRequired();
  const from = one(form, 'From');
  const messagingServiceSid = one(form, 'MessagingServiceSid');
  if (from === undefined && messagingServiceSid === undefined) throw apiError.fromRequired();
  const body = one(form, 'Body');
  if (body === undefined && one(form, 'MediaUrl') === undefined && one(form, 'ContentSid') === undefined) {
    throw apiError.bodyRequired();
  }
  if (body !== undefined && body.length > 1600) throw apiError.bodyTooLong();
  const magic = messageMagicError(from, to);
  if (magic !== undefined) throw magic;
  if (!isE164(to)) throw apiError.invalidTo(to);
  if (from !== undefined && !isE164(from)) throw apiError.invalidFrom(from);
  if (from === undefined && messagingServiceSid !== undefined && !/^MG[0-9a-f]{32}$/.test(messagingServiceSid)) {
    throw apiError.invalidServiceSid(messagingServiceSid);
  }
  const statusCallback = one(form, 'StatusCallback');
  if (statusCallback !== undefined && !isCallbackUrl(statusCallback)) throw apiError.invalidStatusCallback();
  return {
    to,
    from: from ?? null,
    messagingServiceSid: messagingServiceSid ?? null,
    body: body ?? '',
    statusCallback: statusCallback ?? null,
  };
}

/** POST Calls.json: To, From, instructions (Url or Twiml), magic numbers, E.164, URLs, events. */
export function parseCallCreate(form: FormBody): CallCreate {
  const to = one(form, 'To');
  if (to === undefined) throw apiError.callToRequired();
  const from = one(form, 'From');
  if (from === undefined) throw apiError.callFromRequired();
  const url = one(form, 'Url');
  const twiml = one(form, 'Twiml');
  if (url === undefined && twiml === undefined && one(form, 'ApplicationSid') === undefined) {
    throw apiError.callUrlRequired();
  }
  const magic = callMagicError(from, to);
  if (magic !== undefined) throw magic;
  if (!isE164(to)) throw apiError.callInvalidTo(to);
  if (!isE164(from)) throw apiError.invalidFrom(from);
  // Twiml is ignored when Url is present (TWILIO.md §1.3).
  if (url !== undefined && !isCallbackUrl(url)) throw apiError.callInvalidUrl(url);
  const statusCallback = one(form, 'StatusCallback');
  if (statusCallback !== undefined && !isCallbackUrl(statusCallback)) throw apiError.invalidStatusCallback();
  const events = new Set<CallEvent>(['completed']);
  for (const event of many(form, 'StatusCallbackEvent').flatMap((e) => e.split(' ')).filter(Boolean)) {
    if (!(CALL_EVENTS as readonly string[]).includes(event)) throw apiError.invalidStatusCallbackEvent(event);
    events.add(event as CallEvent);
  }
  const detection = one(form, 'MachineDetection');
  const timeout = Number(one(form, 'Timeout') ?? '60');
  return {
    to,
    from,
    url: url ?? null,
    method: method(one(form, 'Method')),
    twiml: url === undefined ? (twiml ?? null) : null,
    statusCallback: statusCallback ?? null,
    statusCallbackMethod: method(one(form, 'StatusCallbackMethod')),
    events,
    // Twilio ignores MachineDetection when SendDigits is set.
    machineDetection:
      (detection === 'Enable' || detection === 'DetectMessageEnd') && one(form, 'SendDigits') === undefined,
    timeoutSec: Number.isFinite(timeout) ? Math.min(600, Math.max(1, Math.round(timeout))) : 60,
  };
}

/**
 * POST Calls/{Sid}.json: `Status` (canceled | completed), or new instructions (`Url` + `Method`, or `Twiml`), and
 * optionally a new `StatusCallback`. The OpenAPI calls Url and Twiml mutually exclusive; given both, Url wins, as
 * on create (TWILIO.md §1.3).
 */
export function parseCallUpdate(form: FormBody): CallUpdate {
  const status = one(form, 'Status');
  if (status !== undefined && status !== 'canceled' && status !== 'completed') throw apiError.invalidCallStatus(status);
  const url = one(form, 'Url');
  if (url !== undefined && !isCallbackUrl(url)) throw apiError.callInvalidUrl(url);
  const twiml = one(form, 'Twiml');
  const statusCallback = one(form, 'StatusCallback');
  if (statusCallback !== undefined && !isCallbackUrl(statusCallback)) throw apiError.invalidStatusCallback();
  const callbackMethod = one(form, 'StatusCallbackMethod');
  return {
    status: status ?? null,
    source: url !== undefined ? { url, method: method(one(form, 'Method')) } : twiml !== undefined ? { twiml } : null,
    statusCallback: statusCallback ?? null,
    statusCallbackMethod: callbackMethod === undefined ? null : method(callbackMethod),
  };
}
