import type { DestinationStream } from 'pino';

/**
 * Where the loggers write: stdout, a batch of lines at a time. process.stdout writes synchronously (files, pipes
 * and terminals on Linux), so a line written on its own costs a write(2) and a pass through Node's stream — the
 * largest part of what a log line cost. Lines are gathered instead and written together: at most MAX_DELAY_MS
 * after the first of them, at once when MAX_CHARS are waiting, and before the process exits (process.exit, the
 * signal handlers' exit, an uncaught exception or the event loop running dry all emit 'exit', whose handlers run
 * synchronously — and so does that last write). Only a process killed outright (SIGKILL) loses what waits: at
 * most MAX_DELAY_MS of lines.
 *
 * One batch per process, shared by its loggers, so lines keep the order they were logged in (the apps of a test
 * run share one process). Written through `process.stdout.write`, so a test can capture them there.
 */
export class LineBatch implements DestinationStream {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly flushNow = (): void => this.flush();

  constructor(
    private readonly out: () => { write(chunk: string): unknown },
    private readonly maxDelayMs: number,
    private readonly maxChars: number,
  ) {}

  write(line: string): void {
    if (this.pending === '') {
      this.timer = setTimeout(this.flushNow, this.maxDelayMs).unref();
      process.once('exit', this.flushNow);
    }
    this.pending += line;
    if (this.pending.length >= this.maxChars) this.flush();
  }

  /** Writes the lines waiting, now (pino's `logger.flush(done)` lands here). */
  flush(done?: (err?: Error) => void): void {
    if (this.pending !== '') {
      clearTimeout(this.timer);
      process.off('exit', this.flushNow);
      const text = this.pending;
      this.pending = '';
      this.out().write(text);
    }
    done?.();
  }
}

const MAX_DELAY_MS = 50;
const MAX_CHARS = 16 * 1024;

/** The process's stdout, batched: every logger's default destination. */
export const stdoutLines = new LineBatch(() => process.stdout, MAX_DELAY_MS, MAX_CHARS);

/** Writes the log lines waiting to stdout now (a test that reads what the apps logged calls it first). */
export function flushLogLines(): void {
  stdoutLines.flush();
}
