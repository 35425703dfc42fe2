import type { DefaultJobOptions } from 'bullmq';
import { QueueName } from '@redial/contracts';

/**
 * The queues of challenge work, as operators see them (stats, alerts, the queue board). Dispatch goes to the
 * channel's queue so each channel has its own rate limit. The maintenance queue (scheduled housekeeping) is
 * registered beside them but is not challenge work, so it is not listed here.
 */
export const ALL_QUEUES: QueueName[] = [QueueName.Calls, QueueName.Texts, QueueName.Timers];

export function dispatchQueueFor(method: 'call' | 'sms'): QueueName {
  return method === 'call' ? QueueName.Calls : QueueName.Texts;
}

/**
 * Transient provider errors (429, 5xx, network) throw and BullMQ retries them: exponential backoff from 250 ms
 * with jitter, 8 tries in all (≈ 30 s of retrying, inside a step's lifetime). Permanent failures are thrown as
 * UnrecoverableError by the processor and never retried.
 */
export const DISPATCH_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 250, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 24 * 3600, count: 10000 },
};

export const TIMER_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 24 * 3600, count: 10000 },
};


/**
 * Jobs made by the job schedulers (reconciler, alert evaluation): never retried — the next interval is the
 * retry — and not kept, so a 100 ms alert interval does not pile up completed jobs.
 */
export const SCHEDULED_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 1,
  removeOnComplete: true,
  removeOnFail: { age: 3600, count: 100 },
};

/** Every queue, with its default job options, as `BullModule.registerQueue` takes them. */
export const QUEUE_REGISTRATIONS: Array<{ name: QueueName; defaultJobOptions: DefaultJobOptions }> = [
  { name: QueueName.Calls, defaultJobOptions: DISPATCH_JOB_OPTIONS },
  { name: QueueName.Texts, defaultJobOptions: DISPATCH_JOB_OPTIONS },
  { name: QueueName.Timers, defaultJobOptions: TIMER_JOB_OPTIONS },
  { name: QueueName.Maintenance, defaultJobOptions: SCHEDULED_JOB_OPTIONS },
];
