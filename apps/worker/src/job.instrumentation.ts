import { Inject, Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Logger as Pino } from 'pino';
import { JOB_DURATION, logContext, MetricsRecorder, ROOT_LOGGER, withLogContext } from '@redial/ops';

/**
 * Runs a job with its request id (and queue, name, id) in every log line, and records its duration and outcome
 * in the shared JOB_DURATION histogram. Every `@Processor` class runs its jobs through this (InstrumentedWorker).
 */
@Injectable()
export class JobInstrumentation {
  constructor(
    @Inject(ROOT_LOGGER) private readonly log: Pino,
    private readonly metrics: MetricsRecorder,
  ) {}

  run<T>(job: Job, work: () => Promise<T>): Promise<T> {
    const queue = job.queueName;
    return withLogContext(this.log, { requestId: (job.data as { requestId?: string }).requestId, queue, job: job.name, jobId: job.id }, async () => {
      const started = performance.now();
      let outcome = 'failed';
      try {
        const result = await work();
        outcome = 'completed';
        return result;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        logContext.getStore()?.debug({ outcome, durationMs: Math.round(seconds * 1000), attemptsMade: job.attemptsMade }, `job ${outcome}`);
        this.metrics.observe(JOB_DURATION, { queue, job: job.name, outcome }, seconds);
      }
    });
  }
}
