import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { type DispatchJob, twilioWebhookUrl } from '@redial/contracts';
import { AttemptRecord, ChallengeRepository, StepRecord } from '@redial/database';
import { generateCode, hashCode, smsBody } from '@redial/domain';
import { ChallengeEngine } from '@redial/engine';
import { CostEstimator, SendContext, SendGuard } from '@redial/guard';
import { QueueService } from '@redial/queue';
import {
  ProviderReceipt,
  rankOf,
  TELEPHONY_PROVIDER,
  TelephonyProvider,
} from '@redial/telephony';

type Prepared = { attempt: AttemptRecord; step: StepRecord; code?: string; expiresAt: Date; purpose: string; userId: string };

/**
 * Sends one step's text or places its call. Idempotent: it acts only while the challenge is pending on that
 * step and the attempt has no provider SID yet. The attempt row is written before the provider is called and
 * the SID after. Transient provider errors throw so BullMQ retries with backoff; permanent ones fail the step.
 */
@Injectable()
export class DispatchProcessor {
  private readonly logger = new Logger('DispatchProcessor');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TELEPHONY_PROVIDER) private readonly provider: TelephonyProvider,
    private readonly challenges: ChallengeRepository,
    private readonly engine: ChallengeEngine,
    private readonly queues: QueueService,
    private readonly guard: SendGuard,
    private readonly costs: CostEstimator,
  ) {}

  async process(job: Job<DispatchJob>): Promise<string> {
    const { challengeId, step, attemptNo } = job.data;
    const prepared = await this.prepare(job.data);
    if (prepared === 'already sent') await this.confirmSent(job.data);
    if (typeof prepared === 'string') return prepared;
    const text = this.textBody(prepared);
    // The estimate goes with the send to the checks (the spend cap) and into the attempt row once it went out.
    const cost = this.costs.estimate(prepared.step.method === 'call' ? 'call' : 'sms', prepared.step.country, text);
    const send: SendContext = { ...sendContext(job.data, prepared), cost };
    const refusal = await this.guard.check(send);
    if (refusal !== null) {
      // Abuse and cost controls refuse before anything is sent: the step fails with their reason and fails over.
      await this.failAttempt(prepared, job.data, refusal.reason);
      this.logger.warn(`challenge ${challengeId} step ${step} to ${prepared.step.masked}: refused, ${refusal.reason} (${refusal.detail})`);
      return `refused: ${refusal.reason}`;
    }
    let receipt: ProviderReceipt;
    try {
      receipt = await this.send(prepared, text);
    } catch (err) {
      const outcome = this.provider.classifyError(err);
      const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (outcome.action === 'retry' && !lastTry) {
        this.logger.warn(`challenge ${challengeId} step ${step}: ${outcome.reason}, retrying (try ${job.attemptsMade + 1})`);
        throw new Error(`transient provider error: ${outcome.reason}`);
      }
      const reason = outcome.action === 'retry' ? 'provider_error' : outcome.reason;
      await this.failAttempt(prepared, job.data, reason, outcome.code);
      this.logger.warn(`challenge ${challengeId} step ${step} to ${prepared.step.masked}: ${reason} (${outcome.action})`);
      throw new UnrecoverableError(`${outcome.action}: ${reason}`);
    }
    await this.guard.sent(send);
    let movedOn = false;
    await this.engine.apply(challengeId, null, async (writes, record) => {
      movedOn = record.status !== 'pending' || record.currentStep !== step;
      // The locked record carries the attempts as they are now (a status callback may have overtaken us).
      const current = record.attempts.find((a) => a.id === prepared.attempt.id);
      const ahead = current !== undefined && current.statusRank > rankOf('queued');
      writes.update(prepared.attempt.id, {
        providerSid: receipt.sid,
        sentAt: new Date(),
        costUsd: cost.usd,
        costUnits: cost.units,
        ...(ahead ? {} : { status: 'queued', statusRank: rankOf('queued') }),
      });
      return { type: 'sent', step, attemptNo };
    });
    // The challenge moved on while the call was being placed (its end_call found no SID yet): end it here.
    if (movedOn && prepared.step.method === 'call') {
      await this.queues.endCall({ challengeId, attemptId: prepared.attempt.id }).catch((err: unknown) => this.logger.warn(`could not enqueue end-call for ${challengeId}: ${(err as Error).message}`));
    }
    return receipt.sid;
  }

  /** The attempt failed before anything reached the phone: the step fails with `reason` (and fails over). */
  private async failAttempt(prepared: Prepared, { challengeId, step, attemptNo }: DispatchJob, reason: string, errorCode?: number): Promise<void> {
    await this.engine.apply(challengeId, null, async (writes) => {
      writes.update(prepared.attempt.id, {
        status: 'failed',
        statusRank: rankOf('failed'),
        errorCode: errorCode ?? null,
        reason,
        finishedAt: new Date(),
      });
      return { type: 'step_failed', step, attemptNo, reason, errorCode };
    });
  }

  /**
   * A re-run of a job whose text or call went out but whose `sent` was never recorded (the process died in
   * between): record it now, so the step gets its deadline instead of waiting for the reconciler forever.
   */
  private async confirmSent({ challengeId, step, attemptNo }: DispatchJob): Promise<void> {
    await this.engine.apply(challengeId, null, async (_writes, record) =>
      record.nextAction === 'dispatch' && record.currentStep === step ? { type: 'sent', step, attemptNo } : null,
    );
  }

  /** In one transaction: check the challenge still wants this attempt, write the attempt, and mint the code. */
  private async prepare(job: DispatchJob): Promise<Prepared | string> {
    return this.challenges.withLock(job.challengeId, async (tx, record) => {
      if (!record) return 'challenge gone';
      const step = record.steps[job.step];
      if (record.status !== 'pending' || record.currentStep !== job.step || step?.status !== 'active') return 'no longer current';
      if (record.expiresAt.getTime() <= Date.now()) return 'expired';
      // The locked record already holds the challenge's attempts: no second read.
      let attempt = record.attempts.find((a) => a.stepIndex === job.step && a.attemptNo === job.attemptNo);
      if (attempt?.status === 'failed') return 'attempt failed';
      if (attempt?.providerSid) return 'already sent';
      // A new code for every text sent (a retry included): the previous one stops working.
      const code = step.method === 'sms' ? generateCode() : undefined;
      const id = attempt?.id ?? randomUUID();
      const codeHash = code === undefined ? undefined : hashCode(code, this.config.keys.codeHashes, record.id, id);
      if (!attempt) {
        const fresh = { id, challengeId: job.challengeId, stepIndex: job.step, attemptNo: job.attemptNo, method: step.method, provider: this.provider.name, status: 'queued', statusRank: rankOf('queued') };
        // The transaction's last statement: it leaves with the COMMIT.
        attempt = await this.challenges.createAttempt(tx, fresh, codeHash, true);
      } else if (codeHash !== undefined) {
        await this.challenges.update(tx, record.id, { codeHash, codeAttemptId: id });
      }
      return { attempt, step, code, expiresAt: record.expiresAt, purpose: record.purpose, userId: record.userId };
    });
  }

  /** The text's body (undefined for a call). */
  private textBody(p: Prepared): string | undefined {
    if (p.step.method !== 'sms') return undefined;
    return smsBody(p.code as string, this.config.publicUrl, p.purpose === 'sign_in' ? 'sign_in' : 'settings', Math.max(1, Math.round(remainingSecOf(p) / 60)));
  }

  private send(p: Prepared, text: string | undefined): Promise<ProviderReceipt> {
    const base = this.config.publicUrl;
    const remainingSec = remainingSecOf(p);
    if (p.step.method === 'sms') {
      return this.provider.sendSms({
        to: p.step.e164,
        body: text as string,
        statusCallbackUrl: twilioWebhookUrl.smsStatus(base, p.attempt.id),
        validitySec: remainingSec,
      });
    }
    return this.provider.placeCall({
      to: p.step.e164,
      twimlUrl: twilioWebhookUrl.voice(base, p.attempt.id),
      statusCallbackUrl: twilioWebhookUrl.callStatus(base, p.attempt.id),
      ringTimeoutSec: this.config.callRingTimeoutSec,
      sendDigits: p.step.extension ? `ww${p.step.extension}` : undefined,
      machineDetection: true,
    });
  }
}

function remainingSecOf(p: Prepared): number {
  return Math.max(1, Math.floor((p.expiresAt.getTime() - Date.now()) / 1000));
}

function sendContext(job: DispatchJob, p: Prepared): SendContext {
  return {
    challengeId: job.challengeId,
    userId: p.userId,
    purpose: p.purpose,
    attemptId: p.attempt.id,
    stepIndex: job.step,
    attemptNo: job.attemptNo,
    method: p.step.method === 'call' ? 'call' : 'sms',
    e164: p.step.e164,
    country: p.step.country,
  };
}
