import { Processor } from '@nestjs/bullmq';
import type { Provider, Type } from '@nestjs/common';
import type { ConnectionOptions, WorkerOptions } from 'bullmq';
import type { AppConfig } from '@redial/config';
import { QueueName } from '@redial/contracts';
import { createRedis, isClusterTarget, redisOptions } from '@redial/queue';
import { CallsWorker } from './calls.worker';
import { MaintenanceWorker } from './maintenance.worker';
import { TextsWorker } from './texts.worker';
import { TimersWorker } from './timers.worker';

/** How many times a job may be let go (its worker drained or died) before BullMQ fails it. */
const MAX_STALLED_COUNT = 3;

/** One reconcile pass and one alert evaluation may run side by side in a worker. */
const MAINTENANCE_CONCURRENCY = 2;

/**
 * A job's lock, and how often a worker looks for jobs whose lock ran out (stalled): twice DEPENDENCY_TIMEOUT_MS,
 * at least 5 s (BullMQ's defaults are 30 s each). A job whose worker lost it — the worker died, or its connection
 * dropped just as Redis handed it the job, so the reply never arrived — goes back to wait within two of these,
 * instead of up to a minute. The lock is renewed every half of it while the job runs, so a long job keeps it.
 */
export function jobLockMs(dependencyTimeoutMs: number): number {
  return Math.max(5000, 2 * dependencyTimeoutMs);
}

/**
 * Each queue's worker options, from the configuration: WORKER_CONCURRENCY, and the provider's rate limit on the
 * channel queues (BullMQ's limiter counts across every worker of the queue). Workers get their own connections
 * (`maxRetriesPerRequest: null`, retried forever), never the producers' fail-fast one.
 */
export function workerOptions(config: AppConfig): Record<QueueName, WorkerOptions> {
  // ioredis's own options, which BullMQ hands to ioredis (its option type is a looser copy of them).
  // On a Redis Cluster BullMQ needs a Cluster client: it is handed a never-connected (lazy) one as a template and
  // duplicates it for each worker's own and blocking connections, which it opens and closes itself.
  const connection = (isClusterTarget(config) ? createRedis(config, 'worker', { lazyConnect: true }) : { url: config.redisUrl, ...redisOptions('worker') }) as ConnectionOptions;
  const perSecond = (max: number) => ({ limiter: { max, duration: 1000 } });
  const lock = jobLockMs(config.dependencyTimeoutMs);
  // A job is let go to lock expiry by each worker that drains (SIGTERM) or dies while holding it: a rolling restart
  // can do that to one job more than once, and BullMQ's default (1) would then fail it instead of running it again.
  const base = { connection, lockDuration: lock, stalledInterval: lock, maxStalledCount: MAX_STALLED_COUNT };
  return {
    [QueueName.Texts]: { ...base, concurrency: config.workerConcurrency, ...perSecond(config.limits.messagesPerSecond) },
    [QueueName.Calls]: { ...base, concurrency: config.workerConcurrency, ...perSecond(config.limits.callsPerSecond) },
    [QueueName.Timers]: { ...base, concurrency: config.workerConcurrency },
    [QueueName.Maintenance]: { ...base, concurrency: MAINTENANCE_CONCURRENCY },
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
