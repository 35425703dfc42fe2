import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { ChallengePurpose, ChallengeUpdated, ChallengeView, VerificationRef } from '@redial/contracts';
import { AttemptPatch, ChallengeLocator, ChallengeRecord, ChallengeRepository, NewChallenge, NewStep, PhoneSettingsRepository, StoredPhone, StoredSettings, Tx, WrittenTransition } from '@redial/database';
import {
  callsToEnd,
  ChallengePolicy,
  ChallengeState,
  challengeStateOf,
  Decision,
  decideNext,
  decideWithExpiry,
  initialState,
  latestTextAttempt,
  maskPhone,
  needsWakeUp,
  Outcome,
  pendingStepDeadline,
  planTransition,
  signChallengeToken,
  StepDeadline,
  statusPageUrl,
  textCodeMatches,
} from '@redial/domain';
import { EventPublisher, QueueService } from '@redial/queue';
import { TELEPHONY_PROVIDER, type TelephonyProvider } from '@redial/telephony';
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

/** Like BeforeDecide, and it also hands its caller a result worked out under the lock (e.g. a reply). */
export type DecideWith<R> = (writes: AttemptWrites, record: ChallengeRecord) => Promise<{ outcome: Outcome | null; result: R }>;

/** A new challenge: its view, its token, and the person's live status page (with the token). */
export interface StartedChallenge {
  view: ChallengeView;
  token: string;
  statusUrl: string;
}

/**
 * A caller's own statements in the transaction that creates a challenge (an Idempotency-Key's, apps/api):
 * `begin` before the challenge's writes (it may refuse by throwing), `end` after them, with the new challenge, as
 * the transaction's last statement (it may send it with the COMMIT: `tx.finish`).
 */
export interface CreationHooks {
  begin(tx: Tx): Promise<void>;
  end(tx: Tx, started: StartedChallenge): Promise<void>;
}

export interface ApplyOptions {
  /**
   * false: commit without waiting for the disk flush (ChallengeRepository.withLock), for a transition that can
   * be derived again should PostgreSQL lose it in a crash (the record of a send: see DispatchProcessor).
   */
  durable?: boolean;
  /**
   * The challenge as the caller read it, without its lock (a dispatch job reads it before its send). The hook and
   * the decision then run on it first, and a changed decision is written in one statement that applies only while
   * the challenge is still at that version (ChallengeRepository.writeTransitionAt): no lock, no read, one round
   * trip. The version moves with every transition, and the state machine reads nothing that changes without one:
   * the statuses a callback moves forward on its own (advanceAttempt) only show in the published view, and the
   * hook must not read them either — unless a read behind them decides alike (a text's final status, forward-only:
   * TwilioWebhooksService.smsStatus). When the challenge moved on meanwhile, or the decision changes nothing, or the
   * transition starts an attempt, ends calls (which attempts hold a call is read from the record) or settles
   * settings, the locked path runs as without it, the hook again on the record read under the lock (a hook that may
   * run twice decides, and does nothing else that must happen once).
   */
  expected?: ChallengeRecord;
}

/** A hook's outcome decided on a record: the record with the hook's attempt updates, and the decision. */
interface Decided<R> {
  outcome: Outcome | null;
  result: R;
  /** The hook's attempt updates, stamped with the transition's time. */
  attempts: Map<string, AttemptPatch>;
  record: ChallengeRecord;
  state: ChallengeState;
  decision: Decision;
}

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
    /** Only its name, written into each attempt a transition starts. */
    @Inject(TELEPHONY_PROVIDER) private readonly provider: Pick<TelephonyProvider, 'name'>,
  ) {}

  /**
   * `POST /v1/challenges`: a sign-in challenge over the user's active phones, primary first. `admit` sees the
   * phones before anything is written and may refuse by throwing (the pumping guard: every step a text to a
   * suspended prefix).
   */
  async createSignIn(
    userId: string,
    purpose: ChallengePurpose,
    requestId?: string,
    admit?: (phones: StoredSettings['phones']) => Promise<void>,
    hooks?: CreationHooks,
  ): Promise<StartedChallenge> {
    const { active } = await this.settings.findCurrent(userId);
    if (!active) throw new EngineError('no_verified_phone', `User ${userId} has no verified phone. Register phones and verify the primary one first.`);
    if (admit) await admit(active.phones);
    return this.create(userId, purpose, active, active.phones, requestId, hooks);
  }

  /**
   * Saving phone settings: `pending`, a new version not stored yet, is written with a challenge to its primary
   * phone, in one transaction; approval activates the settings.
   */
  async startSettingsVerification(pending: StoredSettings, requestId?: string, hooks?: CreationHooks): Promise<StartedChallenge> {
    const primary = pending.phones.filter((p) => p.role === 'primary');
    return this.create(pending.userId, 'settings', pending, primary, requestId, hooks);
  }

  /** "Verify this phone now": a challenge to one phone of the settings alone; approval records it as verified. */
  async startPhoneCheck(settings: StoredSettings, phone: StoredPhone, requestId?: string): Promise<VerificationRef> {
    const { view, token, statusUrl } = await this.create(settings.userId, 'phone_check', settings, [phone], requestId);
    return { challengeId: view.id, token, statusUrl };
  }

  private async create(
    userId: string,
    purpose: ChallengePurpose,
    settings: StoredSettings,
    phones: StoredSettings['phones'],
    requestId?: string,
    hooks?: CreationHooks,
  ): Promise<StartedChallenge> {
    const id = randomUUID();
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.policy.challengeTtlMs);
    const before = initialState(phones.map((p) => p.method));
    const start = decideNext(before, { type: 'start' }, this.policy);
    const settingsId = purpose === 'sign_in' ? null : settings.id;
    const token = signChallengeToken({ challengeId: id, expiresAt }, this.config.keys.challengeTokens);
    const statusUrl = statusPageUrl(this.config.publicUrl, id, token);
    // The first transition is planned on the challenge as it is about to be inserted, and the challenge is inserted
    // as that transition leaves it: its row, steps, first attempt and events in one statement.
    const plan = planTransition({ purpose, settingsId, lastSeq: 0, version: 0, firstDeliveryAt: null }, before, start, now);
    const challenge: NewChallenge = { id, userId, purpose, settingsId, expiresAt, requestId: requestId ?? null, createdAt: now, ...plan.patch };
    const steps: NewStep[] = phones.map((p, index) => {
      const change = plan.steps.find((step) => step.index === index)?.patch;
      const { role, e164, country, method } = p;
      return { index, role, e164, masked: maskPhone(e164), country, method, extension: p.extension ?? null, label: p.label ?? null, status: change?.status ?? 'waiting', reason: change?.reason ?? null, startedAt: change?.startedAt ?? null };
    });
    const first = {
      attempt: plan.attempt === null ? undefined : { ...plan.attempt, id: randomUUID(), challengeId: id, provider: this.provider.name },
      firstSeq: plan.firstSeq,
      events: plan.events,
    };
    // Alone, that statement is its own transaction (one round trip, no BEGIN or COMMIT). A settings challenge is
    // written with the settings it verifies, and a caller's hooks (an Idempotency-Key's) add statements of their own:
    // then one transaction, its statements sent together, the COMMIT with the last.
    const record =
      hooks === undefined && purpose !== 'settings'
        ? await this.challenges.create(challenge, steps, first)
        : await this.challenges.transaction(async (tx) => {
            await hooks?.begin(tx);
            const settingsWritten = purpose === 'settings' ? this.settings.writePending(tx, { ...settings, challengeId: id }) : undefined;
            const inserted = this.challenges.create(challenge, steps, first, { tx, last: hooks === undefined });
            const [, written] = await Promise.all([settingsWritten, inserted]);
            await hooks?.end(tx, { view: this.view(written), token, statusUrl });
            return written;
          });
    const transition: Transition = { decision: start, record, view: this.view(record) };
    // The expiry job and the first dispatch job leave together: one wait for Redis instead of two in a row.
    await Promise.all([
      this.queues.expire({ challengeId: id }, this.policy.challengeTtlMs).catch((err: unknown) => this.deferred('expire', id, err)),
      this.afterCommit(transition),
    ]);
    return { view: transition.view, token, statusUrl };
  }

  /**
   * Applies one outcome to the challenge `target` names (its id, or one of its attempts). Returns the
   * transition, or undefined when there is no such challenge.
   */
  async apply(target: ChallengeLocator, outcome: Outcome | null, before?: BeforeDecide, options?: ApplyOptions): Promise<Transition | undefined> {
    const done = await this.applyWith(target, async (writes, record) => ({ outcome: (before ? await before(writes, record) : null) ?? outcome, result: undefined }), options);
    return done?.transition;
  }

  /**
   * Applies the outcome `hook` works out under the challenge's lock, and returns the transition with the hook's
   * result (undefined when there is no such challenge). Lock → hook → decide → write; after the commit, publish
   * and enqueue. With `expected` (ApplyOptions), hook → decide → one guarded write first, without the lock.
   */
  async applyWith<R>(target: ChallengeLocator, hook: DecideWith<R>, { durable = true, expected }: ApplyOptions = {}): Promise<{ transition: Transition; result: R } | undefined> {
    const now = new Date();
    const unlocked = expected && (await this.applyAt(expected, hook, now, durable));
    const done = unlocked ?? (await this.challenges.withLock(target, async (tx, locked) => {
      if (!locked) return undefined;
      const { outcome, result, attempts, record, state, decision } = await this.decide(locked, hook, now);
      if (!decision.changed) {
        await this.challenges.updateAttempts(tx, attempts, true);
        return { transition: { decision, record, view: this.view(record) }, result, before: undefined };
      }
      return { transition: await this.persist(tx, record, state, decision, now, outcome ?? undefined, attempts), result, before: pendingStepDeadline(locked) };
    }, { durable }));
    if (done?.transition.decision.changed) await this.afterCommit(done.transition, done.before);
    return done && { transition: done.transition, result: done.result };
  }

  /** Runs `hook` on `locked` and decides its outcome. */
  private async decide<R>(locked: ChallengeRecord, hook: DecideWith<R>, now: Date): Promise<Decided<R>> {
    const writes = new AttemptWrites();
    const { outcome, result } = await hook(writes, locked);
    // The hook's attempt updates as they will be written: the record reflects them without reading again.
    const attempts = new Map([...writes.pending].map(([id, patch]) => [id, { ...patch, updatedAt: now }]));
    const record = attempts.size > 0 ? { ...locked, attempts: locked.attempts.map((a) => ({ ...a, ...attempts.get(a.id) })) } : locked;
    // The state as locked: the hook's attempt updates never renumber attempts, and a retry the state machine
    // decided earlier is recognised by its finished attempt (challengeStateOf), not by one finished just now.
    const state = challengeStateOf(locked);
    return { outcome, result, attempts, record, state, decision: decideWithExpiry(state, outcome, record.expiresAt, now, this.policy) };
  }

  /**
   * ApplyOptions.expected: the transition decided on the caller's record and written in one statement while the
   * challenge is still at its version; undefined when the locked path must run instead (nothing was written).
   */
  private async applyAt<R>(expected: ChallengeRecord, hook: DecideWith<R>, now: Date, durable: boolean): Promise<{ transition: Transition; result: R; before: StepDeadline | undefined } | undefined> {
    const { outcome, result, attempts, record, state, decision } = await this.decide(expected, hook, now);
    if (!decision.changed || decision.effects.some((e) => e.type === 'end_call')) return undefined;
    const plan = planTransition(record, state, decision, now, outcome ?? undefined);
    if (plan.attempt !== null || plan.settings !== null || plan.verifiedStep !== null) return undefined;
    const change = { patch: plan.patch, steps: plan.steps, firstSeq: plan.firstSeq, events: plan.events, attempts };
    const written = await this.challenges.writeTransitionAt(expected.version, record.id, change, { durable });
    if (!written) return undefined;
    return { transition: this.written(record, decision, written), result, before: pendingStepDeadline(expected) };
  }

  /**
   * `POST /v1/challenges/:id/check`: compares in constant time against the code of the challenge's latest text,
   * derived again from its attempt (nothing is stored). Single use and the wrong-code limit are the state's.
   */
  async checkCode(challengeId: string, code: string): Promise<Transition | undefined> {
    return this.apply(challengeId, null, async (_writes, record) => {
      const text = latestTextAttempt(record.attempts);
      return { type: 'code_checked', correct: text !== undefined && textCodeMatches(code, this.config.keys.smsCodes, text.id) };
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
   * Carries out the transition's write plan (planTransition, in libs/domain) in one statement, sent with the
   * COMMIT: the hook's attempt updates, the attempt a dispatch starts, the challenge row, the steps that changed,
   * the events — and, for a settings challenge that ends, its settings. The new record is assembled from what
   * those writes return (UPDATE … RETURNING) instead of being read again.
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
    const plan = planTransition(record, before, decision, now, outcome);
    const newAttempt = plan.attempt === null ? undefined : { ...plan.attempt, id: randomUUID(), challengeId: record.id, provider: this.provider.name };
    const change = { patch: plan.patch, steps: plan.steps, firstSeq: plan.firstSeq, events: plan.events, attempts, newAttempt };
    const written = await this.challenges.writeTransition(tx, record.id, change, plan.settings === null && plan.verifiedStep === null);
    const transition = this.written(record, decision, written);
    if (plan.settings?.verdict === 'activate') await this.settings.activate(plan.settings.settingsId, tx, now);
    if (plan.settings?.verdict === 'reject') await this.settings.reject(plan.settings.settingsId, tx);
    const verified = transition.record.steps.find((s) => s.index === plan.verifiedStep);
    if (verified) await this.settings.markVerified(record.userId, verified, now, tx);
    return transition;
  }

  /** The transition, its record assembled from what its statement returned (UPDATE … RETURNING). */
  private written(record: ChallengeRecord, decision: Decision, written: WrittenTransition): Transition {
    const steps = record.steps.map((s) => written.steps.find((w) => w.index === s.index) ?? s);
    const updated: ChallengeRecord = { ...written.row, steps, attempts: written.attempt ? [...record.attempts, written.attempt] : record.attempts };
    return { decision, record: updated, view: this.view(updated) };
  }

  /**
   * Follow-up jobs and publication. A lost job is re-created by the reconciler from next_action_at. `before`: the
   * step deadline the challenge waited on before this transition, whose wake-up is already queued.
   */
  private async afterCommit(t: Transition, before?: StepDeadline): Promise<void> {
    const id = t.record.id;
    // Publish first: a later transition (a webhook racing this one) must not overtake these events.
    const firstSeq = t.record.lastSeq - t.decision.events.length + 1;
    t.decision.events.forEach((e, i) => {
      const update: ChallengeUpdated = { seq: firstSeq + i, type: e.type, at: t.record.updatedAt.toISOString(), challenge: t.view };
      this.publisher.challengeUpdated(update);
    });
    for (const effect of t.decision.effects) {
      if (effect.type === 'dispatch') {
        // The attempt the same transition wrote (planTransition): the job carries its id.
        const attempt = t.record.attempts.find((a) => a.stepIndex === effect.step && a.attemptNo === effect.attemptNo);
        if (!attempt) {
          this.deferred('dispatch', id, new Error('the transition wrote no attempt'));
          continue;
        }
        await this.queues
          .dispatch(effect.method, { challengeId: id, step: effect.step, attemptNo: effect.attemptNo, attemptId: attempt.id, requestId: t.record.requestId ?? undefined })
          .catch((err: unknown) => this.deferred('dispatch', id, err));
      }
      if (effect.type === 'end_call') {
        // Calls whose SID is known; a call still being placed is ended by its dispatch job when it sees the move.
        for (const attempt of callsToEnd(t.record.attempts, effect.step)) {
          await this.queues.endCall({ challengeId: id, attemptId: attempt.id }).catch((err: unknown) => this.deferred('end-call', id, err));
        }
      }
      if (effect.type === 'step_deadline' && t.record.nextActionAt) {
        const deadline = t.record.nextActionAt.getTime();
        // A deadline moved later for the same attempt: the earlier one's wake-up defers to it (step-wake-up.ts).
        if (!needsWakeUp(before, { step: effect.step, attemptNo: effect.attemptNo, deadline })) continue;
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
