import { PAUSE_KEY } from './gather.rules';

/** The caller's next key for a listening Gather: a key or `w` (half a second's pause), or null for silence. */
export interface KeyPress {
  key: string | null;
  /** Seconds the caller was silent before it (for silence: the whole wait). */
  waitedSec: number;
}

/** Where a Gather's keys come from. The interpreter takes one key at a time, only while a Gather listens. */
export interface KeySource {
  /**
   * The caller's next key, or `{key: null}` once they have been silent for `timeoutSec`. Rejects when `signal`
   * aborts (the Gather stopped listening: the call was redirected or hung up).
   */
  next(timeoutSec: number, signal: AbortSignal): Promise<KeyPress>;
}

/** Runs `fire` after `ms`; `onCancel` if the timer is cancelled from outside (a sandbox reset). Returns a cancel. */
export type SetTimer = (ms: number, fire: () => void, onCancel?: () => void) => () => void;

export interface CallerKeysOptions {
  /**
   * Real time, for a person at the phone simulator: an empty queue waits up to the Gather's timeout (capped at
   * `capSec`) for keys to be typed. Without it the caller is scripted: an empty queue is silence at once, and
   * the simulated clock moves by the timeout instead.
   */
  realTime?: { capSec: number; setTimer?: SetTimer };
  /** Told of every key a Gather takes (not pauses): the call's "pressed so far". */
  onKey?: (key: string) => void;
}

const defaultTimer: SetTimer = (ms, fire) => {
  const timer = setTimeout(fire, ms);
  return () => clearTimeout(timer);
};

interface Waiter {
  resolve: (press: KeyPress) => void;
  startedAt: number;
  cancel: () => void;
}

/**
 * A call's caller, as a queue of keys typed in order (TWILIO.md §3.2 caller model): whichever Gather listens takes
 * them one by one; keys it does not take (numDigits was reached, or it did not listen to DTMF) stay queued for
 * the next Gather, as a person types at their own pace after the next prompt; keys typed while no Gather
 * listens are queued too.
 */
export class CallerKeys implements KeySource {
  private queue = '';
  private waiter: Waiter | null = null;

  constructor(private readonly options: CallerKeysOptions = {}) {}

  /** Keys typed, in order; each character is one key press (`w` a half-second pause). */
  type(keys: string): void {
    this.queue += keys;
    const waiter = this.waiter;
    if (waiter === null || this.queue === '') return;
    this.waiter = null;
    waiter.cancel();
    waiter.resolve({ key: this.take(), waitedSec: (Date.now() - waiter.startedAt) / 1000 });
  }

  /** Keys typed but not yet taken by a Gather. */
  get pending(): string {
    return this.queue;
  }

  /** True while a Gather waits in real time for the next key. */
  get waiting(): boolean {
    return this.waiter !== null;
  }

  /** Seconds the current real-time wait has lasted so far (0 when none), for a hang-up in the middle of it. */
  get waitingSec(): number {
    return this.waiter === null ? 0 : (Date.now() - this.waiter.startedAt) / 1000;
  }

  next(timeoutSec: number, signal: AbortSignal): Promise<KeyPress> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.queue !== '') return Promise.resolve({ key: this.take(), waitedSec: 0 });
    const realTime = this.options.realTime;
    if (realTime === undefined) return Promise.resolve({ key: null, waitedSec: timeoutSec });
    const waitSec = Math.min(timeoutSec, realTime.capSec);
    return new Promise<KeyPress>((resolve, reject) => {
      const startedAt = Date.now();
      let settled = false;
      let cancelTimer: () => void = () => undefined;
      // One way out, whichever comes first: a key, the timeout, an abort, or the timer cancelled by a reset.
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        if (this.waiter === waiter) this.waiter = null;
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = (): void => {
        cancelTimer();
        settle(() => reject(signal.reason));
      };
      const waiter: Waiter = { startedAt, resolve: (press) => settle(() => resolve(press)), cancel: () => cancelTimer() };
      this.waiter = waiter;
      signal.addEventListener('abort', onAbort, { once: true });
      // The timer may settle at once (a closed sandbox cancels new timers immediately).
      cancelTimer = (realTime.setTimer ?? defaultTimer)(
        waitSec * 1000,
        () => settle(() => resolve({ key: null, waitedSec: (Date.now() - startedAt) / 1000 })),
        () => settle(() => reject(new Error('the wait for keys was cancelled'))),
      );
    });
  }

  private take(): string {
    const key = this.queue[0];
    this.queue = this.queue.slice(1);
    if (key !== PAUSE_KEY) this.options.onKey?.(key);
    return key;
  }
}
