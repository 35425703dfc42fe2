import { OpsAlert, OpsStats } from './ops.types';
import { ChallengeView } from './rest.types';

/** Every change to a challenge is one of these; each is a ChallengeEvent row with a per-challenge seq. */
export const CHALLENGE_EVENT_TYPES = [
  'challenge.created',
  'attempt.queued',
  'attempt.sent',
  'attempt.delivered',
  'attempt.failed',
  'call.ringing',
  'call.answered',
  'step.failover',
  'challenge.approved',
  'challenge.denied',
  'challenge.failed',
  'challenge.expired',
  'challenge.canceled',
  'challenge.max_attempts_reached',
] as const;

export type ChallengeEventType = (typeof CHALLENGE_EVENT_TYPES)[number];

export interface ChallengeUpdated {
  seq: number;
  type: ChallengeEventType;
  at: string;
  challenge: ChallengeView;
}


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
export const challengeRoom = (challengeId: string): string => `challenge-${challengeId}`;
export const OPS_ROOM = 'ops';
export const CHALLENGES_NAMESPACE = '/challenges';
export const OPS_NAMESPACE = '/ops';
