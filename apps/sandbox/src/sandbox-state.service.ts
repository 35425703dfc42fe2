import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import {
  type CallRecord,
  DEFAULT_BEHAVIOUR,
  type Faults,
  type MessageRecord,
  NO_FAULTS,
  type NumberBehaviour,
} from './sandbox.types';

/** Rejects the sleeps of simulations that were running when the state was reset or the app closed. */
export class CancelledError extends Error {
  constructor() {
    super('sandbox state was reset');
    this.name = 'CancelledError';
  }
}

export interface Inbox {
  messages: MessageRecord[];
  calls: CallRecord[];
  lastActivity: Date;
}

export interface NumberSummary {
  e164: string;
  behaviour: NumberBehaviour;
  configured: boolean;
  messages: number;
  calls: number;
  lastActivityAt: string | null;
}

/**
 * Everything the sandbox remembers, bounded: behaviours and inboxes for at most `maxNumbers` numbers each
 * (least recently used forgotten first), `inboxLimit` entries per inbox, `maxResources` texts and calls for
 * REST fetches. Also owns the timers of running simulations, so a reset or shutdown stops them all.
 */
@Injectable()
export class SandboxStateService implements OnApplicationShutdown {
  private readonly behaviours = new Map<string, NumberBehaviour>();
  private readonly inboxes = new Map<string, Inbox>();
  private readonly messages = new Map<string, MessageRecord>();
  private readonly calls = new Map<string, CallRecord>();
  private readonly timers = new Map<NodeJS.Timeout, (() => void) | undefined>();
  private currentFaults: Faults = { ...NO_FAULTS };
  /** Bumped by reset(): a simulation that sees another epoch after an await stops. */
  epoch = 0;
  closed = false;

  constructor(@Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings) {}

  // --- behaviours -------------------------------------------------------------------------------------

  behaviourOf(e164: string): NumberBehaviour {
    return this.behaviours.get(e164) ?? DEFAULT_BEHAVIOUR;
  }

  setBehaviour(e164: string, patch: Partial<NumberBehaviour>): NumberBehaviour {
    const merged: NumberBehaviour = { ...this.behaviourOf(e164), ...patch };
    if (merged.keys === undefined) delete merged.keys; // `keys: null` in the request removed them
    this.behaviours.delete(e164);
    this.behaviours.set(e164, merged);
    this.evictOldest(this.behaviours);
    return merged;
  }

  // --- texts and calls --------------------------------------------------------------------------------

  addMessage(message: MessageRecord): void {
    this.messages.set(message.sid, message);
    this.evictOldest(this.messages, this.settings.maxResources);
    this.inboxOf(message.to).messages.push(message);
    this.trimInbox(message.to);
  }

  addCall(call: CallRecord): void {
    this.calls.set(call.sid, call);
    this.evictOldest(this.calls, this.settings.maxResources);
    this.inboxOf(call.to).calls.push(call);
    this.trimInbox(call.to);
  }

  message(sid: string): MessageRecord | undefined {
    return this.messages.get(sid);
  }

  call(sid: string): CallRecord | undefined {
    return this.calls.get(sid);
  }

  /** Texts that match, newest first (REST lists). */
  messagesNewestFirst(match: (message: MessageRecord) => boolean): MessageRecord[] {
    return newestFirst(this.messages, match);
  }

  /** Calls that match, newest first (REST lists). */
  callsNewestFirst(match: (call: CallRecord) => boolean): CallRecord[] {
    return newestFirst(this.calls, match);
  }

  inbox(e164: string): Inbox | undefined {
    return this.inboxes.get(e164);
  }

  /** Numbers configured or seen, most recently active first (at most `limit`). */
  numbers(limit: number): NumberSummary[] {
    const seen = new Set<string>();
    const rows: NumberSummary[] = [];
    const add = (e164: string): void => {
      if (seen.has(e164)) return;
      seen.add(e164);
      const inbox = this.inboxes.get(e164);
      rows.push({
        e164,
        behaviour: this.behaviourOf(e164),
        configured: this.behaviours.has(e164),
        messages: inbox?.messages.length ?? 0,
        calls: inbox?.calls.length ?? 0,
        lastActivityAt: inbox === undefined ? null : inbox.lastActivity.toISOString(),
      });
    };
    // Maps iterate oldest first; walk them backwards for the most recent.
    for (const e164 of [...this.inboxes.keys()].reverse()) add(e164);
    for (const e164 of [...this.behaviours.keys()].reverse()) add(e164);
    return rows.slice(0, limit);
  }

  // --- faults -----------------------------------------------------------------------------------------

  get faults(): Readonly<Faults> {
    return this.currentFaults;
  }

  setFaults(patch: Partial<Faults>): Faults {
    this.currentFaults = { ...this.currentFaults, ...patch };
    return this.currentFaults;
  }

  resetFaults(): Faults {
    this.currentFaults = { ...NO_FAULTS };
    return this.currentFaults;
  }

  // --- timers -----------------------------------------------------------------------------------------

  /** Runs `fire` after `ms` unless the state is reset first (then `onCancel`, if given). */
  setTimer(ms: number, fire: () => void, onCancel?: () => void): () => void {
    if (this.closed) {
      // After shutdown nothing new may start (it would keep the process alive).
      onCancel?.();
      return () => undefined;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fire();
    }, ms);
    this.timers.set(timer, onCancel);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** A sleep that rejects with CancelledError when the state is reset or the app closes. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.setTimer(ms, resolve, () => reject(new CancelledError()));
    });
  }

  /** Forgets numbers, inboxes, texts, calls and faults, and stops every running simulation. */
  reset(): void {
    this.epoch++;
    this.cancelTimers();
    this.behaviours.clear();
    this.inboxes.clear();
    this.messages.clear();
    this.calls.clear();
    this.currentFaults = { ...NO_FAULTS };
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.epoch++;
    this.cancelTimers();
  }

  private cancelTimers(): void {
    const pending = [...this.timers];
    this.timers.clear();
    for (const [timer, onCancel] of pending) {
      clearTimeout(timer);
      onCancel?.();
    }
  }

  private inboxOf(e164: string): Inbox {
    let inbox = this.inboxes.get(e164);
    if (inbox === undefined) {
      inbox = { messages: [], calls: [], lastActivity: new Date() };
    } else {
      inbox.lastActivity = new Date();
      this.inboxes.delete(e164); // re-insert: most recently used last
    }
    this.inboxes.set(e164, inbox);
    this.evictOldest(this.inboxes);
    return inbox;
  }

  private trimInbox(e164: string): void {
    const inbox = this.inboxes.get(e164);
    if (inbox === undefined) return;
    const limit = this.settings.inboxLimit;
    if (inbox.messages.length > limit) inbox.messages.splice(0, inbox.messages.length - limit);
    if (inbox.calls.length > limit) inbox.calls.splice(0, inbox.calls.length - limit);
  }

  private evictOldest<V>(map: Map<string, V>, cap = this.settings.maxNumbers): void {
    while (map.size > cap) {
      const oldest = map.keys().next();
      if (oldest.done === true) return;
      map.delete(oldest.value);
    }
  }
}

/** A Map iterates oldest first (insertion order): collect the matches and turn them around. */
function newestFirst<V>(map: ReadonlyMap<string, V>, match: (value: V) => boolean): V[] {
  const found: V[] = [];
  for (const value of map.values()) if (match(value)) found.push(value);
  return found.reverse();
}
