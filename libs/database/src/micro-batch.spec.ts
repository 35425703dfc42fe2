import { MicroBatch } from './micro-batch';

describe('MicroBatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const doubling = () => {
    const runs: number[][] = [];
    const batch = new MicroBatch<number, number>(async (items) => (runs.push([...items]), items.map((i) => ({ status: 'fulfilled' as const, value: i * 2 }))), 10, 3);
    return { runs, batch };
  };

  it('groups the calls made within the window of the first into one run; each caller gets its own answer', async () => {
    const { runs, batch } = doubling();
    const first = batch.add(1);
    jest.advanceTimersByTime(9);
    const second = batch.add(2);
    expect(runs).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(await Promise.all([first, second])).toEqual([2, 4]);
    expect(runs).toEqual([[1, 2]]);
    // The next call starts a new window.
    const third = batch.add(3);
    jest.advanceTimersByTime(10);
    expect(await third).toBe(6);
    expect(runs).toEqual([[1, 2], [3]]);
  });

  it('runs at once when `max` calls are waiting, without waiting out the window', async () => {
    const { runs, batch } = doubling();
    const answers = Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    expect(await answers).toEqual([2, 4, 6]);
    expect(runs).toEqual([[1, 2, 3]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it("a run that throws rejects every caller of its batch; an item's own failure only its caller", async () => {
    const failing = new MicroBatch<number, number>(async () => {
      throw new Error('down');
    }, 10, 10);
    const both = [failing.add(1), failing.add(2)].map((p) => p.catch((e: Error) => e.message));
    jest.advanceTimersByTime(10);
    expect(await Promise.all(both)).toEqual(['down', 'down']);

    const partly = new MicroBatch<number, number>(async (items) => items.map((i) => (i === 2 ? { status: 'rejected' as const, reason: new Error(`no ${i}`) } : { status: 'fulfilled' as const, value: i })), 10, 10);
    const settled = Promise.allSettled([partly.add(1), partly.add(2), partly.add(3)]);
    jest.advanceTimersByTime(10);
    expect(await settled).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: new Error('no 2') },
      { status: 'fulfilled', value: 3 },
    ]);
  });

  it('a run answering fewer items than it was given rejects the callers left without an answer', async () => {
    const short = new MicroBatch<number, number>(async () => [{ status: 'fulfilled' as const, value: 7 }], 10, 10);
    const settled = Promise.allSettled([short.add(1), short.add(2)]);
    jest.advanceTimersByTime(10);
    const [one, two] = await settled;
    expect(one).toEqual({ status: 'fulfilled', value: 7 });
    expect(two).toMatchObject({ status: 'rejected', reason: new Error('a batch answered fewer items than it was given') });
  });
});
