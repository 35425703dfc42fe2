import { Injectable } from '@nestjs/common';
import type { ChallengeEventType } from '@redial/contracts';
import { isUuid } from '@redial/domain';
import { SqlService } from './sql.service';

/** What a socket is told of one committed event (its payload stays in the database). */
export interface EventHeader {
  seq: number;
  type: ChallengeEventType;
  createdAt: Date;
}

/**
 * The gateways' reads of challenge_events: the events a socket missed between two it was sent. Every event below
 * a `seq` the gateway has received is committed (each transition takes the next `seq` under the challenge's row
 * lock, after the one before it committed), so a read finds them all.
 */
@Injectable()
export class ChallengeEventsRepository {
  constructor(private readonly sql: SqlService) {}

  /** The challenge's events with `from <= seq < to`, in order. */
  async between(challengeId: string, from: number, to: number): Promise<EventHeader[]> {
    if (!isUuid(challengeId) || to <= from) return [];
    return this.sql.query<EventHeader>(
      'SELECT seq, type, created_at AS "createdAt" FROM challenge_events WHERE challenge_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
      [challengeId, from, to],
    );
  }
}
