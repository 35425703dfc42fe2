import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { ExpireJob, JobName, StepTimeoutJob } from '@redial/contracts';
import { ChallengeEngine } from '@redial/engine';

/** Step deadlines and challenge expiry. PostgreSQL holds the deadline; a job is only the wake-up call. */
@Injectable()
export class TimersProcessor {
  constructor(private readonly engine: ChallengeEngine) {}

  async process(job: Job<StepTimeoutJob | ExpireJob>): Promise<string> {
    if (job.name === JobName.Expire) {
      const t = await this.engine.apply(job.data.challengeId, { type: 'expire' });
      return t?.decision.changed ? 'expired' : 'nothing to do';
    }
    const data = job.data as StepTimeoutJob;
    const t = await this.engine.apply(data.challengeId, null, async (_tx, record) => {
      // Only the wake-up for the deadline that is still set counts; a moved deadline has its own job.
      if (record.nextAction !== 'step_timeout' || record.nextActionAt?.getTime() !== data.deadline) return null;
      return { type: 'step_timeout', step: data.step, attemptNo: data.attemptNo };
    });
    return t?.decision.changed ? 'timed out' : 'nothing to do';
  }
}
