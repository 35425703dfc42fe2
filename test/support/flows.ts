import type { ChallengeStatus, ChallengeView } from '@redial/contracts';
import type { Stack } from './stack';

/** Helpers that drive Redial the way a client would: over HTTP, against the running stack and sandbox. */

export type SmsBehaviour = 'deliver' | 'undelivered' | 'failed' | 'silent';
export type VoiceBehaviour = 'press-pound' | 'report-fraud' | 'no-answer' | 'busy' | 'failed' | 'voicemail' | 'silence' | 'interactive';

export async function setNumber(stack: Stack, e164: string, behaviour: { sms?: SmsBehaviour; voice?: VoiceBehaviour; smsErrorCode?: number; delayMs?: number; ringMs?: number; keys?: string }): Promise<void> {
  const res = await fetch(`${stack.sandboxUrl}/sandbox/numbers/${encodeURIComponent(e164)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ delayMs: 20, ...behaviour }),
  });
  if (!res.ok) throw new Error(`sandbox refused behaviour for ${e164}: ${res.status} ${await res.text()}`);
}

export async function setFaults(stack: Stack, faults: Record<string, number | boolean>): Promise<void> {
  const res = await fetch(`${stack.sandboxUrl}/sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`sandbox refused faults: ${res.status}`);
}

export interface Inbox {
  messages: Array<{ sid: string; body: string; status: string; at: string }>;
  calls: Array<{ sid: string; status: string; digits: string; at: string }>;
}

export async function inbox(stack: Stack, e164: string): Promise<Inbox> {
  const res = await fetch(`${stack.sandboxUrl}/sandbox/inbox/${encodeURIComponent(e164)}`);
  return (await res.json()) as Inbox;
}

/** Polls until `check` returns a value (the system under test is asked; nothing sleeps in place of an event). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function getChallenge(stack: Stack, id: string, token?: string): Promise<ChallengeView> {
  const res = await stack.request('GET', `/v1/challenges/${id}`, undefined, token ? { authorization: `Bearer ${token}` } : stack.auth);
  if (res.status !== 200) throw new Error(`GET challenge ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ChallengeView;
}

export function waitForStatus(stack: Stack, id: string, status: ChallengeStatus | ChallengeStatus[], timeoutMs = 20000): Promise<ChallengeView> {
  const wanted = Array.isArray(status) ? status : [status];
  return eventually(`challenge ${id} to be ${wanted.join('|')}`, async () => {
    const c = await getChallenge(stack, id);
    return wanted.includes(c.status) ? c : undefined;
  }, timeoutMs);
}

/** The code of the newest text to `e164` (the WebOTP line's `#123456`). */
export async function latestCode(stack: Stack, e164: string, after = 0): Promise<string> {
  return eventually(`a text to ${e164}`, async () => {
    const box = await inbox(stack, e164);
    if (box.messages.length <= after) return undefined;
    const newest = [...box.messages].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
    return /#(\d{6})\s*$/.exec(newest?.body ?? '')?.[1];
  });
}

export interface PhoneSpec {
  number: string;
  method: 'call' | 'sms';
  label?: string;
  extension?: string;
}

/** Saves phones and completes the verification of the primary, so the user has active settings. */
export async function registerVerified(stack: Stack, userId: string, primary: PhoneSpec, backups: PhoneSpec[] = []): Promise<void> {
  const saved = await stack.request('PUT', `/v1/users/${userId}/phones`, { primary, backups });
  if (saved.status !== 200) throw new Error(`PUT phones: ${saved.status} ${JSON.stringify(saved.body)}`);
  const id = saved.body.verification.challengeId as string;
  if (primary.method === 'sms') {
    const code = await latestCode(stack, primary.number);
    const checked = await stack.request('POST', `/v1/challenges/${id}/check`, { code });
    if (checked.body.status !== 'approved') throw new Error(`verification not approved: ${JSON.stringify(checked.body)}`);
  } else {
    await waitForStatus(stack, id, 'approved');
  }
}

export async function signIn(stack: Stack, userId: string): Promise<ChallengeView & { token: string }> {
  const res = await stack.request('POST', '/v1/challenges', { userId });
  if (res.status !== 201) throw new Error(`POST challenge: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as ChallengeView & { token: string };
}
