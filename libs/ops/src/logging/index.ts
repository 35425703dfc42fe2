export * from './log-scrubber';
export * from './logging.module';
export * from './pino-nest.logger';
export * from './redial-logger';
export * from './stdout-lines';
