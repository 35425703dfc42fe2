import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import type { AppConfig } from '@redial/config';
import { scrubFields, scrubText } from './log-scrubber';
import { stdoutLines } from './stdout-lines';

/**
 * Redial's structured logs: one JSON object per line on stdout (pino), at LOG_LEVEL. Every message and every
 * string field is scrubbed (phones masked, codes and credentials removed) before it is written; fields named like a
 * secret (`authorization`, `cookie`, `headers.authorization`…) are replaced whole at any depth, and a request is
 * logged as its method, scrubbed url and address only (never its headers). Lines reach stdout in batches
 * (stdout-lines.ts).
 *
 * Correlation: `requestId` is the id of the API request that started the work. API requests bind their own
 * id (X-Request-Id when given); the challenge row keeps it, jobs carry it, and the worker and the Twilio
 * webhooks bind it again, so one id follows a verification from POST to job to callback. HTTP request logs
 * also carry `reqId`, the id of that HTTP request itself.
 */

export type RedialApp = 'api' | 'worker' | 'gateway' | 'sandbox';

interface SerializedRequest {
  id?: string;
  method?: string;
  url?: string;
  remoteAddress?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
  routeOptions?: { url?: string };
}

export const logSerializers = {
  req: (req: SerializedRequest) => ({
    method: req.method,
    url: typeof req.url === 'string' ? scrubText(req.url) : undefined,
    remoteAddress: req.ip ?? req.remoteAddress ?? req.socket?.remoteAddress,
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
  err: (err: unknown) => {
    const s = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
    return scrubFields({ type: s.type, message: s.message, stack: s.stack });
  },
};

export function loggerOptions(config: Pick<AppConfig, 'logLevel'>, app: RedialApp): LoggerOptions {
  return {
    level: config.logLevel,
    base: { app, pid: process.pid },
    timestamp: isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (fields) => scrubFields(fields),
    },
    hooks: {
      // `args` is the log call's own array (pino's rest parameter): scrubbed in place.
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = scrubText(args[i] as string);
        method.apply(this, args);
      },
    },
    serializers: logSerializers,
  };
}

/**
 * The app's root logger. Writes to stdout, in batches (stdoutLines, written through process.stdout.write so that a
 * test can capture it), or to `destination`.
 */
export function createRedialLogger(config: Pick<AppConfig, 'logLevel'>, app: RedialApp, destination?: DestinationStream): Logger {
  return pino(loggerOptions(config, app), destination ?? stdoutLines);
}

/**
 * `,"time":"2024-05-01T12:00:00.000Z"`, as pino.stdTimeFunctions.isoTime writes it, with the part up to the second
 * formatted once a second rather than a Date and its ISO string per line.
 */
export function isoTime(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`; // …T12:00:00.
  }
  const ms = now - second * 1000;
  return `${isoPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

let isoSecond = Number.NaN;
let isoPrefix = '';

/** The logger bound to the work being done now (a request, a job), if any. */
export const logContext = new AsyncLocalStorage<Logger>();

/** Runs `fn` with `logger.child(bindings)` as the current logger: everything logged inside carries the bindings. */
export function withLogContext<T>(logger: Logger, bindings: Record<string, unknown>, fn: () => T): T {
  return logContext.run(scopedLogger(logger, bindings), fn);
}

/**
 * Adds bindings to the current request's or job's logger once they are known (a Twilio callback learns the id
 * of the request that created its challenge when it reads the challenge): its later lines carry them, and so
 * does the request's `request completed` line. Outside a request or job, nothing (the root logger is shared).
 */
export function addLogBindings(bindings: Record<string, unknown>): void {
  const current = logContext.getStore() as ScopedLogger | undefined;
  if (current?.[SCOPED] === true) current.setBindings(bindings);
}

/** `logger.child(bindings)`, marked as one unit of work's own logger (addLogBindings may add to it). */
export function scopedLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  const child = logger.child(bindings) as ScopedLogger;
  child[SCOPED] = true;
  return child;
}

/** The mark of a unit of work's logger (a property rather than a WeakSet entry: one per request, cheaper). */
const SCOPED = Symbol('redial.scopedLogger');
type ScopedLogger = Logger & { [SCOPED]?: true };
