import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, QueueName } from '@redial/contracts';
import { AlertsService } from '@redial/ops';
import { InstrumentedWorker } from './instrumented.worker';
import { JobInstrumentation } from './job.instrumentation';
import { ReconcilerService } from './reconciler.service';

/**
 * Fleet-wide periodic work, made by BullMQ job schedulers (WorkerHost upserts them): one reconciler pass per
 * RECONCILE_INTERVAL_MS and one alert evaluation per ALERT_INTERVAL_MS across all workers, whichever takes the job.
 */
@Processor(QueueName.Maintenance)
export class MaintenanceWorker extends InstrumentedWorker {
  private reconciling = false;

  constructor(
    instrumentation: JobInstrumentation,
    private readonly reconciler: ReconcilerService,
    private readonly alerts: AlertsService,
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
      default:
        return this.unknownJob(job);
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
