import { randomUUID } from 'node:crypto';
import { carrierErrorMessage } from './carrier-error.rules';
import type { CallRecord, MessageRecord } from './sandbox.types';
import type { CallCreate } from './twilio-request.validation';

const API_VERSION = '2010-04-01';

/** `SM` / `CA` + 32 lowercase hex characters. */
export function newSid(prefix: string): string {
  const id = randomUUID();
  return prefix + id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24);
}

/** A call as created: queued, nothing said or pressed yet. */
export function newCallRecord(sid: string, input: CallCreate, now = new Date()): CallRecord {
  return {
    sid,
    ...input,
    status: 'queued',
    answeredBy: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    endedAt: null,
    durationSec: 0,
    digits: '',
    said: [],
    awaitingDigits: false,
    pressKeys: null,
    error: null,
  };
}

let cachedSecond = -1;
let cachedText = '';

/** RFC 2822 in UTC with a literal `+0000`, as the SDK parses it (cached per second: it is on the hot path). */
export function rfc2822(date: Date): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedText = date.toUTCString().replace('GMT', '+0000');
  }
  return cachedText;
}

let cachedMinute = -1;
let cachedDoneDate = '';

/** `YYMMDDhhmm` in UTC, the carrier's DLR "done date" of a status callback (cached per minute, like rfc2822). */
export function rawDlrDoneDate(date: Date): string {
  const minute = Math.floor(date.getTime() / 60_000);
  if (minute !== cachedMinute) {
    cachedMinute = minute;
    cachedDoneDate = date.toISOString().replace(/[-:T]/g, '').slice(2, 12);
  }
  return cachedDoneDate;
}

/** GSM-7 texts take 160 characters in one segment and 153 per part; anything else (UCS-2) 70 and 67. */
export function countSegments(body: string): number {
  // Up to 70 UTF-16 units is one segment in either alphabet (a code is a short text): no need to look closer.
  if (body.length <= 70) return 1;
  // eslint-disable-next-line no-control-regex
  const gsm = /^[\x20-\x7E\n\r£¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà€]*$/.test(body);
  const single = gsm ? 160 : 70;
  const part = gsm ? 153 : 67;
  const length = [...body].length;
  return length <= single ? 1 : Math.ceil(length / part);
}

function formatNanp(e164: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m === null ? e164 : `(${m[1]}) ${m[2]}-${m[3]}`;
}

export function messageJson(accountSid: string, m: MessageRecord): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}`;
  return {
    account_sid: accountSid,
    api_version: API_VERSION,
    body: m.body,
    date_created: rfc2822(m.createdAt),
    date_sent: m.sentAt === null ? null : rfc2822(m.sentAt),
    date_updated: rfc2822(m.updatedAt),
    direction: 'outbound-api',
    error_code: m.errorCode,
    error_message: carrierErrorMessage(m.errorCode),
    from: m.from,
    messaging_service_sid: m.messagingServiceSid,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: m.sentAt === null ? null : (-0.0079 * m.numSegments).toFixed(5),
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `${uri}/Media.json` },
    to: m.to,
    uri: `${uri}.json`,
  };
}

export function callJson(accountSid: string, c: CallRecord): Record<string, unknown> {
  const uri = `/2010-04-01/Accounts/${accountSid}/Calls/${c.sid}`;
  const duration =
    c.endedAt === null ? null : String(c.startedAt === null ? 0 : Math.max(0, Math.round(c.durationSec)));
  return {
    sid: c.sid,
    account_sid: accountSid,
    to: c.to,
    to_formatted: formatNanp(c.to),
    from: c.from,
    from_formatted: formatNanp(c.from),
    status: c.status,
    direction: 'outbound-api',
    date_created: rfc2822(c.createdAt),
    date_updated: rfc2822(c.updatedAt),
    start_time: c.startedAt === null ? null : rfc2822(c.startedAt),
    end_time: c.endedAt === null ? null : rfc2822(c.endedAt),
    duration,
    price: null,
    price_unit: 'USD',
    answered_by: c.answeredBy,
    api_version: API_VERSION,
    annotation: null,
    caller_name: null,
    forwarded_from: null,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: `PN${'0'.repeat(32)}`,
    queue_time: '0',
    trunk_sid: null,
    subresource_uris: {
      notifications: `${uri}/Notifications.json`,
      recordings: `${uri}/Recordings.json`,
    },
    uri: `${uri}.json`,
  };
}
