export * from './event.publisher';
export * from './producer-connection.module';
export * from './queue.module';
export * from './queue.options';
export * from './queue.service';
export * from './redis.connection';
export * from './redis-errors';
export * from './redis-keys';
