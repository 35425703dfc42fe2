export * from './sandbox.app';
export * from './sandbox.module';
export * from './sandbox.settings';
export type { Faults, NumberBehaviour, SmsBehaviour, VoiceBehaviour } from './sandbox.types';
// The TwiML interpreter and its caller, usable without Nest (e.g. to replay an app's TwiML in a test).
export * from './caller-keys.queue';
export * from './gather.rules';
export * from './twiml.interpreter';
