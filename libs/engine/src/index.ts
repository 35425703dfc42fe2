export * from './attempt-writes';
export * from './challenge-view';
export * from './challenge.engine';
export * from './engine.error';
export * from './engine.module';
export * from './engine.policy';
