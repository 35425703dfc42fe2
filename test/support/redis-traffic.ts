import type { Redis } from 'ioredis';

/** What one client sent to Redis: each command as `name key`, the round trips they took, and the socket writes. */
export interface RedisTraffic {
  commands: string[];
  roundTrips: number;
  /** The commands each write to the socket carried, in order (a pipeline, or an auto-pipelined tick, is one write). */
  writes: string[][];
}

/**
 * Records what `redis` sends while `work` runs. A round trip begins with a command sent after some reply came
 * back: commands that leave together (a pipeline, a MULTI, or calls made side by side before any answer) share one,
 * and each wait for an answer before sending more adds one. Commands `ignore` matches are left out (the batched
 * metrics counters, written on their own timer). A write is counted when a command recorded since the last one
 * reaches the socket; a write carrying only ignored commands is left out.
 */
export async function recordTraffic<T>(redis: Redis, work: () => Promise<T>, ignore: (command: string) => boolean = () => false): Promise<RedisTraffic & { result: T }> {
  type Command = { name: string; args: unknown[]; promise: Promise<unknown> };
  const traffic: RedisTraffic = { commands: [], roundTrips: 0, writes: [] };
  let answered = true;
  let unwritten: string[] = [];
  const client = redis as unknown as { sendCommand: (command: Command, ...rest: unknown[]) => unknown; stream: { write: (...args: unknown[]) => boolean } };
  const send = client.sendCommand;
  const stream = client.stream;
  const write = stream.write;
  stream.write = function (this: unknown, ...args: unknown[]) {
    if (unwritten.length) traffic.writes.push(unwritten);
    unwritten = [];
    return write.apply(this, args);
  };
  client.sendCommand = function (this: unknown, command: Command, ...rest: unknown[]) {
    // A script's first key follows its SHA (or source) and key count.
    const key = command.name === 'evalsha' || command.name === 'eval' ? command.args[2] : command.args[0];
    const line = `${command.name} ${String(key ?? '')}`.trim();
    if (!ignore(line)) {
      traffic.commands.push(line);
      unwritten.push(line);
      if (answered) traffic.roundTrips++;
      answered = false;
      const mark = () => {
        answered = true;
      };
      command.promise.then(mark, mark);
    }
    return send.call(this, command, ...rest);
  };
  try {
    const result = await work();
    return { ...traffic, result };
  } finally {
    client.sendCommand = send;
    stream.write = write;
  }
}
