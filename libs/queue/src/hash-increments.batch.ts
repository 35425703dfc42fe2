import type { Redis } from 'ioredis';

/**
 * Increments to Redis hash fields, summed in memory and written at most every `flushMs` in one pipelined round
 * trip, instead of one round trip per increment. Fire-and-forget: a batch that cannot be written is dropped (a
 * metrics hiccup must not fail a job or refuse a request). A field is written with HINCRBYFLOAT when added as
 * `float` (sums of seconds), else HINCRBY — a field must keep one kind, HINCRBY refuses a float value.
 */
export class HashIncrementBatch {
  private pending = new Map<string, Map<string, { by: number; float: boolean }>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly flushMs = 1000,
  ) {}

  add(key: string, field: string, by: number, float = false): void {
    let fields = this.pending.get(key);
    if (!fields) this.pending.set(key, (fields = new Map()));
    fields.set(field, { by: (fields.get(field)?.by ?? 0) + by, float });
    this.timer ??= setTimeout(() => void this.flush(), this.flushMs).unref();
  }

  /** Writes what has been added so far. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipeline = this.redis.pipeline();
    for (const [key, fields] of batch) {
      for (const [field, { by, float }] of fields) {
        if (float) pipeline.hincrbyfloat(key, field, by);
        else pipeline.hincrby(key, field, by);
      }
    }
    await pipeline.exec().catch(() => undefined);
  }
}
