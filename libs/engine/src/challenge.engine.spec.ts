/**
 * ChallengeEngine over fakes that fail on any call not set up (no Redis, no PostgreSQL): what it writes, and
 * that it writes, then publishes, then enqueues — in that order.
 */
import { type AppConfig, deriveKeys } from '@redial/config';
import type { ChallengeUpdated } from '@redial/contracts';
import type { AttemptPatch, AttemptRecord, ChallengeRecord, ChallengeRepository, PhoneSettingsRepository, StepPatch, StepRecord, StoredSettings, Tx } from '@redial/database';
import { DEFAULT_POLICY, textCode } from '@redial/domain';
import type { EventPublisher, QueueService } from '@redial/queue';
import { CallLog, logged, strictFake } from '../../../test/support/strict-fake';
import { ChallengeEngine, type CreationHooks, type StartedChallenge } from './challenge.engine';

const SECRET = 'unit-secret';
const KEYS = deriveKeys(SECRET);
const config = { publicUrl: 'https://redial.example', tokenSecret: SECRET, keys: KEYS } as AppConfig;
const policy = DEFAULT_POLICY;
const ID = '11111111-1111-4111-8111-111111111111';
const tx = strictFake<Tx>('tx', {});

type WriteChange = Parameters<ChallengeRepository['writeTransition']>[2];

function step(index: number, method: 'call' | 'sms', status = 'waiting'): StepRecord {
  return { index, role: index === 0 ? 'primary' : 'backup', e164: `+1555000000${index}`, masked: '+1 ••• ••• ••0' + index, country: 'US', method, extension: null, label: null, status, reason: null, startedAt: null, endedAt: null };
}

function attempt(id: string, stepIndex: number, patch: Partial<AttemptRecord> = {}): AttemptRecord {
  const at = new Date('2026-12-01T09:59:00Z');
  return {
    id, challengeId: ID, stepIndex, attemptNo: 1, method: 'call', provider: 'twilio', providerSid: null, status: 'queued', statusRank: 0, errorCode: null,
    reason: null, answeredBy: null, promptsPlayed: 0, createdAt: at, updatedAt: at, sentAt: null, deliveredAt: null, finishedAt: null, ...patch,
  };
}

/** A pending challenge on step 0 (active), as the repository reads it. */
function record(patch: Partial<ChallengeRecord> = {}): ChallengeRecord {
  const created = new Date();
  return {
    id: ID, userId: 'u1', purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, wrongCodes: 0, sends: 1,
    fraudReported: false, nextActionAt: null, nextAction: 'step_timeout', expiresAt: new Date(created.getTime() + 600_000), approvedAt: null, finishedAt: null,
    firstDeliveryAt: null, lastSeq: 3, version: 4, requestId: null, createdAt: created, updatedAt: created,
    steps: [step(0, 'call', 'active'), step(1, 'sms')],
    attempts: [attempt('a1', 0)],
    ...patch,
  };
}

/** writeTransition as PostgreSQL would answer it: the row with the patch applied, the changed steps, the new attempt. */
function written(base: ChallengeRecord, change: WriteChange) {
  const { steps: _s, attempts: _a, ...row } = base;
  const steps = change.steps.map((s: { index: number; patch: StepPatch }) => ({ ...base.steps[s.index], ...s.patch }));
  const n = change.newAttempt;
  return { row: { ...row, ...change.patch, updatedAt: new Date() }, steps, ...(n && { attempt: attempt(n.id, n.stepIndex, { ...n, updatedAt: n.createdAt }) }) };
}

interface Harness {
  engine: ChallengeEngine;
  log: CallLog;
  writes: Array<{ change: WriteChange; last: boolean }>;
  /** The options each withLock was given. */
  locks: Array<{ durable?: boolean } | undefined>;
  attemptUpdates: Array<{ patches: ReadonlyMap<string, AttemptPatch>; last: boolean }>;
  published: ChallengeUpdated[];
  queued: Array<[string, unknown, ...unknown[]]>;
}

/** The engine over strict fakes; `locked` is what withLock finds. Only the members a test uses exist. */
function harness(
  locked: ChallengeRecord | undefined,
  extra: { challenges?: Partial<ChallengeRepository>; settings?: Partial<PhoneSettingsRepository>; queues?: Partial<QueueService> } = {},
): Harness {
  const log: CallLog = [];
  const h: Omit<Harness, 'engine'> = { log, writes: [], locks: [], attemptUpdates: [], published: [], queued: [] };
  const challenges = logged<ChallengeRepository>(log, 'challenges', {
    withLock: (async (_target: unknown, fn: (tx: Tx, r: ChallengeRecord | undefined) => Promise<unknown>, options?: { durable?: boolean }) => {
      h.locks.push(options);
      return fn(tx, locked);
    }) as ChallengeRepository['withLock'],
    writeTransition: async (_tx, id, change, last) => {
      expect(id).toBe(ID);
      h.writes.push({ change, last: last ?? false });
      return written(locked as ChallengeRecord, change);
    },
    updateAttempts: async (_tx, patches, last) => {
      h.attemptUpdates.push({ patches, last: last ?? false });
    },
    ...extra.challenges,
  });
  const settings = logged<PhoneSettingsRepository>(log, 'settings', { ...extra.settings });
  const queue = (name: string) => async (...args: unknown[]) => {
    h.queued.push([name, ...(args as [unknown])]);
    return {} as never;
  };
  const queues = logged<QueueService>(log, 'queues', { dispatch: queue('dispatch'), stepTimeout: queue('stepTimeout'), expire: queue('expire'), endCall: queue('endCall'), ...extra.queues });
  const publisher = logged<EventPublisher>(log, 'publisher', { challengeUpdated: (u) => void h.published.push(u) });
  return { ...h, engine: new ChallengeEngine(config, policy, challenges, settings, queues, publisher, { name: 'twilio' }) };
}

describe('ChallengeEngine.createSignIn', () => {
  const active: StoredSettings = {
    id: 'set-1', userId: 'u1', state: 'active', createdAt: new Date(),
    phones: [
      { role: 'primary', position: 0, e164: '+15550000000', country: 'US', method: 'call' },
      { role: 'backup', position: 1, e164: '+15550000001', country: 'US', method: 'sms' },
    ],
  };

  type Create = Parameters<ChallengeRepository['create']>;
  interface Inserted {
    challenge: Create[0];
    steps: Create[1];
    first: NonNullable<Create[2]>;
    into: Create[3];
  }

  /** ChallengeRepository.create as PostgreSQL answers it: the row (table defaults filled in), its steps, its attempt. */
  function creating(inserts: Inserted[]): Pick<ChallengeRepository, 'create'> {
    return {
      create: async (challenge, steps, first = { firstSeq: 1, events: [] }, into) => {
        inserts.push({ challenge, steps, first, into });
        const a = first.attempt;
        return {
          ...record({ attempts: [], sends: 0, lastSeq: 0, version: 0, nextAction: null, nextActionAt: null }),
          ...challenge,
          updatedAt: challenge.createdAt,
          steps: steps.map((st) => ({ ...st, reason: st.reason ?? null, startedAt: st.startedAt ?? null, endedAt: null })),
          attempts: a ? [attempt(a.id, a.stepIndex, { ...a, updatedAt: a.createdAt })] : [],
        };
      },
    };
  }

  it('inserts the challenge as its first transition leaves it (first attempt, events) in one statement of its own, then schedules expiry, publishes, dispatches that attempt', async () => {
    const inserts: Inserted[] = [];
    const h = harness(undefined, { challenges: creating(inserts), settings: { findCurrent: async () => ({ active }) } });

    const { view, token } = await h.engine.createSignIn('u1', 'sign_in', 'req-1');

    // No transaction of its own (no BEGIN, no COMMIT): the one statement is it.
    expect(h.log).toEqual(['settings.findCurrent', 'challenges.create', 'queues.expire', 'publisher.challengeUpdated', 'publisher.challengeUpdated', 'queues.dispatch']);
    const [{ challenge, steps, first, into }] = inserts;
    expect(into).toBeUndefined();
    expect(challenge).toMatchObject({ id: view.id, userId: 'u1', purpose: 'sign_in', settingsId: null, requestId: 'req-1' });
    expect(challenge).toMatchObject({ status: 'pending', currentStep: 0, wrongCodes: 0, sends: 1, lastSeq: 2, version: 1, nextAction: 'dispatch', nextActionAt: challenge.createdAt });
    expect(steps.map((st) => [st.index, st.role, st.method, st.masked, st.status, st.reason])).toEqual([
      [0, 'primary', 'call', '+1 ••• ••• ••00', 'active', null],
      [1, 'backup', 'sms', '+1 ••• ••• ••01', 'waiting', null],
    ]);
    expect(steps.map((st) => st.startedAt)).toEqual([challenge.createdAt, null]);
    expect(first.firstSeq).toBe(1);
    expect(first.events.map((e) => e.type)).toEqual(['challenge.created', 'attempt.queued']);
    expect(first.attempt).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/), challengeId: view.id, stepIndex: 0, attemptNo: 1, method: 'call', provider: 'twilio', status: 'queued', statusRank: 0, createdAt: challenge.createdAt,
    });
    expect(h.queued).toEqual([
      ['expire', { challengeId: view.id }, policy.challengeTtlMs],
      ['dispatch', 'call', { challengeId: view.id, step: 0, attemptNo: 1, attemptId: first.attempt?.id, requestId: 'req-1' }],
    ]);
    expect(view.steps[0].attempts).toEqual([expect.objectContaining({ attemptNo: 1, status: 'queued' })]);
    expect(h.published.map((p) => [p.seq, p.type])).toEqual([
      [1, 'challenge.created'],
      [2, 'attempt.queued'],
    ]);
    expect(view).toMatchObject({ status: 'pending', currentStep: 0, seq: 2 });
    expect(token).toEqual(expect.any(String));
  });

  it("a caller's hooks (an Idempotency-Key's) and a settings challenge's settings share one transaction: begin first, end last with the new challenge", async () => {
    const inserts: Inserted[] = [];
    let stored: StoredSettings | undefined;
    const pending: StoredSettings = { id: 'set-2', userId: 'u1', state: 'pending', createdAt: new Date(), phones: [{ ...active.phones[1], role: 'primary', position: 0 }] };
    const h = harness(undefined, {
      challenges: { transaction: (async (fn: (t: Tx) => Promise<unknown>) => fn(tx)) as ChallengeRepository['transaction'], ...creating(inserts) },
      settings: {
        writePending: async (_tx, settings) => {
          stored = settings;
        },
      },
    });
    let ended: StartedChallenge | undefined;
    const hooks: CreationHooks = {
      begin: async (t) => void h.log.push(t === tx ? 'hooks.begin' : 'hooks.begin outside the transaction'),
      end: async (t, started) => {
        h.log.push(t === tx ? 'hooks.end' : 'hooks.end outside the transaction');
        ended = started;
      },
    };

    const started = await h.engine.startSettingsVerification(pending, 'req-2', hooks);

    expect(h.log.slice(0, 5)).toEqual(['challenges.transaction', 'hooks.begin', 'settings.writePending', 'challenges.create', 'hooks.end']);
    // In the transaction, not its last statement: the hook's last statement carries the COMMIT.
    expect(inserts[0].into?.tx).toBe(tx);
    expect(inserts[0].into?.last).toBe(false);
    expect(inserts[0].challenge).toMatchObject({ purpose: 'settings', settingsId: 'set-2' });
    expect(stored).toEqual({ ...pending, challengeId: started.view.id }); // the settings name their challenge
    expect(ended).toEqual(started);
    expect(started.statusUrl).toBe(`https://redial.example/status/${started.view.id}?token=${encodeURIComponent(started.token)}`);
  });

  it('a settings challenge without hooks: its insert is the transaction\'s last statement, sent with the COMMIT', async () => {
    const inserts: Inserted[] = [];
    const pending: StoredSettings = { id: 'set-3', userId: 'u1', state: 'pending', createdAt: new Date(), phones: [{ ...active.phones[1], role: 'primary', position: 0 }] };
    const h = harness(undefined, {
      challenges: { transaction: (async (fn: (t: Tx) => Promise<unknown>) => fn(tx)) as ChallengeRepository['transaction'], ...creating(inserts) },
      settings: { writePending: async () => undefined },
    });
    await h.engine.startSettingsVerification(pending, 'req-3');
    expect(h.log.slice(0, 3)).toEqual(['challenges.transaction', 'settings.writePending', 'challenges.create']);
    expect(inserts[0].into?.tx).toBe(tx);
    expect(inserts[0].into?.last).toBe(true);
  });

  it('asks Redis for the expiry job and the first dispatch together: neither waits for the other to be answered', async () => {
    // Redis answers the expiry job only once the dispatch job has been asked for: one after the other never ends.
    let answerExpire: (() => void) | undefined;
    const h = harness(undefined, {
      challenges: creating([]),
      settings: { findCurrent: async () => ({ active }) },
      queues: {
        expire: () => new Promise((resolve) => (answerExpire = () => resolve({} as never))),
        dispatch: async () => {
          answerExpire?.();
          return {} as never;
        },
      },
    });

    await h.engine.createSignIn('u1', 'sign_in', 'req-1');

    expect(h.log.filter((c) => c.startsWith('queues.'))).toEqual(['queues.expire', 'queues.dispatch']);
  }, 2000);

  it('refuses a user with no active settings, touching nothing else', async () => {
    const h = harness(undefined, { settings: { findCurrent: async () => ({}) } });
    await expect(h.engine.createSignIn('u1', 'sign_in')).rejects.toMatchObject({ code: 'no_verified_phone' });
    expect(h.log).toEqual(['settings.findCurrent']);
  });
});

describe('ChallengeEngine.apply', () => {
  it('an unchanged decision writes only the hook\'s attempt updates: no transition, no publish, no job', async () => {
    const h = harness(record());
    const t = await h.engine.apply({ attemptId: 'a1' }, null, async (writes) => {
      writes.update('a1', { status: 'sent', statusRank: 2 });
      return { type: 'ringing', step: 0, attemptNo: 7 }; // a stale attempt: decideNext changes nothing
    });
    expect(t?.decision.changed).toBe(false);
    expect(h.log).toEqual(['challenges.withLock', 'challenges.updateAttempts']);
    expect(h.attemptUpdates).toHaveLength(1);
    expect(h.attemptUpdates[0].last).toBe(true);
    expect(h.attemptUpdates[0].patches.get('a1')).toMatchObject({ status: 'sent', statusRank: 2, updatedAt: expect.any(Date) });
    expect(t?.record.attempts[0]).toMatchObject({ status: 'sent' }); // the record reflects the update without a read
  });

  it('no challenge: undefined, nothing written', async () => {
    const h = harness(undefined);
    expect(await h.engine.apply('nope', { type: 'cancel' })).toBeUndefined();
    expect(h.log).toEqual(['challenges.withLock']);
  });

  it('a changed decision writes the transition, then publishes its events, then enqueues its jobs', async () => {
    const h = harness(record({ attempts: [attempt('a1', 0, { status: 'ringing', statusRank: 3, providerSid: 'CA1' })] }));
    const t = await h.engine.apply({ attemptId: 'a1' }, null, async (writes) => {
      writes.update('a1', { status: 'busy', statusRank: 5, finishedAt: new Date(), reason: 'busy' });
      return { type: 'step_failed', reason: 'busy', step: 0, attemptNo: 1 };
    });
    expect(h.log).toEqual([
      'challenges.withLock',
      'challenges.writeTransition',
      'publisher.challengeUpdated',
      'publisher.challengeUpdated',
      'publisher.challengeUpdated',
      'queues.dispatch',
    ]);
    const [{ change, last }] = h.writes;
    expect(last).toBe(true);
    expect(change.attempts?.get('a1')).toMatchObject({ status: 'busy', reason: 'busy' });
    expect(change.patch).toMatchObject({ currentStep: 1, sends: 2, lastSeq: 6, version: 5, nextAction: 'dispatch' });
    expect(change.steps.map((s) => [s.index, s.patch.status])).toEqual([
      [0, 'failed'],
      [1, 'active'],
    ]);
    expect(h.published.map((p) => [p.seq, p.type])).toEqual([
      [4, 'attempt.failed'],
      [5, 'step.failover'],
      [6, 'attempt.queued'],
    ]);
    expect(change.newAttempt).toMatchObject({ stepIndex: 1, attemptNo: 1, method: 'sms' });
    expect(h.queued).toEqual([['dispatch', 'sms', { challengeId: ID, step: 1, attemptNo: 1, attemptId: change.newAttempt?.id, requestId: undefined }]]);
    expect(t?.view.steps[0]).toMatchObject({ status: 'failed', reason: 'busy' });
    expect(t?.record.attempts.map((a) => [a.stepIndex, a.attemptNo])).toEqual([[0, 1], [1, 1]]);
  });

  it('a retryable call failure re-dials the same step as attempt 2', async () => {
    const h = harness(record({ attempts: [attempt('a1', 0, { status: 'ringing', statusRank: 3, providerSid: 'CA1' })] }));
    await h.engine.apply({ attemptId: 'a1' }, null, async (writes) => {
      writes.update('a1', { status: 'failed', statusRank: 5, finishedAt: new Date(), reason: 'call_failed' });
      return { type: 'step_failed', reason: 'call_failed', retryable: true, step: 0, attemptNo: 1 };
    });
    expect(h.writes[0].change.steps).toEqual([]);
    expect(h.writes[0].change.patch).toMatchObject({ currentStep: 0, sends: 2, nextAction: 'dispatch' });
    expect(h.writes[0].change.newAttempt).toMatchObject({ stepIndex: 0, attemptNo: 2, method: 'call' });
    expect(h.queued).toEqual([['dispatch', 'call', { challengeId: ID, step: 0, attemptNo: 2, attemptId: h.writes[0].change.newAttempt?.id, requestId: undefined }]]);
  });

  it('a late failure of the attempt a retry replaced changes nothing', async () => {
    // The retry was decided (nextAction dispatch), with its attempt.
    const failed = attempt('a1', 0, { status: 'failed', statusRank: 5, providerSid: 'CA1', finishedAt: new Date() });
    const h = harness(record({ nextAction: 'dispatch', sends: 2, attempts: [failed, attempt('a2', 0, { attemptNo: 2 })] }));
    const t = await h.engine.apply({ attemptId: 'a1' }, { type: 'step_failed', reason: 'call_failed', retryable: true, step: 0, attemptNo: 1 });
    expect(t?.decision.changed).toBe(false);
    expect(h.log).toEqual(['challenges.withLock', 'challenges.updateAttempts']);
  });

  it('end_call: an endCall job for each placed, unfinished call of the step left behind', async () => {
    const h = harness(
      record({
        attempts: [
          attempt('placed', 0, { providerSid: 'CA1', status: 'ringing', statusRank: 3 }),
          attempt('ended', 0, { attemptNo: 0, providerSid: 'CA0', status: 'failed', statusRank: 5, finishedAt: new Date() }),
          attempt('placing', 0, { attemptNo: 2, providerSid: null }),
        ],
      }),
    );
    await h.engine.apply(ID, { type: 'advance' });
    expect(h.log).toEqual(['challenges.withLock', 'challenges.writeTransition', 'publisher.challengeUpdated', 'publisher.challengeUpdated', 'queues.dispatch', 'queues.endCall']);
    expect(h.queued).toEqual([
      ['dispatch', 'sms', { challengeId: ID, step: 1, attemptNo: 1, attemptId: h.writes[0].change.newAttempt?.id, requestId: undefined }],
      ['endCall', { challengeId: ID, attemptId: 'placed' }],
    ]);
  });

  it('a step deadline is scheduled at the time written', async () => {
    const h = harness(record({ nextAction: 'dispatch', attempts: [attempt('a1', 0, { providerSid: 'CA1' })] }));
    const t = await h.engine.apply(ID, { type: 'sent', step: 0, attemptNo: 1 });
    const deadline = t?.record.nextActionAt?.getTime();
    expect(deadline).toEqual(expect.any(Number));
    expect(h.writes[0].change.newAttempt).toBeUndefined();
    expect(h.log).toEqual(['challenges.withLock', 'challenges.writeTransition', 'publisher.challengeUpdated', 'queues.stepTimeout']);
    expect(h.queued[0]).toEqual(['stepTimeout', { challengeId: ID, step: 0, attemptNo: 1, deadline }, expect.any(Number)]);
  });

  it('durable: false asks the lock for a commit that does not wait for the disk flush; durable by default', async () => {
    const h = harness(record({ nextAction: 'dispatch', attempts: [attempt('a1', 0, { providerSid: 'CA1' })] }));
    await h.engine.apply(ID, { type: 'sent', step: 0, attemptNo: 1 }, undefined, { durable: false });
    await h.engine.apply(ID, { type: 'ringing', step: 0, attemptNo: 1 });
    expect(h.locks).toEqual([{ durable: false }, { durable: true }]);
  });

  it('an expired challenge turns expired on whatever outcome finds it', async () => {
    const h = harness(record({ expiresAt: new Date(Date.now() - 1000), attempts: [attempt('a1', 0, { providerSid: 'CA1', status: 'answered', statusRank: 4 })] }));
    const t = await h.engine.apply({ attemptId: 'a1' }, { type: 'approved_by_call', step: 0, attemptNo: 1 });
    expect(t?.record.status).toBe('expired');
    expect(h.writes[0].change.patch).toMatchObject({ status: 'expired', finishedAt: expect.any(Date) });
    expect(h.published.map((p) => p.type)).toEqual(['challenge.expired']);
    expect(h.queued).toEqual([['endCall', { challengeId: ID, attemptId: 'a1' }]]);
  });

  it('a settings challenge approved activates its settings and records the primary as verified, in the same transaction', async () => {
    const activated: Array<[string, unknown, Date]> = [];
    const verified: Array<[string, { e164: string; extension: string | null }, Date, unknown]> = [];
    const h = harness(record({ purpose: 'settings', settingsId: 'set-1' }), {
      settings: {
        activate: async (id, db, now) => {
          activated.push([id, db, now]);
          return true;
        },
        markVerified: async (userId, phone, at, db) => void verified.push([userId, phone, at, db]),
      },
    });
    await h.engine.apply({ attemptId: 'a1' }, { type: 'approved_by_call', step: 0, attemptNo: 1 });
    expect(h.log).toEqual(['challenges.withLock', 'challenges.writeTransition', 'settings.activate', 'settings.markVerified', 'publisher.challengeUpdated']);
    expect(h.writes[0].last).toBe(false); // the settings statements are the transaction's last
    expect(activated.map(([id]) => id)).toEqual(['set-1']);
    expect(activated[0][1]).toBe(tx); // the transition's own transaction
    const [[userId, phone, at, db]] = verified;
    expect({ userId, e164: phone.e164, extension: phone.extension, at }).toEqual({ userId: 'u1', e164: '+15550000000', extension: null, at: activated[0][2] });
    expect(db).toBe(tx);
  });

  it('a phone check approved records that phone as verified and settles no settings', async () => {
    const verified: string[] = [];
    const h = harness(record({ purpose: 'phone_check', settingsId: 'set-1', steps: [{ ...step(0, 'call', 'active'), role: 'backup', e164: '+15550000009' }] }), {
      settings: { markVerified: async (_userId, phone) => void verified.push(phone.e164) },
    });
    await h.engine.apply({ attemptId: 'a1' }, { type: 'approved_by_call', step: 0, attemptNo: 1 });
    expect(h.log).toEqual(['challenges.withLock', 'challenges.writeTransition', 'settings.markVerified', 'publisher.challengeUpdated']);
    expect(h.writes[0].last).toBe(false);
    expect(verified).toEqual(['+15550000009']);
  });

  it('a settings challenge that fails rejects its settings', async () => {
    const rejected: unknown[] = [];
    const h = harness(record({ purpose: 'settings', settingsId: 'set-1', steps: [step(0, 'call', 'active')] }), {
      settings: { reject: async (id) => void rejected.push(id) },
    });
    await h.engine.apply({ attemptId: 'a1' }, { type: 'step_failed', reason: 'busy', step: 0, attemptNo: 1 });
    expect(h.log).toEqual(['challenges.withLock', 'challenges.writeTransition', 'settings.reject', 'publisher.challengeUpdated', 'publisher.challengeUpdated']);
    expect(rejected).toEqual(['set-1']);
  });
});

describe('ChallengeEngine.apply with the challenge as the caller read it (expected)', () => {
  /** A text attempt on step 0 waiting for its dispatch, as a dispatch job reads it before its send. */
  const waiting = () => record({ nextAction: 'dispatch', steps: [step(0, 'sms', 'active'), step(1, 'call')], attempts: [attempt('a1', 0, { method: 'sms' })] });
  const sent = async (writes: { update(id: string, patch: AttemptPatch): void }) => {
    writes.update('a1', { providerSid: 'SM1' });
    return { type: 'sent', step: 0, attemptNo: 1 } as const;
  };

  it('still at its version: the transition is one guarded statement — no lock, no read — then published and its deadline queued', async () => {
    const expected = waiting();
    const guarded: Array<{ version: number; change: WriteChange; durable?: boolean }> = [];
    const h = harness(undefined, {
      challenges: {
        writeTransitionAt: async (version, id, change, options) => {
          expect(id).toBe(ID);
          guarded.push({ version, change, durable: options?.durable });
          return written(expected, change);
        },
      },
    });
    const seen: ChallengeRecord[] = [];
    const t = await h.engine.apply(ID, null, async (writes, r) => (seen.push(r), sent(writes)), { durable: false, expected });
    expect(h.log).toEqual(['challenges.writeTransitionAt', 'publisher.challengeUpdated', 'queues.stepTimeout']);
    expect(seen).toEqual([expected]);
    expect(guarded).toEqual([{ version: 4, durable: false, change: expect.objectContaining({ patch: expect.objectContaining({ version: 5, lastSeq: 4, nextAction: 'step_timeout' }) }) }]);
    expect(guarded[0].change.attempts?.get('a1')).toMatchObject({ providerSid: 'SM1', updatedAt: expect.any(Date) });
    expect(h.published.map((p) => [p.seq, p.type])).toEqual([[4, 'attempt.sent']]);
    expect(h.queued).toEqual([['stepTimeout', { challengeId: ID, step: 0, attemptNo: 1, deadline: t?.record.nextActionAt?.getTime() }, expect.any(Number)]]);
    expect(t?.record.attempts[0]).toMatchObject({ providerSid: 'SM1' });
  });

  it('moved on meanwhile (the guarded statement wrote nothing): the locked path decides again on what it reads', async () => {
    const expected = waiting();
    const fresh = { ...waiting(), version: 5, lastSeq: 4, status: 'canceled', nextAction: null };
    const h = harness(fresh, { challenges: { writeTransitionAt: async () => undefined } });
    const seen: ChallengeRecord[] = [];
    const t = await h.engine.apply(ID, null, async (writes, r) => (seen.push(r), sent(writes)), { durable: false, expected });
    expect(seen).toEqual([expected, fresh]);
    expect(h.log).toEqual(['challenges.writeTransitionAt', 'challenges.withLock', 'challenges.updateAttempts']);
    expect(h.locks).toEqual([{ durable: false }]);
    expect(t?.decision.changed).toBe(false);
  });

  it('a decision that changes nothing, one that starts an attempt, or one that ends calls takes the locked path without a guarded statement', async () => {
    const unchanged = harness(waiting());
    await unchanged.engine.apply(ID, { type: 'ringing', step: 0, attemptNo: 7 }, undefined, { expected: waiting() });
    expect(unchanged.log).toEqual(['challenges.withLock', 'challenges.updateAttempts']);
    const failover = harness(waiting());
    await failover.engine.apply(ID, { type: 'step_failed', reason: 'invalid_number', step: 0, attemptNo: 1 }, undefined, { expected: waiting() });
    expect(failover.log.slice(0, 2)).toEqual(['challenges.withLock', 'challenges.writeTransition']);
    expect(failover.writes[0].change.newAttempt).toMatchObject({ stepIndex: 1, method: 'call' });
    // Cancelling leaves the call step: its calls are ended, as the locked record holds them.
    const onCall = () => record({ attempts: [attempt('a1', 0, { providerSid: 'CA1', status: 'ringing', statusRank: 3 })] });
    const cancel = harness(onCall());
    await cancel.engine.apply(ID, { type: 'cancel' }, undefined, { expected: onCall() });
    expect(cancel.log).toEqual(['challenges.withLock', 'challenges.writeTransition', 'publisher.challengeUpdated', 'queues.endCall']);
  });
});

describe('ChallengeEngine.checkCode', () => {
  const FIRST = '0e5f2c1a-9b8d-4c7e-8f6a-5b4c3d2e1f01';
  const LATEST = '0e5f2c1a-9b8d-4c7e-8f6a-5b4c3d2e1f02';
  const text = (id: string, attemptNo: number) => attempt(id, 0, { attemptNo, method: 'sms', providerSid: `SM${attemptNo}`, status: 'delivered', statusRank: 5 });
  const sms = (patch: Partial<ChallengeRecord> = {}) => record({ steps: [step(0, 'sms', 'active')], attempts: [text(LATEST, 1)], ...patch });
  /** The code the text of attempt `id` carried (derived, as the worker derives it). */
  const codeOf = (id: string) => textCode(KEYS.smsCodes, id);
  const wrongFor = (id: string) => String((Number(codeOf(id)) + 1) % 1_000_000).padStart(6, '0');
  const resent = sms({ sends: 2, attempts: [text(FIRST, 1), text(LATEST, 2)] });

  const rows: Array<[string, ChallengeRecord, string, { status: string; wrongCodes: number; events: string[]; log: string[] }]> = [
    ['the right code approves', sms(), codeOf(LATEST), { status: 'approved', wrongCodes: 0, events: ['challenge.approved'], log: ['challenges.withLock', 'challenges.writeTransition', 'publisher.challengeUpdated'] }],
    ['a wrong code costs an attempt, publishes nothing', sms(), wrongFor(LATEST), { status: 'pending', wrongCodes: 1, events: [], log: ['challenges.withLock', 'challenges.writeTransition'] }],
    ['the fifth wrong code ends the challenge', sms({ wrongCodes: 4 }), wrongFor(LATEST), { status: 'max_attempts_reached', wrongCodes: 5, events: ['challenge.max_attempts_reached'], log: ['challenges.withLock', 'challenges.writeTransition', 'publisher.challengeUpdated'] }],
    ['a new text replaces the code: the latest approves', resent, codeOf(LATEST), { status: 'approved', wrongCodes: 0, events: ['challenge.approved'], log: ['challenges.withLock', 'challenges.writeTransition', 'publisher.challengeUpdated'] }],
    ['…and the earlier text\'s code is a wrong one', resent, codeOf(FIRST), { status: 'pending', wrongCodes: 1, events: [], log: ['challenges.withLock', 'challenges.writeTransition'] }],
  ];
  it.each(rows)('%s', async (_name, locked, code, expected) => {
    const h = harness(locked);
    const t = await h.engine.checkCode(ID, code);
    expect(t?.record).toMatchObject({ status: expected.status, wrongCodes: expected.wrongCodes });
    expect(h.published.map((p) => p.type)).toEqual(expected.events);
    expect(h.log).toEqual(expected.log);
    expect(h.queued).toEqual([]);
  });

  it('a code before any text is refused, writing nothing', async () => {
    const h = harness(record());
    const t = await h.engine.checkCode(ID, '123456');
    expect(t?.decision).toMatchObject({ changed: false, rejected: 'no_code_sent' });
    expect(h.log).toEqual(['challenges.withLock', 'challenges.updateAttempts']);
  });
});
