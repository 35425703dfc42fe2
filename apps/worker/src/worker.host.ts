import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { DispatchJob, EndCallJob, ExpireJob, JobName, QueueName, StepTimeoutJob } from '@redial/contracts';
import { AlertsService, JOB_DURATION, logContext, MetricsRecorder, recordWorkerBeat, ROOT_LOGGER, withLogContext } from '@redial/ops';
import { createRedis, waitReady } from '@redial/queue';
import type { Logger as Pino } from 'pino';
import { DispatchProcessor } from './dispatch.processor';
import { EndCallProcessor } from './end-call.processor';
import { ReconcilerService } from './reconciler.service';
import { TimersProcessor } from './timers.processor';

/**
 * Runs the BullMQ workers (calls and texts each with their provider rate limit, timers), the reconciler loop
 * and a heartbeat; closes them all on shutdown so active jobs finish and nothing is left locked.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private reconcileTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private alertsTimer?: NodeJS.Timeout;
  private reconciling = false;
  private evaluating = false;
  readonly id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dispatch: DispatchProcessor,
    private readonly timers: TimersProcessor,
    private readonly endCall: EndCallProcessor,
    private readonly reconciler: ReconcilerService,
    private readonly alerts: AlertsService,
    @Inject(ROOT_LOGGER) private readonly log: Pino,
    private readonly metrics: MetricsRecorder,
  ) {}

  onApplicationBootstrap(): void {
    const c = this.config;
    this.start(QueueName.Texts, (job) => this.dispatch.process(job as Job<DispatchJob>), c.workerConcurrency, c.limits.messagesPerSecond);
    this.start(QueueName.Calls, (job) => this.dispatch.process(job as Job<DispatchJob>), c.workerConcurrency, c.limits.callsPerSecond);
    this.start(
      QueueName.Timers,
      (job) => (job.name === JobName.EndCall ? this.endCall.process(job as Job<EndCallJob>) : this.timers.process(job as Job<StepTimeoutJob | ExpireJob>)),
      c.workerConcurrency,
    );
    this.reconcileTimer = setInterval(() => void this.reconcileOnce(), c.reconcileIntervalMs);
    this.reconcileTimer.unref();
    const beat = createRedis(c.redisUrl, 'producer');
    this.connections.push(beat);
    const tick = () => void recordWorkerBeat(beat, c.queuePrefix, this.id).catch(() => undefined);
    // The first beat waits for the connection: a producer connection refuses commands until it is ready.
    void waitReady(beat).then(tick, () => undefined);
    this.heartbeatTimer = setInterval(tick, 5000);
    this.heartbeatTimer.unref();
    // Alerts: every worker ticks, one evaluates at a time (AlertsService takes a Redis lock).
    this.alertsTimer = setInterval(() => void this.evaluateAlerts(), c.alerts.intervalMs);
    this.alertsTimer.unref();
  }

  private async evaluateAlerts(): Promise<void> {
    if (this.evaluating) return;
    this.evaluating = true;
    try {
      await this.alerts.evaluateIfFree();
    } catch (err) {
      this.logger.warn(`alerts evaluation failed: ${(err as Error).message}`);
    } finally {
      this.evaluating = false;
    }
  }

  /** Runs a job with its request id in every log line, and records its duration and outcome (shared histogram). */
  private instrumented(queue: QueueName, processor: (job: Job) => Promise<unknown>): (job: Job) => Promise<unknown> {
    return (job) =>
      withLogContext(this.log, { requestId: (job.data as { requestId?: string }).requestId, queue, job: job.name, jobId: job.id }, async () => {
        const started = performance.now();
        let outcome = 'failed';
        try {
          const result = await processor(job);
          outcome = 'completed';
          return result;
        } finally {
          const seconds = (performance.now() - started) / 1000;
          logContext.getStore()?.debug({ outcome, durationMs: Math.round(seconds * 1000), attemptsMade: job.attemptsMade }, `job ${outcome}`);
          this.metrics.observe(JOB_DURATION, { queue, job: job.name, outcome }, seconds);
        }
      });
  }

  private start(queue: QueueName, processor: (job: Job) => Promise<unknown>, concurrency: number, perSecond?: number): void {
    const connection = createRedis(this.config.redisUrl, 'worker');
    this.connections.push(connection);
    const worker = new Worker(queue, this.instrumented(queue, processor), {
      connection,
      prefix: this.config.queuePrefix,
      concurrency,
      ...(perSecond ? { limiter: { max: perSecond, duration: 1000 } } : {}),
    });
    worker.on('error', (err) => this.logger.warn(`${queue} worker: ${err.message}`));
    worker.on('failed', (job, err) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) this.logger.warn(`${queue} job ${job.id} failed for good: ${err.message}`);
    });
    this.workers.push(worker);
  }

  async reconcileOnce(): Promise<number> {
    if (this.reconciling) return 0;
    this.reconciling = true;
    try {
      return await this.reconciler.reconcile();
    } catch (err) {
      this.logger.warn(`reconcile pass failed: ${(err as Error).message}`);
      return 0;
    } finally {
      this.reconciling = false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.reconcileTimer);
    clearInterval(this.heartbeatTimer);
    clearInterval(this.alertsTimer);
    await Promise.all(this.workers.map((w) => w.close()));
    // The jobs that just finished observed their durations: write them before the connections go.
    await this.metrics.close();
    for (const c of this.connections) c.disconnect();
  }
}
