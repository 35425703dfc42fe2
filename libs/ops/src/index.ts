export * from './ops-stats.service';
export * from './ops.module';
export * from './ops.repository';
export * from './queue-stats';
