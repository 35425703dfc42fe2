import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { DispatchJob, JobName, QueueName } from '@redial/contracts';
import { DispatchProcessor } from './dispatch.processor';
import { InstrumentedWorker } from './instrumented.worker';
import { JobInstrumentation } from './job.instrumentation';

/** Places calls, at most CALLS_PER_SECOND across the fleet (worker options: worker.options.ts). */
@Processor(QueueName.Calls)
export class CallsWorker extends InstrumentedWorker {
  constructor(
    instrumentation: JobInstrumentation,
    private readonly dispatch: DispatchProcessor,
  ) {
    super(instrumentation);
  }

  protected handle(job: Job): Promise<unknown> {
    if (job.name === JobName.Dispatch) return this.dispatch.process(job as Job<DispatchJob>);
    return this.unknownJob(job);
  }
}
