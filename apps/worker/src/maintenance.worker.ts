import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, QueueName } from '@redial/contracts';
import { IDEMPOTENCY_KEY_TTL_MS, IdempotencyKeyRepository } from '@redial/database';
import { AlertsService } from '@redial/ops';
import { InstrumentedWorker } from './instrumented.worker';
import { JobInstrumentation } from './job.instrumentation';
import { ReconcilerService } from './reconciler.service';

/** Rows deleted per statement by the purge: each delete is short, however much has expired. */
const PURGE_BATCH = 1000;

/**
 * Fleet-wide periodic work, made by BullMQ job schedulers (WorkerHost upserts them): one reconciler pass per
 * RECONCILE_INTERVAL_MS, one alert evaluation per ALERT_INTERVAL_MS and one purge a minute across all workers,
 * whichever takes the job.
 */
@Processor(QueueName.Maintenance)
export class MaintenanceWorker extends InstrumentedWorker {
  private reconciling = false;

  constructor(
    instrumentation: JobInstrumentation,
    private readonly reconciler: ReconcilerService,
    private readonly alerts: AlertsService,
    private readonly idempotencyKeys: IdempotencyKeyRepository,
  ) {
    super(instrumentation);
  }

  protected async handle(job: Job): Promise<unknown> {
    switch (job.name) {
      case JobName.Reconcile:
        return `acted on ${await this.reconcileOnce()}`;
      case JobName.EvaluateAlerts:
        // AlertsService still takes its Redis lock: an operator's or a test's evaluate() may run at the same time,
        // and a stalled job can be re-run while its first run is still going. A held lock skips this run.
        return (await this.alerts.evaluateIfFree()) ? 'evaluated' : 'another evaluation was running';
      case JobName.Purge:
        return `purged ${await this.purge()}`;
      default:
        return this.unknownJob(job);
    }
  }

  /** Deletes the idempotency keys older than IDEMPOTENCY_KEY_TTL_MS, in batches; returns how many. */
  async purge(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS);
    let purged = 0;
    for (;;) {
      const batch = await this.idempotencyKeys.purgeBefore(before, PURGE_BATCH);
      purged += batch;
      if (batch < PURGE_BATCH) return purged;
    }
  }

  /**
   * One reconciler pass now (also on demand: WorkerHost.reconcileOnce). A pass already running in this process
   * makes it a no-op; passes in different workers are harmless (engine lock, deterministic job ids).
   */
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
}
