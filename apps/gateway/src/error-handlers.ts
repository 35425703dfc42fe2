import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Namespace, Server, Socket } from 'socket.io';

/** Logs a Redis client's errors (ioredis reports each failed reconnect, and reconnects by itself). */
export function logRedisErrors(client: Redis, logger: Logger, name: string): void {
  client.on('error', (err: Error) => logger.warn(`${name}: ${err.message}`));
}

/** Engine close reasons that are a client's or the network's fault (a clean close or a timeout is not logged). */
const FAULTS = new Set(['transport error', 'parse error']);

/**
 * Error handlers on every socket of every namespace, and on the engine's connections. socket.io emits a client's
 * malformed packet — and an event the client itself named `error` — as `'error'` on its socket, where Node's
 * EventEmitter throws it when nobody listens: one client could end the process. A misbehaving client is its own
 * problem, not the operator's: it is logged at debug (scrubbed, like every log line, and cut short), and socket.io
 * closes the connection of a malformed packet.
 */
export function handleSocketErrors(server: Server, logger: Logger): void {
  const guard = (nsp: Namespace): void => {
    nsp.on('connection', (socket: Socket) => socket.on('error', (err: unknown) => logger.debug(`socket ${socket.id} on ${nsp.name}: ${describe(err)}`)));
  };
  guard(server.sockets);
  server.on('new_namespace', guard);
  server.engine.on('connection_error', (err: { code: number; message: string }) => logger.debug(`connection refused: ${err.message} (${err.code})`));
  server.engine.on('connection', (conn: { id: string; on(event: 'close', fn: (reason: string, description?: unknown) => void): void }) => {
    conn.on('close', (reason, description) => {
      if (FAULTS.has(reason)) logger.debug(`connection ${conn.id} closed: ${reason}${description === undefined ? '' : `: ${describe(description)}`}`);
    });
  });
}

function describe(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}
