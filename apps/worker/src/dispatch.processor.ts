import { Inject, Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { type DispatchJob, twilioWebhookUrl } from '@redial/contracts';
import { ChallengeRepository, DispatchTarget } from '@redial/database';
import { checkDispatch, smsBody, textCode } from '@redial/domain';
import { ChallengeEngine } from '@redial/engine';
import { CostEstimator, SendContext, SendGuard } from '@redial/guard';
import { QueueService } from '@redial/queue';
import { ProviderReceipt, rankOf, SentQuery, TELEPHONY_PROVIDER, TelephonyProvider } from '@redial/telephony';

type Cost = NonNullable<SendContext['cost']>;

/**
 * Sends one attempt's text or places its call. The transition that decided the send wrote the attempt, so nothing
 * is written before the provider call: one read checks that the challenge still wants this attempt, the abuse and
 * cost controls are asked, the provider is called, and one transaction records the SID and the `sent` transition.
 * A text's code is derived from its attempt (libs/domain verification-code.ts), never stored.
 *
 * Idempotent: a run that may follow one whose provider call went out unrecorded (its process died, or the request
 * timed out) first looks for that text or call at the provider and adopts it. Transient provider errors throw so
 * BullMQ retries with backoff; permanent ones fail the step.
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
    const target = await this.challenges.findForDispatch(job.data.attemptId);
    const verdict = checkDispatch(target, new Date());
    if (verdict === 'already sent') await this.confirmSent(job.data);
    if (verdict !== 'send' || target === undefined) return verdict;
    const text = this.textBody(target);
    // The estimate goes with the send to the checks (the spend cap) and into the attempt row once it went out.
    const cost = this.costs.estimate(target.step.method === 'call' ? 'call' : 'sms', target.step.country, text);
    const send: SendContext = { ...sendContext(target), cost };
    const earlier = mayHaveSent(job) ? await this.findEarlierSend(target, text) : null;
    const receipt = earlier ?? (await this.sendChecked(job, target, send, text));
    if (typeof receipt === 'string') return receipt;
    const movedOn = await this.afterSend(job, target, send, receipt, cost);
    // The challenge moved on while the call was being placed (its end_call found no SID yet): end it here.
    if (movedOn && target.step.method === 'call') {
      await this.queues.endCall({ challengeId: target.challenge.id, attemptId: target.attempt.id }).catch((err: unknown) => this.logger.warn(`could not enqueue end-call for ${target.challenge.id}: ${(err as Error).message}`));
    }
    return receipt.sid;
  }

  /** Asks the abuse and cost controls, then the provider: the receipt, or why nothing was sent. */
  private async sendChecked(job: Job<DispatchJob>, t: DispatchTarget, send: SendContext, text: string | undefined): Promise<ProviderReceipt | string> {
    const where = `challenge ${t.challenge.id} step ${t.attempt.stepIndex}`;
    const refusal = await this.guard.check(send);
    if (refusal !== null) {
      // Abuse and cost controls refuse before anything is sent: the step fails with their reason and fails over.
      await this.failAttempt(t, refusal.reason);
      this.logger.warn(`${where} to ${t.step.masked}: refused, ${refusal.reason} (${refusal.detail})`);
      return `refused: ${refusal.reason}`;
    }
    try {
      return await this.send(t, text);
    } catch (err) {
      const outcome = this.provider.classifyError(err);
      const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (outcome.action === 'retry' && !lastTry) {
        // The request may have been processed (a timeout after it left): the next try looks before sending.
        if (outcome.ambiguous && !job.data.mayHaveSent) await job.updateData({ ...job.data, mayHaveSent: true });
        this.logger.warn(`${where}: ${outcome.reason}, retrying (try ${job.attemptsMade + 1})`);
        throw new Error(`transient provider error: ${outcome.reason}`);
      }
      const reason = outcome.action === 'retry' ? 'provider_error' : outcome.reason;
      await this.failAttempt(t, reason, outcome.code);
      this.logger.warn(`${where} to ${t.step.masked}: ${reason} (${outcome.action})`);
      throw new UnrecoverableError(`${outcome.action}: ${reason}`);
    }
  }

  /**
   * Tells the abuse and cost controls, then records the send. Should either fail, the text or call is out but not
   * recorded: the job's next try must find it at the provider, not make it again.
   */
  private async afterSend(job: Job<DispatchJob>, t: DispatchTarget, send: SendContext, receipt: ProviderReceipt, cost: Cost): Promise<boolean> {
    try {
      await this.guard.sent(send);
      return await this.recordSent(t, receipt, cost);
    } catch (err) {
      if (!job.data.mayHaveSent) await job.updateData({ ...job.data, mayHaveSent: true });
      throw err;
    }
  }

  /**
   * A text or call an earlier run made without recording it, found at the provider: the text carries this
   * attempt's code line; a call is the oldest to the number since the attempt began that no attempt holds yet.
   */
  private async findEarlierSend(t: DispatchTarget, text: string | undefined): Promise<ProviderReceipt | null> {
    const to = t.step.e164;
    const since = t.attempt.createdAt;
    const query: SentQuery = text === undefined ? { channel: 'call', to, since } : { channel: 'sms', to, since, bodyIncludes: text.slice(text.lastIndexOf('\n') + 1) };
    const found = await this.provider.findSent(query);
    const claimed = await this.challenges.claimedSids(found.map((r) => r.sid));
    const adopted = found.find((r) => !claimed.has(r.sid)) ?? null;
    if (adopted) this.logger.warn(`challenge ${t.challenge.id} step ${t.attempt.stepIndex}: already at the provider (${adopted.sid}), not sent again`);
    return adopted;
  }

  /**
   * The one write after the provider call: SID, send time and cost, and the `sent` transition, committed without
   * waiting for PostgreSQL's disk flush (`durable: false`, i.e. `synchronous_commit = off` for it alone). What a
   * PostgreSQL crash could lose of it is derived again, and no text goes out twice: the text's status callbacks
   * carry ?attempt=<id> and record the SID; the challenge still waits for its dispatch, so the reconciler
   * re-creates the job (`mayHaveSent`), which finds the text at the provider and adopts it. The next durable
   * commit (the text's delivery callback's, or any other transition's) flushes it anyway. Chosen over grouping
   * several jobs' records into one statement: the same flush saved per text, without a buffer and a timer shared
   * between jobs, and each job still sees its own transition. The transition is decided on the challenge as read
   * before the send (`expected`): while nothing changed it meanwhile, the record is one statement, without the
   * challenge's lock or a second read of it; otherwise the engine's locked transaction decides on what it reads.
   * Returns whether the challenge had moved on from the attempt's step.
   */
  private async recordSent(t: DispatchTarget, receipt: ProviderReceipt, cost: Cost): Promise<boolean> {
    const { stepIndex: step, attemptNo } = t.attempt;
    let movedOn = false;
    await this.engine.apply(
      t.challenge.id,
      null,
      async (writes, record) => {
        movedOn = record.status !== 'pending' || record.currentStep !== step;
        writes.update(t.attempt.id, { providerSid: receipt.sid, sentAt: new Date(), costUsd: cost.usd, costUnits: cost.units });
        return { type: 'sent', step, attemptNo };
      },
      { durable: false, expected: t.challenge },
    );
    return movedOn;
  }

  /** The attempt failed before anything reached the phone: the step fails with `reason` (and fails over). */
  private async failAttempt(t: DispatchTarget, reason: string, errorCode?: number): Promise<void> {
    const { stepIndex: step, attemptNo } = t.attempt;
    await this.engine.apply(t.challenge.id, null, async (writes) => {
      writes.update(t.attempt.id, { status: 'failed', statusRank: rankOf('failed'), errorCode: errorCode ?? null, reason, finishedAt: new Date() });
      return { type: 'step_failed', step, attemptNo, reason, errorCode };
    });
  }

  /**
   * A re-run of a job whose text or call went out and whose SID was recorded (by the send, or by a status callback)
   * but not its `sent`: record it now, so the step gets its deadline instead of waiting for the reconciler forever.
   */
  private async confirmSent({ challengeId, step, attemptNo }: DispatchJob): Promise<void> {
    await this.engine.apply(challengeId, null, async (_writes, record) =>
      record.nextAction === 'dispatch' && record.currentStep === step ? { type: 'sent', step, attemptNo } : null,
    );
  }

  /** The text's body (undefined for a call), with the attempt's code. */
  private textBody(t: DispatchTarget): string | undefined {
    if (t.step.method !== 'sms') return undefined;
    const code = textCode(this.config.keys.smsCodes, t.attempt.id);
    return smsBody(code, this.config.publicUrl, t.challenge.purpose === 'sign_in' ? 'sign_in' : 'settings', Math.max(1, Math.round(remainingSecOf(t) / 60)));
  }

  private send(t: DispatchTarget, text: string | undefined): Promise<ProviderReceipt> {
    const base = this.config.publicUrl;
    if (text !== undefined) {
      return this.provider.sendSms({
        to: t.step.e164,
        body: text,
        statusCallbackUrl: twilioWebhookUrl.smsStatus(base, t.attempt.id),
        validitySec: remainingSecOf(t),
      });
    }
    return this.provider.placeCall({
      to: t.step.e164,
      twimlUrl: twilioWebhookUrl.voice(base, t.attempt.id),
      statusCallbackUrl: twilioWebhookUrl.callStatus(base, t.attempt.id),
      ringTimeoutSec: this.config.callRingTimeoutSec,
      sendDigits: t.step.extension ? `ww${t.step.extension}` : undefined,
      machineDetection: true,
    });
  }
}

/**
 * Whether an earlier run of this job may have reached the provider unrecorded: it stalled (its worker died
 * mid-run), its last try ended in an ambiguous network error, or the reconciler re-created it.
 */
function mayHaveSent(job: Job<DispatchJob>): boolean {
  return job.data.mayHaveSent === true || job.stalledCounter > 0;
}

function remainingSecOf(t: DispatchTarget): number {
  return Math.max(1, Math.floor((t.challenge.expiresAt.getTime() - Date.now()) / 1000));
}

function sendContext(t: DispatchTarget): SendContext {
  return {
    challengeId: t.challenge.id,
    userId: t.challenge.userId,
    purpose: t.challenge.purpose,
    attemptId: t.attempt.id,
    stepIndex: t.attempt.stepIndex,
    attemptNo: t.attempt.attemptNo,
    method: t.step.method === 'call' ? 'call' : 'sms',
    e164: t.step.e164,
    country: t.step.country,
  };
}
