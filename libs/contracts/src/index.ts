export * from './events.types';
export * from './jobs.types';
export * from './ops.types';
export * from './rest.types';
