export * from './request-refused.error';
export * from './send-guard';
export * from './guard.module';
