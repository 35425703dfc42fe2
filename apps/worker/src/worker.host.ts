import { hostname } from 'node:os';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { JobName, ScheduledJobName } from '@redial/contracts';
import { MetricsRecorder, recordWorkerBeat, settlesWithin } from '@redial/ops';
import { QueueService, waitReady } from '@redial/queue';
import { CallsWorker } from './calls.worker';
import { InstrumentedWorker } from './instrumented.worker';
import { MaintenanceWorker } from './maintenance.worker';
import { TextsWorker } from './texts.worker';
import { TimersWorker } from './timers.worker';
import { jobLockMs } from './worker.options';

/** How often this process says it is alive (LIVENESS_TTL_MS is 15 s), and puts back a job scheduler Redis lost. */
export const HEARTBEAT_MS = 5000;
/** How often expired rows are purged (MaintenanceWorker.purge): a key outlives its 24 hours by a minute at most. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * The worker process itself (not `@nestjs/bullmq`'s WorkerHost, the base of the `@Processor` classes):
 * - at start, upserts the job schedulers of the fleet-wide periodic work (reconciler, alert evaluation, purge);
 * - beats: records every 5 s that THIS process is alive (/health?verbose=1, /metrics). That is per-process, not
 *   fleet-wide work, so it stays a timer of the process: a scheduled job is taken by one worker per interval and
 *   would say that some worker is alive, not which. Each beat also puts back a job scheduler Redis lost (its
 *   keys deleted, a flush): the schedulers live in Redis, and the reconciler they drive is how Redial recovers
 *   from losing Redis's data;
 * - at shutdown (SIGTERM: main.ts), drains the BullMQ workers first — while the queues, the database and the event
 *   publisher are still open — then writes the job durations they observed.
 */
@Injectable()
export class WorkerHost implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Worker');
  private heartbeatTimer?: NodeJS.Timeout;
  /** Scheduler upserts in flight: a shutdown lets them finish before the connection they use closes. */
  private scheduling: Promise<unknown> = Promise.resolve();
  readonly id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly metrics: MetricsRecorder,
    private readonly texts: TextsWorker,
    private readonly calls: CallsWorker,
    private readonly timers: TimersWorker,
    private readonly maintenance: MaintenanceWorker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The first beat waits for the connection: a producer connection refuses commands until it is ready.
    void waitReady(this.queues.connection).then(() => this.beat(), () => undefined);
    this.heartbeatTimer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    // Upserted at every start, so the intervals of the newest configuration win.
    await (this.scheduling = Promise.all(this.schedules().map(([name, every]) => this.queues.schedule(name, every))).catch((err: Error) =>
      this.logger.warn(`could not schedule the periodic work (the next beat tries again): ${err.message}`),
    ));
  }

  private schedules(): Array<[ScheduledJobName, number]> {
    return [
      [JobName.Reconcile, this.config.reconcileIntervalMs],
      [JobName.EvaluateAlerts, this.config.alerts.intervalMs],
      [JobName.Purge, PURGE_INTERVAL_MS],
    ];
  }

  private beat(): void {
    void recordWorkerBeat(this.queues.connection, this.config.queuePrefix, this.id).catch(() => undefined);
    const kept = this.schedules().map(([name, every]) =>
      this.queues.keepScheduled(name, every).then(
        (restored) => restored && this.logger.warn(`job scheduler ${name} was missing from Redis: scheduled again`),
        () => undefined,
      ),
    );
    this.scheduling = Promise.all([this.scheduling, ...kept]).then(() => undefined);
  }

  /** One reconciler pass now, in this process (tests and operators; the scheduler runs it every interval). */
  reconcileOnce(): Promise<number> {
    return this.maintenance.reconcileOnce();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    // Each scheduler is one atomic upsert, never half-written; one in flight finishes before its connection closes.
    await this.scheduling;
    await this.drain();
    // The jobs that just finished observed their durations: write them before the connections go.
    await this.metrics.close();
  }

  /**
   * Stops taking jobs at once, and lets the jobs this process holds finish within SHUTDOWN_GRACE_MS. Those still
   * running then are let go, not failed: the workers close without waiting, their locks are no longer renewed, and
   * once a lock runs out (jobLockMs) a worker's stalled-job check puts the job back to wait for whichever worker is
   * free (jobs are idempotent: a re-run checks the state it expects). The reconciler re-enqueues what that misses.
   */
  private async drain(): Promise<void> {
    // @nestjs/bullmq closes the workers too, but only at application shutdown, after every module is destroyed.
    const workers: InstrumentedWorker[] = [this.texts, this.calls, this.timers, this.maintenance];
    const graceMs = this.config.shutdownGraceMs;
    // pause() takes no new job (it also drops the blocking fetch) and resolves once the running ones are done.
    const finished = settlesWithin(Promise.all(workers.map((w) => w.worker.pause())), graceMs);
    this.logger.log(`shutting down: taking no new jobs, ${held(workers)} running may finish within ${graceMs} ms`);
    const inTime = await finished;
    if (!inTime) {
      this.logger.warn(
        `${held(workers)} job(s) still running after SHUTDOWN_GRACE_MS (${graceMs} ms): let go; another worker takes them once their locks run out (${jobLockMs(this.config.dependencyTimeoutMs)} ms)`,
      );
    }
    await Promise.all(workers.map((w) => w.worker.close(!inTime)));
  }
}

function held(workers: InstrumentedWorker[]): number {
  return workers.reduce((sum, w) => sum + w.held, 0);
}
