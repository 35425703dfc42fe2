/**
 * Runs `compute` every `intervalMs` while started and hands each result to `publish`. A tick that finds the
 * previous one still running is skipped, so a slow Redis never piles up work; a result identical (the same object)
 * to the last one, as a caching `compute` returns, is not published twice. The newest result is kept for
 * subscribers that arrive between ticks.
 */
export class StatsTicker<T> {
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  private last: T | undefined;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly publish: (value: T) => void,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = 1000,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** The newest result of this run (undefined right after start, and after stop). */
  get latest(): T | undefined {
    return this.last;
  }

  /** Starts ticking (the first tick right away); does nothing when already started. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private async tick(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const value = await this.compute();
      // Stopped while computing: nobody is listening any more. The same object again is a cached result: sent already.
      if (!this.timer || value === this.last) return;
      this.last = value;
      this.publish(value);
    } catch (err) {
      this.onError(err);
    } finally {
      this.inFlight = false;
    }
  }
}
