import { request } from './api';
import type {
  InboxCallView,
  InboxMessageView,
  NumberBehaviourPatch,
  SandboxNumberSummary,
  SmsBehaviour,
  VoiceBehaviour,
} from '@redial/contracts';
import { SMS_BEHAVIOURS, VOICE_BEHAVIOURS as CONTRACT_VOICE_BEHAVIOURS } from '@redial/contracts/enums.constants';

/**
 * The sandbox's control API (proxied by the api app under /sandbox/*). Its payloads are the contract's
 * (libs/contracts sandbox-control.schema.ts, documented at /docs/sandbox.json); answers are read tolerantly, so a
 * newer sandbox with more behaviours or fields still shows.
 */

export type { SmsBehaviour, VoiceBehaviour };
export { SMS_BEHAVIOURS };

/** The contract's voice behaviours, in the simulator's order: the ones a person picks most first. */
const FIRST_VOICE: readonly VoiceBehaviour[] = ['press-pound', 'report-fraud', 'interactive'];
export const VOICE_BEHAVIOURS: readonly VoiceBehaviour[] = [...FIRST_VOICE, ...CONTRACT_VOICE_BEHAVIOURS.filter((v) => !FIRST_VOICE.includes(v))];

/** A behaviour as the simulator shows and edits it: the contract's patch, with behaviours it may not know yet. */
export type SandboxBehaviour = Omit<NumberBehaviourPatch, 'sms' | 'voice' | 'smsErrorCode' | 'ringMs'> & {
  sms?: SmsBehaviour | (string & {});
  voice?: VoiceBehaviour | (string & {});
};

export type SandboxNumber = Pick<SandboxNumberSummary, 'e164'> & {
  behaviour: SandboxBehaviour;
  messages?: number;
  calls?: number;
};

export type SandboxMessage = Pick<InboxMessageView, 'sid' | 'body' | 'status' | 'at'>;

export type SandboxCall = Pick<InboxCallView, 'sid' | 'status' | 'digits' | 'at'> & Partial<Pick<InboxCallView, 'awaitingDigits'>>;

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
