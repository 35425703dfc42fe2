export * from './common.schema';
export * from './phones.schema';
export * from './challenges.schema';
export * from './ops.schema';
export * from './health.schema';
export * from './events.schema';
export * from './sandbox-control.schema';
