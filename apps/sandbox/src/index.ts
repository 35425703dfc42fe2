export * from './sandbox.app';
export * from './sandbox.module';
export * from './sandbox.settings';
export type { Faults, NumberBehaviour, SmsBehaviour, VoiceBehaviour } from './sandbox.types';
