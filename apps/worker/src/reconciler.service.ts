import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { ContactMethod, jobId } from '@redial/contracts';
import { ChallengeRepository } from '@redial/database';
import { ChallengeEngine } from '@redial/engine';
import { attemptToDispatch, stepAttemptNo } from '@redial/domain';
import { dispatchQueueFor, QueueService } from '@redial/queue';

/**
 * PostgreSQL is the system of record and Redis only carries work: every few seconds, pending challenges whose
 * next action is overdue get it again — a lost dispatch job is re-enqueued for the attempt the challenge waits
 * on, under its deterministic id (so a duplicate is harmless), an overdue step deadline or expiry is applied
 * directly. Deleting every Redis key therefore delays challenges but loses none.
 */
@Injectable()
export class ReconcilerService {
  private readonly logger = new Logger('Reconciler');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly challenges: ChallengeRepository,
    private readonly engine: ChallengeEngine,
    private readonly queues: QueueService,
  ) {}

  /** One pass; returns how many challenges it acted on. */
  async reconcile(now = new Date()): Promise<number> {
    const grace = Math.max(2000, this.config.reconcileIntervalMs);
    const due = await this.challenges.overdue(new Date(now.getTime() - grace), now, 500);
    let acted = 0;
    for (const c of due) {
      try {
        if (c.expiresAt <= now) {
          if ((await this.engine.apply(c.id, { type: 'expire' }))?.decision.changed) acted++;
        } else if (c.nextAction === 'step_timeout') {
          const deadline = c.nextActionAt?.getTime();
          const t = await this.engine.apply(c.id, null, async (_tx, record) =>
            record.nextAction === 'step_timeout' && record.nextActionAt?.getTime() === deadline
              ? { type: 'step_timeout', step: record.currentStep, attemptNo: stepAttemptNo(record, record.currentStep) }
              : null,
          );
          if (t?.decision.changed) acted++;
        } else if (c.nextAction === 'dispatch') {
          if (await this.redispatch(c.id)) acted++;
        }
      } catch (err) {
        this.logger.warn(`could not reconcile challenge ${c.id}: ${(err as Error).message}`);
      }
    }
    return acted;
  }

  private async redispatch(challengeId: string): Promise<boolean> {
    const record = await this.challenges.find(challengeId);
    const attempt = record && attemptToDispatch(record);
    if (!record || !attempt) return false;
    const step = record.steps[attempt.stepIndex];
    // An earlier job for this attempt may have sent it and died before recording that: the new one looks first.
    const data = { challengeId, step: step.index, attemptNo: attempt.attemptNo, attemptId: attempt.id, mayHaveSent: true };
    const queue = dispatchQueueFor(step.method as ContactMethod);
    const state = await this.queues.queue(queue).getJobState(jobId.dispatch(data));
    if (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') return false;
    // A job left with that id would swallow the new one (BullMQ adds nothing under an existing id): a finished one,
    // or one in no list at all (`unknown`) — the rest of a job whose keys Redis lost while a worker was moving it.
    await this.queues.queue(queue).remove(jobId.dispatch(data)).catch(() => 0);
    await this.queues.dispatch(step.method as ContactMethod, data);
    this.logger.log(`re-enqueued dispatch for challenge ${challengeId} step ${step.index}`);
    return true;
  }
}
