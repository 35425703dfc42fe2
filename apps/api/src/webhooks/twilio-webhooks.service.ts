import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { AttemptPatch, AttemptRecord, ChallengeRecord } from '@redial/database';
import { CallKeyVerdict, CallPrompt, callPromptOf, Outcome, readCallKeys } from '@redial/domain';
import { AttemptWrites, ChallengeEngine } from '@redial/engine';
import {
  AttemptStatus,
  buildFraudConfirmTwiml,
  buildGoodbyeTwiml,
  buildPromptTwiml,
  classifyCallCompletion,
  classifySmsCallback,
  parseCallStatusCallback,
  parseSmsStatusCallback,
  rankOf,
  TwilioParams,
} from '@redial/telephony';

/** How often the prompt is played before silence counts as no answer: the prompt, then one repeat. */
const MAX_PROMPTS = 2;

const GOODBYE = {
  approved: 'Thank you. You are verified. Goodbye.',
  denied: 'Thank you. The sign-in has been blocked and reported. Goodbye.',
  noInput: 'We did not receive any input. Goodbye.',
  inactive: 'This verification is no longer active. Goodbye.',
  machine: 'Goodbye.',
};

/**
 * Turns Twilio callbacks into attempt updates and engine outcomes. Updates only move forward (ranked statuses),
 * so duplicate and out-of-order callbacks are harmless; every outcome goes through the engine's decideNext.
 */
@Injectable()
export class TwilioWebhooksService {
  private readonly logger = new Logger('TwilioWebhooks');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly engine: ChallengeEngine,
  ) {}

  async smsStatus(params: TwilioParams, attemptHint?: string): Promise<void> {
    const event = parseSmsStatusCallback(params);
    if (!event || !event.status) return;
    const status = event.status;
    await this.onAttempt(event.sid, attemptHint, async (writes, attempt) => {
      if (!this.advance(writes, attempt, status, event.errorCode)) return null;
      const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
      if (status === 'delivered') return { type: 'delivered', ...ref };
      const failure = classifySmsCallback(event.twilioStatus, event.errorCode);
      if (!failure) return null;
      writes.update(attempt.id, { reason: failure.reason });
      if (failure.action === 'configuration') this.logger.error(`provider configuration problem on a text: ${failure.reason} (${event.errorCode ?? 'no code'})`);
      return { type: 'step_failed', reason: failure.reason, errorCode: event.errorCode, ...ref };
    });
  }

  async callStatus(params: TwilioParams, attemptHint?: string): Promise<void> {
    const event = parseCallStatusCallback(params);
    if (!event || !event.status) return;
    const status = event.status;
    await this.onAttempt(event.sid, attemptHint, async (writes, attempt, record) => {
      const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
      const answeredBy = event.answeredBy ?? attempt.answeredBy;
      if (!this.advance(writes, attempt, status, undefined, event.answeredBy)) return null;
      if (status === 'ringing') return { type: 'ringing', ...ref };
      if (status === 'answered') return { type: 'answered', ...ref };
      if (!['completed', 'busy', 'no_answer', 'failed', 'canceled'].includes(status)) return null;
      // The keypad already decided (approved, denied) or failover moved on: the call's end is no failure.
      if (record.status !== 'pending' || record.currentStep !== attempt.stepIndex) return null;
      const failure = classifyCallCompletion({ callStatus: event.twilioStatus, answeredBy, sipResponseCode: event.sipResponseCode });
      if (!failure) return null;
      writes.update(attempt.id, { reason: failure.reason });
      return { type: 'step_failed', reason: failure.reason, ...ref };
    });
  }

  /** The TwiML Twilio fetches when the call is answered, and again (by Redirect) when the prompt got no input. */
  voice(attemptId: string, params: TwilioParams): Promise<string> {
    const answeredBy = first(params, 'AnsweredBy');
    return this.answerCall(attemptId, async ({ writes, attempt, ref, say, repeat }) => {
      if (answeredBy && (answeredBy.startsWith('machine_') || answeredBy === 'fax')) {
        say(GOODBYE.machine);
        writes.update(attempt.id, { answeredBy, reason: 'voicemail' });
        return { type: 'step_failed', reason: 'voicemail', ...ref };
      }
      const gaveUp = await repeat();
      if (gaveUp) return gaveUp;
      // Fetching the prompt proves the call was answered, whichever arrives first: this or the status callback.
      return this.advance(writes, attempt, 'answered') ? { type: 'answered', ...ref } : null;
    });
  }

  /**
   * The key pressed at a prompt (one key per answer, see buildPromptTwiml): `#` approves; `0` asks for `#` to
   * confirm, and that `#` denies and reports fraud; anything else plays the prompt again, within the same limit.
   */
  gather(attemptId: string, params: TwilioParams, promptName?: string): Promise<string> {
    const verdict = readCallKeys(callPromptOf(promptName), first(params, 'Digits') ?? '');
    return this.answerCall(attemptId, async ({ writes, attempt, ref, say, confirmFraud, repeat }) => {
      switch (verdict) {
        case CallKeyVerdict.Approve:
          say(GOODBYE.approved);
          writes.update(attempt.id, { reason: null });
          return { type: 'approved_by_call', ...ref };
        case CallKeyVerdict.ReportFraud:
          say(GOODBYE.denied);
          writes.update(attempt.id, { reason: 'fraud_reported' });
          return { type: 'fraud_reported', ...ref };
        case CallKeyVerdict.AskFraudConfirmation:
          confirmFraud();
          return null;
        case CallKeyVerdict.Repeat:
          return repeat();
      }
    });
  }

  /** Runs one voice request under the challenge's lock and answers TwiML: the prompt again, or a goodbye. */
  private async answerCall(attemptId: string, decide: (call: CallTurn) => Promise<Outcome | null>): Promise<string> {
    let reply = GOODBYE.inactive;
    let prompt = false;
    let fraudConfirmation = false;
    let purpose: 'sign_in' | 'settings' = 'sign_in';
    await this.onAttempt(undefined, attemptId, async (writes, attempt, record) => {
      if (record.status !== 'pending') return null;
      purpose = record.purpose === 'settings' ? 'settings' : 'sign_in';
      const ref = { step: attempt.stepIndex, attemptNo: attempt.attemptNo };
      return decide({
        writes,
        attempt,
        ref,
        say: (text) => (reply = text),
        confirmFraud: () => (fraudConfirmation = true),
        repeat: async () =>
          this.playPrompt(writes, attempt, ref, (played) => {
            prompt = played;
            if (!played) reply = GOODBYE.noInput;
          }),
      });
    });
    if (fraudConfirmation) return this.fraudConfirmTwiml(attemptId);
    return prompt ? this.promptTwiml(attemptId, purpose) : buildGoodbyeTwiml(reply);
  }

  private playPrompt(writes: AttemptWrites, attempt: AttemptRecord, ref: { step: number; attemptNo: number }, played: (prompt: boolean) => void): Outcome | null {
    if (attempt.promptsPlayed >= MAX_PROMPTS) {
      played(false);
      writes.update(attempt.id, { reason: 'no_answer' });
      return { type: 'step_failed', reason: 'no_answer', ...ref };
    }
    writes.update(attempt.id, { promptsPlayed: attempt.promptsPlayed + 1 });
    played(true);
    return null;
  }

  private promptTwiml(attemptId: string, purpose: 'sign_in' | 'settings'): string {
    const base = `${this.config.publicUrl}/webhooks/twilio/voice/${attemptId}`;
    return buildPromptTwiml({ gatherActionUrl: `${base}/gather`, redirectUrl: base, purpose });
  }

  /** The `#` that confirms a `0` is posted with `prompt=confirm_fraud`; no key returns to the prompt (counted). */
  private fraudConfirmTwiml(attemptId: string): string {
    const base = `${this.config.publicUrl}/webhooks/twilio/voice/${attemptId}`;
    return buildFraudConfirmTwiml({ gatherActionUrl: `${base}/gather?prompt=${CallPrompt.ConfirmFraud}`, redirectUrl: base });
  }

  /**
   * Runs `fn` under the lock of the challenge the attempt belongs to (found by our id from the callback URL,
   * else by the provider's SID), with the attempt as it is under that lock.
   */
  private async onAttempt(
    sid: string | undefined,
    attemptId: string | undefined,
    fn: (writes: AttemptWrites, attempt: AttemptRecord, record: ChallengeRecord) => Promise<Outcome | null>,
  ): Promise<void> {
    let known = false;
    await this.engine.apply({ attemptId, sid }, null, async (writes, record) => {
      const attempt = record.attempts.find((a) => a.id === attemptId) ?? record.attempts.find((a) => sid !== undefined && a.providerSid === sid);
      if (!attempt) return null;
      known = true;
      if (sid && !attempt.providerSid) writes.update(attempt.id, { providerSid: sid });
      return fn(writes, attempt, record);
    });
    if (!known) this.logger.warn(`callback for an unknown attempt (${sid ?? attemptId ?? 'no id'}) ignored`);
  }

  /** Moves the attempt's status forward only; false for a duplicate or a late, lower-ranked status. */
  private advance(writes: AttemptWrites, attempt: AttemptRecord, status: AttemptStatus, errorCode?: number, answeredBy?: string): boolean {
    const rank = rankOf(status);
    if (rank <= attempt.statusRank) return false;
    const now = new Date();
    const patch: AttemptPatch = { status, statusRank: rank };
    if (errorCode !== undefined) patch.errorCode = errorCode;
    if (answeredBy) patch.answeredBy = answeredBy;
    if (status === 'delivered' || status === 'answered') patch.deliveredAt = now;
    if (['delivered', 'undelivered', 'failed', 'completed', 'busy', 'no_answer', 'canceled'].includes(status)) patch.finishedAt = now;
    writes.update(attempt.id, patch);
    return true;
  }
}

interface CallTurn {
  writes: AttemptWrites;
  attempt: AttemptRecord;
  ref: { step: number; attemptNo: number };
  say(text: string): void;
  /** Answer with the fraud-confirmation prompt instead of a goodbye. */
  confirmFraud(): void;
  repeat(): Promise<Outcome | null>;
}

function first(params: TwilioParams, key: string): string | undefined {
  const v = params[key];
  return Array.isArray(v) ? v[0] : v;
}
