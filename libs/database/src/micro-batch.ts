/**
 * Groups the calls made within `windowMs` of the first one (or the first `max` of them, whichever comes first)
 * into one `run`, and gives each caller its own item's outcome (`run` answers with one settled result per item,
 * in order). A `run` that throws rejects every caller of that batch. For writes worth grouping into one
 * statement, whose callers can wait the window: each batch is one round trip instead of one per call.
 */
export class MicroBatch<I, O> {
  private items: I[] = [];
  private waiters: Array<{ resolve: (value: O) => void; reject: (reason: unknown) => void }> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<ReadonlyArray<PromiseSettledResult<O>>>,
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const { items, waiters } = this;
    this.items = [];
    this.waiters = [];
    Promise.resolve()
      .then(() => this.run(items))
      .then(
        (outcomes) =>
          waiters.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome === undefined) w.reject(new Error('a batch answered fewer items than it was given'));
            else if (outcome.status === 'fulfilled') w.resolve(outcome.value);
            else w.reject(outcome.reason);
          }),
        (err: unknown) => waiters.forEach((w) => w.reject(err)),
      );
  }
}
