import { flushLogLines } from '@redial/ops';

/**
 * Captures the JSON log lines the apps write to stdout (pino), passing anything else through. The loggers write
 * their lines in batches (libs/ops stdout-lines.ts): `flush()` has them write what waits, before a test reads
 * `lines`. `restore()` puts stdout back. The lines are what a log shipper would read, so tests of scrubbing look at
 * exactly those.
 */
export function captureJsonLogLines(): { lines: string[]; flush(): void; restore(): void } {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{')) {
      lines.push(...text.split('\n').filter(Boolean));
      return true;
    }
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write);
  return { lines, flush: flushLogLines, restore: () => spy.mockRestore() };
}
