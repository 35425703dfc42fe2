export * from './app-config';
export * from './config.error';
export * from './config.module';
export * from './derived-keys';
export * from './load-config';
export * from './shutdown-limit';
