import type { LoggerService } from '@nestjs/common';
import type { Logger } from 'pino';
import { logContext } from './redial-logger';

/**
 * Nest's LoggerService on pino: `new Logger('Context').warn(…)` anywhere in the app becomes a JSON line with
 * `context`, and with the current request's or job's bindings when there is one.
 */
/** Nest's own start-up chatter (one line per module and route): debug, so `info` stays about the work. */
const BOOTSTRAP_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: Logger) {}

  private get logger(): Logger {
    return logContext.getStore() ?? this.root;
  }

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.write(typeof context === 'string' && BOOTSTRAP_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest calls `(message, ...optional, context)`; `error` may carry a stack string before the context. */
  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, params: unknown[]): void {
    const logger = this.logger;
    if (!logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (level === 'error' && typeof rest[0] === 'string' && /\n\s+at /.test(rest[0])) fields.stack = rest.shift();
    if (message instanceof Error) {
      logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      logger[level](fields, String(message));
    }
  }
}
