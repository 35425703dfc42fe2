import { CallerKeys, type SetTimer } from './caller-keys.queue';

const never = new AbortController().signal;

describe('CallerKeys (the caller`s key queue)', () => {
  it('hands out keys one at a time, in the order typed, and keeps the rest queued', async () => {
    const pressed: string[] = [];
    const keys = new CallerKeys({ onKey: (key) => pressed.push(key) });
    keys.type('0w');
    keys.type('#');
    expect(await keys.next(5, never)).toEqual({ key: '0', waitedSec: 0 });
    expect(keys.pending).toBe('w#');
    expect(await keys.next(5, never)).toEqual({ key: 'w', waitedSec: 0 });
    expect(await keys.next(5, never)).toEqual({ key: '#', waitedSec: 0 });
    // Pauses are time, not key presses.
    expect(pressed).toEqual(['0', '#']);
  });

  it('a scripted caller with nothing left to type is silent at once, for the whole timeout', async () => {
    expect(await new CallerKeys().next(8, never)).toEqual({ key: null, waitedSec: 8 });
  });

  it('a real-time caller: the wait ends with the next key typed', async () => {
    const keys = new CallerKeys({ realTime: { capSec: 30 } });
    const next = keys.next(8, never);
    expect(keys.waiting).toBe(true);
    keys.type('12');
    expect(await next).toMatchObject({ key: '1' });
    expect(keys.waiting).toBe(false);
    expect(keys.pending).toBe('2');
  });

  it('a real-time caller: silence for the timeout, capped', async () => {
    let waitedMs = -1;
    const timer: SetTimer = (ms, fire) => {
      waitedMs = ms;
      fire();
      return () => undefined;
    };
    const keys = new CallerKeys({ realTime: { capSec: 2, setTimer: timer } });
    expect(await keys.next(8, never)).toMatchObject({ key: null });
    expect(waitedMs).toBe(2000);
  });

  it('stops waiting when the Gather stops listening (abort), and keeps later keys for the next one', async () => {
    const keys = new CallerKeys({ realTime: { capSec: 30 } });
    const controller = new AbortController();
    const next = keys.next(8, controller.signal);
    controller.abort(new Error('redirected'));
    await expect(next).rejects.toThrow('redirected');
    expect(keys.waiting).toBe(false);
    keys.type('#');
    expect(keys.pending).toBe('#');
  });

  it('rejects when its timer is cancelled from outside (a sandbox reset)', async () => {
    let cancel: (() => void) | undefined;
    const timer: SetTimer = (_ms, _fire, onCancel) => {
      cancel = onCancel;
      return () => undefined;
    };
    const keys = new CallerKeys({ realTime: { capSec: 30, setTimer: timer } });
    const next = keys.next(8, never);
    cancel?.();
    await expect(next).rejects.toThrow();
    expect(keys.waiting).toBe(false);
  });
});
