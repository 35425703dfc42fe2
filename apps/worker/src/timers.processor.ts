import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { ExpireJob, JobName, StepTimeoutJob } from '@redial/contracts';
import { ChallengeRepository } from '@redial/database';
import { stepWakeUp, WakeUp } from '@redial/domain';
import { ChallengeEngine } from '@redial/engine';
import { QueueService } from '@redial/queue';

/**
 * Step deadlines and challenge expiry. PostgreSQL holds the deadline; a job is only the wake-up call for it
 * (libs/domain step-wake-up.ts). Most wake-ups find their challenge long finished: a plain read tells, and only a
 * wake-up with something to do takes the challenge's lock.
 */
@Injectable()
export class TimersProcessor {
  constructor(
    private readonly engine: ChallengeEngine,
    private readonly challenges: ChallengeRepository,
    private readonly queues: QueueService,
  ) {}

  async process(job: Job<StepTimeoutJob | ExpireJob>): Promise<string> {
    const current = await this.challenges.find(job.data.challengeId);
    if (current === undefined || current.status !== 'pending') return 'nothing to do';
    if (job.name === JobName.Expire) {
      const t = await this.engine.apply(job.data.challengeId, { type: 'expire' });
      return t?.decision.changed ? 'expired' : 'nothing to do';
    }
    const data = job.data as StepTimeoutJob;
    const wake = stepWakeUp(current, data);
    if (wake.kind === 'later') return this.wakeUpLater(data, wake.deadline);
    if (wake.kind === 'none') return 'nothing to do';
    // Decided again under the lock: the challenge may have moved since the read.
    const done = await this.engine.applyWith<WakeUp>(data.challengeId, async (_writes, record) => {
      const locked = stepWakeUp(record, data);
      return { outcome: locked.kind === 'time_out' ? { type: 'step_timeout', step: data.step, attemptNo: data.attemptNo } : null, result: locked };
    });
    if (done?.result.kind === 'later') return this.wakeUpLater(data, done.result.deadline);
    return done?.transition.decision.changed ? 'timed out' : 'nothing to do';
  }

  /** The same attempt's deadline moved later (its text was delivered): the wake-up for it, queued by this one. */
  private async wakeUpLater(data: StepTimeoutJob, deadline: number): Promise<string> {
    await this.queues.stepTimeout({ ...data, deadline }, deadline - Date.now());
    return `deadline moved to ${new Date(deadline).toISOString()}`;
  }
}
