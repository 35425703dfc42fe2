export * from './events.types';
export * from './jobs.types';
export * from './rest.types';
