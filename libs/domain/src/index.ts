export * from './challenge-token';
export * from './failure-reasons';
export * from './phone.masking';
export * from './phone.rules';
export * from './verification-code';
export * from './challenge.machine';
export * from './challenge.policy';
export * from './identifiers';
