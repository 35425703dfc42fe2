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

export type QueueState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized' | 'paused';

export interface QueueStats {
  at: string;
  queues: Record<string, Partial<Record<QueueState, number>>>;
  /** Events per minute over the last minute. */
  rates: { sent: number; delivered: number; failed: number; failedOver: number };
  [extra: string]: unknown;
}

/** socket.io: what the server sends, per namespace. Shared by the gateway and the web client. */
export interface ChallengesServerToClient {
  'challenge.snapshot': (challenge: ChallengeView) => void;
  'challenge.updated': (update: ChallengeUpdated) => void;
}

export interface OpsServerToClient {
  'queues.stats': (stats: QueueStats) => void;
  'challenge.updated': (update: ChallengeUpdated) => void;
  'alert.raised': (alert: unknown) => void;
  'alert.cleared': (alert: unknown) => void;
}

/** Rooms and Redis channel names (no ':' anywhere). */
export const challengeRoom = (challengeId: string): string => `challenge-${challengeId}`;
export const OPS_ROOM = 'ops';
export const CHALLENGES_NAMESPACE = '/challenges';
export const OPS_NAMESPACE = '/ops';
