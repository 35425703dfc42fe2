import { z } from 'zod';

/** `GET /health` (no auth). */

const PartStatusSchema = z.enum(['up', 'down']);

/** `?verbose=1` (or `true`) adds worker heartbeats and queue backlog; any other value is ignored, not refused. */
export const HealthQuerySchema = z.object({
  verbose: z
    .preprocess((v) => (v === '1' || v === 'true' ? v : undefined), z.enum(['1', 'true']).optional())
    .meta({ description: 'also report worker heartbeats and queue backlog (Redis only)' }),
});

export const HealthDetailsSchema = z.strictObject({
  workers: z.strictObject({ alive: z.number().int(), lastBeatMs: z.number().nullable() }),
  queues: z.record(
    z.string(),
    z.strictObject({ waiting: z.number().int(), active: z.number().int(), delayed: z.number().int(), failed: z.number().int(), oldestWaitingMs: z.number() }),
  ),
});

export const HealthSchema = z
  .strictObject({
    status: z.enum(['ok', 'unavailable']),
    redis: PartStatusSchema,
    database: PartStatusSchema,
    draining: z.literal(true).optional().meta({ description: 'this api is shutting down (SIGTERM): send to another' }),
    workers: HealthDetailsSchema.shape.workers.optional().meta({ description: 'verbose only' }),
    queues: HealthDetailsSchema.shape.queues.optional().meta({ description: 'verbose only: backlog per queue' }),
  })
  .meta({ id: 'Health', description: '200 when Redis and PostgreSQL are up; 503 naming the part that is down, or while this api shuts down' });
