import type { z } from 'zod';
import type { OpsAlert, OpsStats } from './ops.types';
import type { ChallengeView } from './rest.types';
import type { ChallengeUpdatedSchema } from './schemas/events.schema';

// Values here stay free of zod: the web bundle imports this file for the namespace names.
export { CHALLENGE_EVENT_TYPES } from './enums.constants';
export type { ChallengeEventType } from './enums.constants';

/** `challenge.updated`: one ChallengeEvent row (per-challenge `seq`) with the challenge as it became. */
export type ChallengeUpdated = z.output<typeof ChallengeUpdatedSchema>;

/** socket.io: what the server sends, per namespace. Shared by the gateway and the web client. */
export interface ChallengesServerToClient {
  'challenge.snapshot': (challenge: ChallengeView) => void;
  'challenge.updated': (update: ChallengeUpdated) => void;
}

export interface OpsServerToClient {
  'queues.stats': (stats: OpsStats) => void;
  'challenge.updated': (update: ChallengeUpdated) => void;
  'alert.raised': (alert: OpsAlert) => void;
  'alert.cleared': (alert: OpsAlert) => void;
}

/** Rooms and Redis channel names (no ':' anywhere). */
export const OPS_ROOM = 'ops';
export const CHALLENGES_NAMESPACE = '/challenges';
export const OPS_NAMESPACE = '/ops';
