import { LineBatch } from './stdout-lines';

describe('LineBatch (the loggers’ stdout)', () => {
  let writes: string[];
  let batch: LineBatch;

  beforeEach(() => {
    jest.useFakeTimers();
    writes = [];
    batch = new LineBatch(() => ({ write: (chunk: string) => writes.push(chunk) }), 50, 100);
  });
  afterEach(() => {
    batch.flush();
    jest.useRealTimers();
  });

  it('writes the lines logged within the delay together, once the delay is over, in their order', () => {
    batch.write('{"n":1}\n');
    jest.advanceTimersByTime(30);
    batch.write('{"n":2}\n');
    batch.write('{"n":3}\n');
    expect(writes).toEqual([]);
    jest.advanceTimersByTime(20);
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
    // The next line starts a new batch, with a delay of its own.
    batch.write('{"n":4}\n');
    jest.advanceTimersByTime(49);
    expect(writes).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n', '{"n":4}\n']);
  });

  it('writes at once when the lines waiting reach the size limit', () => {
    const line = `{"pad":"${'x'.repeat(40)}"}\n`; // 51 characters
    batch.write(line);
    expect(writes).toEqual([]);
    batch.write(line);
    expect(writes).toEqual([line + line]);
    jest.advanceTimersByTime(50);
    expect(writes).toHaveLength(1); // nothing left to write, no empty write
  });

  it('flush writes what waits now and calls back (pino’s logger.flush)', () => {
    const done = jest.fn();
    batch.write('{"n":1}\n');
    batch.flush(done);
    expect(writes).toEqual(['{"n":1}\n']);
    expect(done).toHaveBeenCalledTimes(1);
    batch.flush(done);
    expect(writes).toHaveLength(1);
    expect(done).toHaveBeenCalledTimes(2);
  });

  it('writes what waits when the process exits, and listens for the exit only while lines wait', () => {
    const before = process.listeners('exit');
    batch.write('{"n":1}\n');
    const added = process.listeners('exit').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    (added[0] as () => void)(); // what process.exit, a crash or the loop running dry would call
    expect(writes).toEqual(['{"n":1}\n']);
    batch.write('{"n":2}\n');
    batch.flush();
    expect(process.listeners('exit')).toEqual(before);
  });
});
