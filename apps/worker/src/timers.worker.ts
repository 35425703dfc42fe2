import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { EndCallJob, ExpireJob, JobName, QueueName, StepTimeoutJob } from '@redial/contracts';
import { EndCallProcessor } from './end-call.processor';
import { InstrumentedWorker } from './instrumented.worker';
import { JobInstrumentation } from './job.instrumentation';
import { TimersProcessor } from './timers.processor';

/** Step deadlines, expiry, and hanging up calls a challenge has moved on from (no provider rate limit here). */
@Processor(QueueName.Timers)
export class TimersWorker extends InstrumentedWorker {
  constructor(
    instrumentation: JobInstrumentation,
    private readonly timers: TimersProcessor,
    private readonly endCall: EndCallProcessor,
  ) {
    super(instrumentation);
  }

  protected handle(job: Job): Promise<unknown> {
    switch (job.name) {
      case JobName.StepTimeout:
      case JobName.Expire:
        return this.timers.process(job as Job<StepTimeoutJob | ExpireJob>);
      case JobName.EndCall:
        return this.endCall.process(job as Job<EndCallJob>);
      default:
        return this.unknownJob(job);
    }
  }
}
