import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { DispatchJob, JobName } from '@redial/contracts';
import { DispatchProcessor } from './dispatch.processor';
import { InstrumentedWorker } from './instrumented.worker';
import { JobInstrumentation } from './job.instrumentation';

/**
 * A channel queue's worker: sends the step's text or places its call. Texts and calls run the same job on two
 * queues, so each channel keeps its own provider rate limit (worker.options.ts). `@Injectable()` so its
 * constructor's parameter types are recorded for the subclasses, which declare none.
 */
@Injectable()
export abstract class DispatchWorker extends InstrumentedWorker {
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
