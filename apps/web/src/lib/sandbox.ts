import { request } from './api';

/** The sandbox's control API (proxied by the api app under /sandbox/*), read tolerantly. */

export const SMS_BEHAVIOURS = ['deliver', 'undelivered', 'failed', 'silent'] as const;
export const VOICE_BEHAVIOURS = [
  'press-pound',
  'report-fraud',
  'interactive',
  'no-answer',
  'busy',
  'voicemail',
  'silence',
  'failed',
] as const;
export type SmsBehaviour = (typeof SMS_BEHAVIOURS)[number];
export type VoiceBehaviour = (typeof VOICE_BEHAVIOURS)[number];

export interface SandboxBehaviour {
  sms?: string;
  voice?: string;
  /** Keys a scripted caller types instead of its own (a conformance-test extension); null removes them. */
  keys?: string | null;
  delayMs?: number;
}

export interface SandboxNumber {
  e164: string;
  behaviour: SandboxBehaviour;
  messages?: number;
  calls?: number;
}

export interface SandboxMessage {
  sid: string;
  body: string;
  status: string;
  at: string;
}

export interface SandboxCall {
  sid: string;
  status: string;
  /** Keys pressed into the call's Gathers so far. */
  digits: string;
  at: string;
  /** A Gather is listening for keys right now. */
  awaitingDigits?: boolean;
}

export interface SandboxInbox {
  messages: SandboxMessage[];
  calls: SandboxCall[];
}

type Loose = Record<string, unknown>;
const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : Array.isArray(v) ? v.length : undefined);

function normaliseNumber(raw: unknown): SandboxNumber | null {
  if (typeof raw === 'string') return { e164: raw, behaviour: {} };
  if (!isObj(raw)) return null;
  const e164 = str(raw.e164) ?? str(raw.number) ?? str(raw.phone) ?? str(raw.to);
  if (!e164) return null;
  const b = isObj(raw.behaviour) ? raw.behaviour : isObj(raw.behavior) ? raw.behavior : raw;
  return {
    e164,
    behaviour: {
      sms: str(b.sms),
      voice: str(b.voice),
      keys: typeof b.keys === 'string' ? b.keys : undefined,
      delayMs: typeof b.delayMs === 'number' ? b.delayMs : undefined,
    },
    messages: num(raw.messages),
    calls: num(raw.calls),
  };
}

function normaliseList(body: unknown): SandboxNumber[] {
  let list: unknown[] = [];
  if (Array.isArray(body)) list = body;
  else if (isObj(body) && Array.isArray(body.numbers)) list = body.numbers;
  else if (isObj(body) && Array.isArray(body.items)) list = body.items;
  else if (isObj(body)) list = Object.entries(body).map(([e164, v]) => (isObj(v) ? { e164, ...v } : e164));
  return list.map(normaliseNumber).filter((n): n is SandboxNumber => n !== null);
}

function normaliseInbox(body: unknown): SandboxInbox {
  const o = isObj(body) ? body : {};
  const messages = (Array.isArray(o.messages) ? o.messages : []).filter(isObj).map((m, i) => ({
    sid: str(m.sid) ?? `message-${i}`,
    body: str(m.body) ?? '',
    status: str(m.status) ?? '',
    at: str(m.at) ?? str(m.dateCreated) ?? '',
  }));
  const calls = (Array.isArray(o.calls) ? o.calls : []).filter(isObj).map((c, i) => ({
    sid: str(c.sid) ?? `call-${i}`,
    status: str(c.status) ?? '',
    digits: str(c.digits) ?? '',
    at: str(c.at) ?? str(c.dateCreated) ?? '',
    awaitingDigits: c.awaitingDigits === true,
  }));
  return { messages, calls };
}

const enc = encodeURIComponent;

export const sandbox = {
  numbers: async (signal?: AbortSignal) => normaliseList(await request<unknown>('GET', '/sandbox/numbers', { signal })),
  inbox: async (e164: string, signal?: AbortSignal) =>
    normaliseInbox(await request<unknown>('GET', `/sandbox/inbox/${enc(e164)}`, { signal })),
  setBehaviour: (e164: string, behaviour: SandboxBehaviour) =>
    request<unknown>('PUT', `/sandbox/numbers/${enc(e164)}`, { body: behaviour }),
  /** Types keys on the call's phone (each character one key press); 409 once the call has ended. */
  sendDigits: (callSid: string, digits: string) =>
    request<unknown>('POST', `/sandbox/calls/${enc(callSid)}/digits`, { body: { digits } }),
};

/** Newest first, by `at` (ISO strings sort as times; unknown times keep their order at the end). */
export function newestFirst<T extends { at: string }>(items: T[]): T[] {
  return items
    .map((item, i) => ({ item, i }))
    .sort((a, b) => (b.item.at || '').localeCompare(a.item.at || '') || b.i - a.i)
    .map((x) => x.item);
}

/** `+1 555-0100` → `+15550100`; null unless it looks like E.164. */
export function toE164(input: string): string | null {
  const digits = input.replace(/[^\d+]/g, '');
  const withPlus = digits.startsWith('+') ? digits : `+${digits}`;
  return /^\+[1-9]\d{5,14}$/.test(withPlus) ? withPlus : null;
}

export const e164Digits = (e164: string): string => e164.replace(/\D/g, '');
