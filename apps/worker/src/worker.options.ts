import { Processor } from '@nestjs/bullmq';
import type { Provider, Type } from '@nestjs/common';
import type { ConnectionOptions, WorkerOptions } from 'bullmq';
import type { AppConfig } from '@redial/config';
import { QueueName } from '@redial/contracts';
import { redisOptions } from '@redial/queue';
import { CallsWorker } from './calls.worker';
import { MaintenanceWorker } from './maintenance.worker';
import { TextsWorker } from './texts.worker';
import { TimersWorker } from './timers.worker';

/** One reconcile pass and one alert evaluation may run side by side in a worker. */
const MAINTENANCE_CONCURRENCY = 2;

/**
 * Each queue's worker options, from the configuration: WORKER_CONCURRENCY, and the provider's rate limit on the
 * channel queues (BullMQ's limiter counts across every worker of the queue). Workers get their own connections
 * (`maxRetriesPerRequest: null`, retried forever), never the producers' fail-fast one.
 */
export function workerOptions(config: AppConfig): Record<QueueName, WorkerOptions> {
  // ioredis's own options, which BullMQ hands to ioredis (its option type is a looser copy of them).
  const connection = { url: config.redisUrl, ...redisOptions('worker') } as ConnectionOptions;
  const perSecond = (max: number) => ({ limiter: { max, duration: 1000 } });
  return {
    [QueueName.Texts]: { connection, concurrency: config.workerConcurrency, ...perSecond(config.limits.messagesPerSecond) },
    [QueueName.Calls]: { connection, concurrency: config.workerConcurrency, ...perSecond(config.limits.callsPerSecond) },
    [QueueName.Timers]: { connection, concurrency: config.workerConcurrency },
    [QueueName.Maintenance]: { connection, concurrency: MAINTENANCE_CONCURRENCY },
  };
}

/** Each queue's `@Processor` class (all InstrumentedWorker subclasses). */
const WORKERS: Array<[QueueName, Type<object>]> = [
  [QueueName.Texts, TextsWorker],
  [QueueName.Calls, CallsWorker],
  [QueueName.Timers, TimersWorker],
  [QueueName.Maintenance, MaintenanceWorker],
];

/**
 * The `@Processor` classes as providers, each with its worker options. `@Processor(queue, options)` takes its
 * options when the class is declared, before any configuration is loaded; so each app registers a subclass
 * carrying the options of its own configuration (nothing global changes, two apps in one process keep theirs),
 * and injects it under the class's own token.
 */
export function processorProviders(config: AppConfig): Provider[] {
  const options = workerOptions(config);
  return WORKERS.map(([queue, worker]) => {
    const configured = class extends worker {};
    Object.defineProperty(configured, 'name', { value: worker.name });
    Processor(queue, options[queue])(configured);
    return { provide: worker, useClass: configured };
  });
}
