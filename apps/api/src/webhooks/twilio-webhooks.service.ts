import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { twilioWebhookUrl } from '@redial/contracts';
import { AttemptRecord, ChallengeRecord, ChallengeRepository } from '@redial/database';
import { advanceAttempt, AttemptStatus, CALL_GOODBYE, CallPrompt, callPromptOf, CallReply, CallRequest, decideCallTurn, Outcome, rankOf } from '@redial/domain';
import { AttemptWrites, ChallengeEngine } from '@redial/engine';
import { addLogBindings } from '@redial/ops';
import { buildFraudConfirmTwiml, buildGoodbyeTwiml, buildPromptTwiml, isTextInTransit, ProviderVerdict, TELEPHONY_PROVIDER, TelephonyProvider, TwilioParams } from '@redial/telephony';

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
   * the attempt it is applied in one statement, without the challenge's lock or the engine (with the other such
   * callbacks of the same 10 ms: ChallengeRepository.advanceAttempt writes them in batches). That write does not
   * wait for PostgreSQL's disk flush: a crash that loses it loses a status nothing decides on, that only ever
   * moves forward and that the text's next callback (its delivery or failure) overwrites, and a provider SID the
   * worker's record of the send carries too (when both are lost, the reconciler's dispatch job finds the text at
   * the provider, as for a lost record). An attempt the statement does not find takes the locked path, which also
   * looks for the SID.
   *
   * A delivery or a failure changes the challenge. When the callback names its attempt, the challenge is read
   * once, without a lock, and the engine decides on that record and writes the transition in one statement while
   * the challenge is still at the version read (`expected`, ChallengeEngine.applyWith). The hook reads the
   * attempt's status, which moves without the version (a status on its way, above): that read can only be behind,
   * and what the hook writes — a final status — ranks above every status on its way. A final status of the same
   * attempt written meanwhile came with a transition that moved the version (at one version a delivery and a
   * failure of the attempt decide alike: its step is current or not), so this write then finds another version and
   * the locked path decides again, on the attempt as that left it: the first final status wins, as under the lock.
   * Everything else — the challenge moved on, a failure that fails over to a backup (it starts an attempt), a
   * duplicate (it changes nothing), an unknown attempt, a callback with only a SID — takes the locked path as
   * before. The write waits for the disk flush like every transition: its events are published.
   */
  async smsStatus(params: TwilioParams, attemptHint?: string): Promise<void> {
    const event = this.provider.parseSmsStatusCallback(params);
    if (!event || !event.status) return;
    const status = event.status;
    const inTransit = isTextInTransit(status);
    if (attemptHint !== undefined && inTransit) {
      const change = { status, statusRank: rankOf(status), providerSid: event.sid, ...(event.errorCode !== undefined && { errorCode: event.errorCode }) };
      const { result, requestId } = await this.challenges.advanceAttempt(attemptHint, change);
      if (requestId !== null) addLogBindings({ requestId });
      if (result !== 'unknown') return;
    }
    // A delivery or a failure: the attempt's challenge whole, in one statement (as a dispatch job reads it).
    const expected = attemptHint !== undefined && !inTransit ? (await this.challenges.findForDispatch(attemptHint))?.challenge : undefined;
    const failure = await this.onAttempt(
      event.sid,
      attemptHint,
      async (writes, attempt): Promise<{ outcome: Outcome | null; result: ProviderVerdict | null }> => {
        if (!this.advance(writes, attempt, status, { errorCode: event.errorCode })) return { outcome: null, result: null };
        const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
        if (status === 'delivered') return { outcome: { type: 'delivered', ...ref }, result: null };
        const verdict = this.provider.classifySmsCallback(event.twilioStatus, event.errorCode);
        if (!verdict) return { outcome: null, result: null };
        writes.update(attempt.id, { reason: verdict.reason });
        return { outcome: { type: 'step_failed', reason: verdict.reason, errorCode: event.errorCode, ...ref }, result: verdict };
      },
      expected,
    );
    // Logged once the failure is written: the hook may run twice (on the record read, then under the lock).
    if (failure?.action === 'configuration') this.logger.error(`provider configuration problem on a text: ${failure.reason} (${event.errorCode ?? 'no code'})`);
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
   * With `expected` (the challenge as read without the lock), `fn` runs on that record first, and again under the
   * lock only when the transition cannot be written on it (ApplyOptions.expected): `fn` decides, and does nothing
   * else that must happen once.
   */
  private async onAttempt<R>(
    sid: string | undefined,
    attemptId: string | undefined,
    fn: (writes: AttemptWrites, attempt: AttemptRecord, record: ChallengeRecord) => Promise<Outcome | null | { outcome: Outcome | null; result: R }>,
    expected?: ChallengeRecord,
  ): Promise<R | undefined> {
    // The callback's log lines join those of the request that created the challenge: bound once (a binding added
    // twice is written twice), from the record read, else from the one locked.
    if (expected?.requestId) addLogBindings({ requestId: expected.requestId });
    // The hook's result: null when the callback names no attempt of ours, else what `fn` handed back.
    const hook = async (writes: AttemptWrites, record: ChallengeRecord) => {
      if (expected === undefined && record.requestId !== null) addLogBindings({ requestId: record.requestId });
      const attempt = record.attempts.find((a) => a.id === attemptId) ?? record.attempts.find((a) => sid !== undefined && a.providerSid === sid);
      if (!attempt) return { outcome: null, result: null };
      if (sid && !attempt.providerSid) writes.update(attempt.id, { providerSid: sid });
      const answer = await fn(writes, attempt, record);
      return answer !== null && 'result' in answer ? { outcome: answer.outcome, result: { value: answer.result } } : { outcome: answer, result: {} };
    };
    const done = await this.engine.applyWith<{ value?: R } | null>({ attemptId, sid }, hook, expected && { expected });
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
