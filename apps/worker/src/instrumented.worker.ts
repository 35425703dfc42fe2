import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { JobInstrumentation } from './job.instrumentation';

/**
 * The base of Redial's `@Processor` classes: every job runs through JobInstrumentation (request id in the log
 * lines, JOB_DURATION), a job name the queue has no handler for fails for good instead of being retried, and
 * the worker's events are logged the same way on every queue.
 */
export abstract class InstrumentedWorker extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);
  private running = 0;

  protected constructor(private readonly instrumentation: JobInstrumentation) {
    super();
  }

  /** Jobs of this queue this process is running now (what a shutdown waits for, or lets go). */
  get held(): number {
    return this.running;
  }

  /** Picks the service for the job's name; `unknownJob(job)` for any other name. */
  protected abstract handle(job: Job): Promise<unknown>;

  async process(job: Job): Promise<unknown> {
    this.running++;
    try {
      return await this.instrumentation.run(job, () => this.handle(job));
    } finally {
      this.running--;
    }
  }

  protected unknownJob(job: Job): never {
    throw new UnrecoverableError(`no handler for job "${job.name}" on queue ${job.queueName}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, err: Error): void {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.logger.warn(`${job.queueName} job ${job.id} failed for good: ${err.message}`);
  }

  @OnWorkerEvent('error')
  onError(err: Error): void {
    this.logger.warn(`${this.worker.name} worker: ${err.message}`);
  }
}
