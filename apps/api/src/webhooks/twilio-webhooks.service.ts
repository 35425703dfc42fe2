import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { twilioWebhookUrl } from '@redial/contracts';
import { AttemptRecord, ChallengeRecord, ChallengeRepository } from '@redial/database';
import { advanceAttempt, AttemptStatus, CALL_GOODBYE, CallPrompt, callPromptOf, CallReply, CallRequest, decideCallTurn, Outcome, rankOf } from '@redial/domain';
import { AttemptWrites, ChallengeEngine } from '@redial/engine';
import { addLogBindings } from '@redial/ops';
import { buildFraudConfirmTwiml, buildGoodbyeTwiml, buildPromptTwiml, isTextInTransit, TELEPHONY_PROVIDER, TelephonyProvider, TwilioParams } from '@redial/telephony';

/** Final call statuses: the call is over, and unless the keypad decided, the step failed. */
const CALL_ENDED: ReadonlySet<AttemptStatus> = new Set(['completed', 'busy', 'no_answer', 'failed', 'canceled']);

/**
 * Turns Twilio callbacks into attempt updates and engine outcomes. Updates only move forward (advanceAttempt),
 * so duplicate and out-of-order callbacks are harmless; every outcome goes through the engine's decideNext.
 * The provider reads and classifies the callbacks; libs/domain decides what they mean; this class carries it out.
 */
@Injectable()
export class TwilioWebhooksService {
  private readonly logger = new Logger('TwilioWebhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(TELEPHONY_PROVIDER) private readonly provider: TelephonyProvider,
    private readonly engine: ChallengeEngine,
    private readonly challenges: ChallengeRepository,
  ) {}

  /**
   * A text on its way (`sending`, `sent`…: isTextInTransit) changes its attempt alone, so when the callback names
   * the attempt it is applied in one statement, without the challenge's lock or the engine. That write does not
   * wait for PostgreSQL's disk flush: a crash that loses it loses a status nothing decides on, that only ever
   * moves forward and that the text's next callback (its delivery or failure) overwrites, and a provider SID the
   * worker's record of the send carries too (when both are lost, the reconciler's dispatch job finds the text at
   * the provider, as for a lost record). An attempt the statement does not find takes the locked path, which also
   * looks for the SID.
   */
  async smsStatus(params: TwilioParams, attemptHint?: string): Promise<void> {
    const event = this.provider.parseSmsStatusCallback(params);
    if (!event || !event.status) return;
    const status = event.status;
    if (attemptHint !== undefined && isTextInTransit(status)) {
      const change = { status, statusRank: rankOf(status), providerSid: event.sid, ...(event.errorCode !== undefined && { errorCode: event.errorCode }) };
      const { result, requestId } = await this.challenges.advanceAttempt(attemptHint, change);
      if (requestId !== null) addLogBindings({ requestId });
      if (result !== 'unknown') return;
    }
    await this.onAttempt(event.sid, attemptHint, async (writes, attempt): Promise<Outcome | null> => {
      if (!this.advance(writes, attempt, status, { errorCode: event.errorCode })) return null;
      const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
      if (status === 'delivered') return { type: 'delivered', ...ref };
      const failure = this.provider.classifySmsCallback(event.twilioStatus, event.errorCode);
      if (!failure) return null;
      writes.update(attempt.id, { reason: failure.reason });
      if (failure.action === 'configuration') this.logger.error(`provider configuration problem on a text: ${failure.reason} (${event.errorCode ?? 'no code'})`);
      return { type: 'step_failed', reason: failure.reason, errorCode: event.errorCode, ...ref };
    });
  }

  async callStatus(params: TwilioParams, attemptHint?: string): Promise<void> {
    const event = this.provider.parseCallStatusCallback(params);
    if (!event || !event.status) return;
    const status = event.status;
    await this.onAttempt(event.sid, attemptHint, async (writes, attempt, record): Promise<Outcome | null> => {
      const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
      const answeredBy = event.answeredBy ?? attempt.answeredBy;
      if (!this.advance(writes, attempt, status, { answeredBy: event.answeredBy })) return null;
      if (status === 'ringing') return { type: 'ringing', ...ref };
      if (status === 'answered') return { type: 'answered', ...ref };
      if (!CALL_ENDED.has(status)) return null;
      // The keypad already decided (approved, denied) or failover moved on: the call's end is no failure.
      if (record.status !== 'pending' || record.currentStep !== attempt.stepIndex) return null;
      const failure = this.provider.classifyCallCompletion({ callStatus: event.twilioStatus, answeredBy, sipResponseCode: event.sipResponseCode });
      if (!failure) return null;
      writes.update(attempt.id, { reason: failure.reason });
      // `retry` (a call that failed in the network): decideNext re-dials the same phone once, then fails over.
      return { type: 'step_failed', reason: failure.reason, ...ref, ...(failure.action === 'retry' && { retryable: true }) };
    });
  }

  /** The TwiML Twilio fetches when the call is answered, and again (by Redirect) when the prompt got no input. */
  voice(attemptId: string, params: TwilioParams): Promise<string> {
    const { answeredBy } = this.provider.parseVoiceRequest(params);
    return this.answerCall(attemptId, answeredBy === undefined ? { kind: 'answer' } : { kind: 'answer', answeredBy });
  }

  /**
   * The key pressed at a prompt (one key per answer, see buildPromptTwiml): `#` approves; `0` asks for `#` to
   * confirm, and that `#` denies and reports fraud; anything else plays the prompt again, within the same limit.
   */
  gather(attemptId: string, params: TwilioParams, promptName?: string): Promise<string> {
    const { digits } = this.provider.parseVoiceRequest(params);
    return this.answerCall(attemptId, { kind: 'keys', prompt: callPromptOf(promptName), digits });
  }

  /** One voice request under the challenge's lock: decideCallTurn says what it means; the reply is TwiML. */
  private async answerCall(attemptId: string, request: CallRequest): Promise<string> {
    const reply = await this.onAttempt(undefined, attemptId, async (writes, attempt, record) => {
      const turn = decideCallTurn({ challenge: record, attempt, request, now: new Date() });
      if (Object.keys(turn.attemptPatch).length > 0) writes.update(attempt.id, turn.attemptPatch);
      return { outcome: turn.outcome, result: turn.reply };
    });
    return this.twiml(attemptId, reply ?? { type: 'goodbye', text: CALL_GOODBYE.inactive });
  }

  private twiml(attemptId: string, reply: CallReply): string {
    const base = twilioWebhookUrl.voice(this.config.publicUrl, attemptId);
    switch (reply.type) {
      case 'prompt':
        return buildPromptTwiml({ gatherActionUrl: twilioWebhookUrl.gather(this.config.publicUrl, attemptId), redirectUrl: base, purpose: reply.purpose });
      case 'confirm_fraud':
        // The `#` that confirms a `0` is posted with `prompt=confirm_fraud`; no key returns to the prompt (counted).
        return buildFraudConfirmTwiml({ gatherActionUrl: twilioWebhookUrl.gather(this.config.publicUrl, attemptId, CallPrompt.ConfirmFraud), redirectUrl: base });
      case 'goodbye':
        return buildGoodbyeTwiml(reply.text);
    }
  }

  /**
   * Runs `fn` under the lock of the challenge the attempt belongs to (found by our id from the callback URL,
   * else by the provider's SID), with the attempt as it is under that lock. `fn` returns the outcome for the
   * engine, or the outcome and a result for the caller; the result is undefined when the attempt is unknown.
   */
  private async onAttempt<R>(
    sid: string | undefined,
    attemptId: string | undefined,
    fn: (writes: AttemptWrites, attempt: AttemptRecord, record: ChallengeRecord) => Promise<Outcome | null | { outcome: Outcome | null; result: R }>,
  ): Promise<R | undefined> {
    // The hook's result: null when the callback names no attempt of ours, else what `fn` handed back.
    const done = await this.engine.applyWith<{ value?: R } | null>({ attemptId, sid }, async (writes, record) => {
      // The callback's log lines join those of the request that created the challenge.
      if (record.requestId !== null) addLogBindings({ requestId: record.requestId });
      const attempt = record.attempts.find((a) => a.id === attemptId) ?? record.attempts.find((a) => sid !== undefined && a.providerSid === sid);
      if (!attempt) return { outcome: null, result: null };
      if (sid && !attempt.providerSid) writes.update(attempt.id, { providerSid: sid });
      const answer = await fn(writes, attempt, record);
      return answer !== null && 'result' in answer ? { outcome: answer.outcome, result: { value: answer.result } } : { outcome: answer, result: {} };
    });
    if (!done?.result) this.logger.warn(`callback for an unknown attempt (${sid ?? attemptId ?? 'no id'}) ignored`);
    return done?.result?.value;
  }

  /** Moves the attempt's status forward only; false for a duplicate or a late, lower-ranked status. */
  private advance(writes: AttemptWrites, attempt: AttemptRecord, status: AttemptStatus, extra: { errorCode?: number; answeredBy?: string }): boolean {
    const patch = advanceAttempt(attempt, status, new Date(), extra);
    if (patch) writes.update(attempt.id, patch);
    return patch !== null;
  }
}
