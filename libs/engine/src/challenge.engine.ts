import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { ChallengePurpose, ChallengeUpdated, ChallengeView, ContactMethod, StepStatus, VerificationRef } from '@redial/contracts';
import { AttemptPatch, ChallengeLocator, ChallengePatch, ChallengeRecord, ChallengeRepository, NewEvent, PhoneSettingsRepository, StoredSettings, Tx } from '@redial/database';
import {
  ChallengePolicy,
  ChallengeState,
  codeMatches,
  Decision,
  decideNext,
  initialState,
  isFinal,
  maskPhone,
  Outcome,
  signChallengeToken,
} from '@redial/domain';
import { EventPublisher, QueueService } from '@redial/queue';
import { AttemptWrites } from './attempt-writes';
import { CHALLENGE_POLICY } from './engine.policy';
import { toChallengeView } from './challenge-view';
import { EngineError } from './engine.error';

export interface Transition {
  decision: Decision;
  record: ChallengeRecord;
  view: ChallengeView;
}

/**
 * Work done under the challenge's lock, before the decision: it reads the locked record, may ask for attempt
 * updates, and returns the outcome to decide on (null: the caller's outcome, or nothing).
 */
export type BeforeDecide = (writes: AttemptWrites, record: ChallengeRecord) => Promise<Outcome | null>;

/**
 * Applies outcomes to challenges: lock the row, decide with the pure state machine, write the new state and its
 * events in one transaction, then (after commit) enqueue the follow-up jobs and publish the events.
 */
@Injectable()
export class ChallengeEngine {
  private readonly logger = new Logger('ChallengeEngine');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CHALLENGE_POLICY) readonly policy: ChallengePolicy,
    private readonly challenges: ChallengeRepository,
    private readonly settings: PhoneSettingsRepository,
    private readonly queues: QueueService,
    private readonly publisher: EventPublisher,
  ) {}

  /** `POST /v1/challenges`: a sign-in challenge over the user's active phones, primary first. */
  async createSignIn(userId: string, purpose: ChallengePurpose, requestId?: string): Promise<{ view: ChallengeView; token: string }> {
    const { active } = await this.settings.findCurrent(userId);
    if (!active) throw new EngineError('no_verified_phone', `User ${userId} has no verified phone. Register phones and verify the primary one first.`);
    return this.create(userId, purpose, active, active.phones, requestId);
  }

  /** Saving phone settings: a challenge to the new primary phone; approval activates the settings. */
  async startSettingsVerification(pending: StoredSettings, requestId?: string): Promise<VerificationRef> {
    const primary = pending.phones.filter((p) => p.role === 'primary');
    const { view, token } = await this.create(pending.userId, 'settings', pending, primary, requestId);
    await this.settings.attachChallenge(pending.id, view.id);
    return { challengeId: view.id, token, statusUrl: `${this.config.publicUrl}/status/${view.id}?token=${encodeURIComponent(token)}` };
  }

  private async create(userId: string, purpose: ChallengePurpose, settings: StoredSettings, phones: StoredSettings['phones'], requestId?: string) {
    const id = randomUUID();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.policy.challengeTtlMs);
    const start = decideNext(initialState(phones.map((p) => p.method)), { type: 'start' }, this.policy);
    const transition = await this.challenges.transaction(async (tx) => {
      // The insert and the first transition leave together: the transition works on the record as inserted.
      const { record, written } = this.challenges.create(
        tx,
        { id, userId, purpose, settingsId: purpose === 'settings' ? settings.id : null, status: 'pending', currentStep: 0, expiresAt, requestId: requestId ?? null, createdAt: now },
        phones.map((p, index) => ({
          index,
          role: p.role,
          e164: p.e164,
          masked: maskPhone(p.e164),
          country: p.country,
          method: p.method,
          extension: p.extension ?? null,
          label: p.label ?? null,
          status: 'waiting',
        })),
      );
      const started = this.persist(tx, record, initialState(phones.map((p) => p.method)), start, now);
      started.catch(() => undefined); // the insert's own error, if any, is the one to report
      await written;
      return started;
    });
    await this.queues.expire({ challengeId: id }, this.policy.challengeTtlMs).catch((err: unknown) => this.deferred('expire', id, err));
    await this.afterCommit(transition);
    return { view: transition.view, token: signChallengeToken({ challengeId: id, expiresAt }, this.config.tokenSecret) };
  }

  /**
   * Applies one outcome to the challenge `target` names (its id, or one of its attempts). Returns the
   * transition, or undefined when there is no such challenge.
   */
  async apply(target: ChallengeLocator, outcome: Outcome | null, before?: BeforeDecide): Promise<Transition | undefined> {
    const now = new Date();
    const transition = await this.challenges.withLock(target, async (tx, locked) => {
      if (!locked) return undefined;
      const writes = new AttemptWrites();
      const fromHook = before ? await before(writes, locked) : null;
      // The hook's attempt updates as they will be written: the record reflects them without reading again.
      const attempts = new Map([...writes.pending].map(([id, patch]) => [id, { ...patch, updatedAt: now }]));
      const record = attempts.size > 0 ? { ...locked, attempts: locked.attempts.map((a) => ({ ...a, ...attempts.get(a.id) })) } : locked;
      const effective = fromHook ?? outcome;
      const state = stateOf(record);
      // An expired challenge turns `expired` on the first outcome that finds it, whatever that outcome was.
      const decision: Decision = !effective
        ? { state, events: [], effects: [], changed: false }
        : !isFinal(state.status) && record.expiresAt <= now && effective.type !== 'expire'
          ? decideNext(state, { type: 'expire' }, this.policy)
          : decideNext(state, effective, this.policy);
      if (!decision.changed) {
        await this.challenges.updateAttempts(tx, attempts, true);
        return { decision, record, view: this.view(record) };
      }
      return this.persist(tx, record, state, decision, now, effective ?? undefined, attempts);
    });
    if (transition?.decision.changed) await this.afterCommit(transition);
    return transition;
  }

  /** `POST /v1/challenges/:id/check`: compares in constant time against the hash of the latest text's code. */
  async checkCode(challengeId: string, code: string): Promise<Transition | undefined> {
    return this.apply(challengeId, null, async (_writes, record) => {
      const correct =
        record.codeHash !== null && record.codeAttemptId !== null && codeMatches(code, record.codeHash, this.config.tokenSecret, record.id, record.codeAttemptId);
      return { type: 'code_checked', correct };
    });
  }

  async load(challengeId: string): Promise<ChallengeView | undefined> {
    const record = await this.challenges.find(challengeId);
    return record ? this.view(record) : undefined;
  }

  view(record: ChallengeRecord): ChallengeView {
    return toChallengeView(record, this.policy.maxWrongCodes);
  }

  /**
   * Writes the decision in one statement, sent with the COMMIT: the hook's attempt updates, the challenge row,
   * the steps that changed, the events. The new record is assembled from what those writes return
   * (UPDATE … RETURNING) instead of being read again.
   */
  private async persist(
    tx: Tx,
    record: ChallengeRecord,
    before: ChallengeState,
    decision: Decision,
    now: Date,
    outcome?: Outcome,
    attempts?: ReadonlyMap<string, AttemptPatch>,
  ): Promise<Transition> {
    const after = decision.state;
    const patch: ChallengePatch = {
      status: after.status,
      currentStep: after.currentStep,
      wrongCodes: after.wrongCodes,
      sends: after.sends,
      lastSeq: record.lastSeq + decision.events.length,
      version: record.version + 1,
    };
    for (const effect of decision.effects) {
      if (effect.type === 'dispatch') Object.assign(patch, { nextAction: 'dispatch', nextActionAt: now });
      if (effect.type === 'step_deadline') Object.assign(patch, { nextAction: 'step_timeout', nextActionAt: new Date(now.getTime() + effect.afterMs) });
      if (effect.type === 'clear_deadline') Object.assign(patch, { nextAction: null, nextActionAt: null });
      if (effect.type === 'clear_code') Object.assign(patch, { codeHash: null, codeAttemptId: null });
    }
    if (outcome?.type === 'fraud_reported') patch.fraudReported = true;
    if ((outcome?.type === 'delivered' || outcome?.type === 'answered') && !record.firstDeliveryAt) patch.firstDeliveryAt = now;
    if (isFinal(after.status)) {
      patch.finishedAt = now;
      if (after.status === 'approved') patch.approvedAt = now;
    }
    const changedSteps = after.steps
      .filter((step) => before.steps[step.index].status !== step.status || before.steps[step.index].reason !== step.reason)
      .map((step) => ({
        index: step.index,
        patch: {
          status: step.status,
          reason: step.reason ?? null,
          ...(step.status === 'active' ? { startedAt: now } : {}),
          ...(isEnded(step.status) ? { endedAt: now } : {}),
        },
      }));
    const events: NewEvent[] = decision.events.map((e) => ({
      type: e.type,
      at: now,
      payload: { status: after.status, step: e.step ?? null, attemptNo: e.attemptNo ?? null, reason: e.reason ?? null, errorCode: e.errorCode ?? null },
    }));
    // A settings challenge that ends also settles its settings, in the same transaction (then COMMIT follows).
    const settingsId = isFinal(after.status) && record.purpose === 'settings' ? record.settingsId : null;
    const change = { patch, steps: changedSteps, firstSeq: record.lastSeq + 1, events, attempts };
    const written = await this.challenges.writeTransition(tx, record.id, change, settingsId === null);
    const steps = record.steps.map((s) => written.steps.find((w) => w.index === s.index) ?? s);
    if (settingsId !== null) {
      if (after.status === 'approved') await this.settings.activate(settingsId, tx, now);
      else await this.settings.reject(settingsId, tx);
    }
    const updated: ChallengeRecord = { ...written.row, steps, attempts: record.attempts };
    return { decision, record: updated, view: this.view(updated) };
  }

  /** Follow-up jobs and publication. A lost job is re-created by the reconciler from next_action_at. */
  private async afterCommit(t: Transition): Promise<void> {
    const id = t.record.id;
    // Publish first: a later transition (a webhook racing this one) must not overtake these events.
    const firstSeq = t.record.lastSeq - t.decision.events.length + 1;
    t.decision.events.forEach((e, i) => {
      const update: ChallengeUpdated = { seq: firstSeq + i, type: e.type, at: t.record.updatedAt.toISOString(), challenge: t.view };
      this.publisher.challengeUpdated(update);
    });
    for (const effect of t.decision.effects) {
      if (effect.type === 'dispatch') {
        await this.queues
          .dispatch(effect.method as ContactMethod, { challengeId: id, step: effect.step, attemptNo: effect.attemptNo, requestId: t.record.requestId ?? undefined })
          .catch((err: unknown) => this.deferred('dispatch', id, err));
      }
      if (effect.type === 'end_call') {
        // Calls whose SID is known; a call still being placed is ended by its dispatch job when it sees the move.
        for (const attempt of t.record.attempts) {
          if (attempt.stepIndex !== effect.step || attempt.providerSid === null || attempt.finishedAt !== null) continue;
          await this.queues.endCall({ challengeId: id, attemptId: attempt.id }).catch((err: unknown) => this.deferred('end-call', id, err));
        }
      }
      if (effect.type === 'step_deadline' && t.record.nextActionAt) {
        const deadline = t.record.nextActionAt.getTime();
        await this.queues
          .stepTimeout({ challengeId: id, step: effect.step, attemptNo: effect.attemptNo, deadline }, deadline - Date.now())
          .catch((err: unknown) => this.deferred('step-timeout', id, err));
      }
    }
  }

  private deferred(what: string, challengeId: string, err: unknown): void {
    this.logger.warn(`could not enqueue ${what} for challenge ${challengeId} (${(err as Error).message}); the reconciler will retry`);
  }
}

function isEnded(status: StepStatus): boolean {
  return status === 'failed' || status === 'succeeded' || status === 'skipped';
}

export function stateOf(record: ChallengeRecord): ChallengeState {
  return {
    status: record.status as ChallengeState['status'],
    currentStep: record.currentStep,
    steps: record.steps.map((s) => ({
      index: s.index,
      method: s.method as ContactMethod,
      status: s.status as StepStatus,
      reason: s.reason ?? undefined,
      attempts: record.attempts.filter((a) => a.stepIndex === s.index).reduce((max, a) => Math.max(max, a.attemptNo), s.status === 'waiting' ? 0 : 1),
    })),
    sends: record.sends,
    wrongCodes: record.wrongCodes,
    hasCode: record.codeHash !== null,
  };
}
