import { StatsTicker } from './stats.ticker';

describe('StatsTicker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('ticks at once on start, then every interval, and not after stop', async () => {
    let n = 0;
    const published: number[] = [];
    const ticker = new StatsTicker(async () => ++n, (v) => published.push(v), () => undefined, 1000);
    ticker.start();
    await flush();
    expect(published).toEqual([1]);
    expect(ticker.latest).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    await jest.advanceTimersByTimeAsync(1000);
    expect(published).toEqual([1, 2, 3]);
    ticker.stop();
    expect(ticker.running).toBe(false);
    expect(ticker.latest).toBeUndefined();
    await jest.advanceTimersByTimeAsync(5000);
    expect(published).toEqual([1, 2, 3]);
  });

  it('starting twice keeps one timer', async () => {
    const compute = jest.fn(async () => 1);
    const ticker = new StatsTicker(compute, () => undefined, () => undefined, 1000);
    ticker.start();
    ticker.start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(compute).toHaveBeenCalledTimes(2);
    ticker.stop();
  });

  it('skips a tick while the previous one is still computing', async () => {
    let release: (v: number) => void = () => undefined;
    const compute = jest.fn(() => new Promise<number>((r) => (release = r)));
    const published: number[] = [];
    const ticker = new StatsTicker(compute, (v) => published.push(v), () => undefined, 1000);
    ticker.start();
    await jest.advanceTimersByTimeAsync(3000);
    expect(compute).toHaveBeenCalledTimes(1);
    release(7);
    await flush();
    expect(published).toEqual([7]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(compute).toHaveBeenCalledTimes(2);
    ticker.stop();
  });

  it('reports a failed computation and keeps ticking', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const published: string[] = [];
    const ticker = new StatsTicker(
      async () => {
        if (fail) throw new Error('redis away');
        return 'ok';
      },
      (v) => published.push(v),
      (e) => errors.push(e),
      1000,
    );
    ticker.start();
    await flush();
    expect(errors).toHaveLength(1);
    fail = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(published).toEqual(['ok']);
    ticker.stop();
  });

  it('does not publish the same (cached) object twice', async () => {
    const cached = { at: 't1' };
    const published: unknown[] = [];
    const ticker = new StatsTicker(async () => cached, (v) => published.push(v), () => undefined, 1000);
    ticker.start();
    await jest.advanceTimersByTimeAsync(2000);
    expect(published).toEqual([cached]);
    ticker.stop();
  });

  it('drops a result that arrives after stop', async () => {
    let release: (v: number) => void = () => undefined;
    const published: number[] = [];
    const ticker = new StatsTicker(() => new Promise<number>((r) => (release = r)), (v) => published.push(v), () => undefined, 1000);
    ticker.start();
    ticker.stop();
    release(1);
    await flush();
    expect(published).toEqual([]);
  });
});
