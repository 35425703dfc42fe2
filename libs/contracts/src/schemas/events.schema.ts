import { z } from 'zod';
import { ChallengeEventTypeSchema, IsoTimeSchema } from './common.schema';
import { ChallengeViewSchema } from './challenges.schema';
import { OpsAlertSchema, OpsStatsSchema } from './ops.schema';

/**
 * socket.io payloads (gateway app). `/challenges` (handshake `auth: {token: challenge token}`) and `/ops`
 * (handshake `auth: {token: OPERATOR_TOKEN}`); a bad token gets `connect_error` with message `unauthorized`.
 */

export const ChallengeUpdatedSchema = z
  .strictObject({
    seq: z.number().int().meta({ description: 'rises by 1 for each change of this challenge' }),
    type: ChallengeEventTypeSchema,
    at: IsoTimeSchema,
    challenge: ChallengeViewSchema,
  })
  .meta({ id: 'ChallengeUpdated' });

export const HandshakeAuthSchema = z.strictObject({ token: z.string() }).meta({ id: 'HandshakeAuth' });

/** Every server → client event, per namespace: the one list the AsyncAPI document is generated from. */
export const SOCKET_EVENTS = {
  '/challenges': {
    description: "One challenge's live status. Auth: the challenge token.",
    events: {
      'challenge.snapshot': { payload: ChallengeViewSchema, description: 'the whole challenge, right after connect and after every reconnect' },
      'challenge.updated': { payload: ChallengeUpdatedSchema, description: 'each change, `seq` rising by 1' },
    },
  },
  '/ops': {
    description: 'Operators: every challenge (phones masked), queue figures, alerts. Auth: OPERATOR_TOKEN.',
    events: {
      'queues.stats': { payload: OpsStatsSchema, description: 'once a second: counts per queue and state, and rates' },
      'challenge.updated': {
        payload: ChallengeUpdatedSchema,
        description:
          'every change of every challenge; right after connect, the last 50 events first (newest last, each with its challenge as it is now), so a dashboard that reloads keeps its feed',
      },
      'alert.raised': { payload: OpsAlertSchema, description: 'an alert starts' },
      'alert.cleared': { payload: OpsAlertSchema, description: 'an alert stops' },
    },
  },
} as const;
