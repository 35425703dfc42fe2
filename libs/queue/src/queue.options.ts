import type { DefaultJobOptions } from 'bullmq';
import { QueueName } from '@redial/contracts';

/** Which queue carries which job: dispatch goes to the channel's queue so each channel has its own rate limit. */
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

