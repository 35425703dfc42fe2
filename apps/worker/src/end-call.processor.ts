import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import type { EndCallJob } from '@redial/contracts';
import { ChallengeRepository } from '@redial/database';
import { AttemptStatus, endCallStatusFor, TELEPHONY_PROVIDER, TelephonyProvider } from '@redial/telephony';

/**
 * Hangs up a call its challenge has moved on from ("use a different option", cancel, expiry, a step timeout,
 * approval some other way), so the skipped phone stops ringing at once. `canceled` while queued or ringing;
 * if the person answered meanwhile, `canceled` leaves the call up (Twilio's rule), so it follows with
 * `completed`. The call's late callbacks change nothing: the challenge is no longer on that step.
 * Transient provider errors throw and BullMQ retries them, like any provider request.
 */
@Injectable()
export class EndCallProcessor {
  private readonly logger = new Logger('EndCall');

  constructor(
    @Inject(TELEPHONY_PROVIDER) private readonly provider: TelephonyProvider,
    private readonly challenges: ChallengeRepository,
  ) {}

  async process(job: Job<EndCallJob>): Promise<string> {
    const { challengeId, attemptId } = job.data;
    const record = await this.challenges.find(challengeId);
    const attempt = record?.attempts.find((a) => a.id === attemptId);
    if (!attempt?.providerSid) return 'no call';
    const status = endCallStatusFor(attempt.status as AttemptStatus);
    if (status === null) return 'already ended';
    try {
      const after = await this.provider.endCall(attempt.providerSid, status);
      if (after.status === 'in-progress') await this.provider.endCall(attempt.providerSid, 'completed');
      return `ended (${status})`;
    } catch (err) {
      const outcome = this.provider.classifyError(err);
      if (outcome.action === 'retry') throw new Error(`transient provider error ending a call: ${outcome.reason}`);
      this.logger.warn(`could not end call of attempt ${attemptId}: ${outcome.reason} (${outcome.code ?? 'no code'})`);
      throw new UnrecoverableError(`${outcome.action}: ${outcome.reason}`);
    }
  }
}
