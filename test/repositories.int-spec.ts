import { randomUUID } from 'node:crypto';
import { ChallengeRepository, NewAttempt, NewStep, PhoneSettingsRepository, Sql, SqlService, Tx } from '@redial/database';
import { testConfig } from './support/config';
import { createTestDatabase, TestDatabase } from './support/database';

/** The hand-written SQL of the challenge and settings repositories, on a real PostgreSQL database. */
describe('repositories (plain SQL on PostgreSQL)', () => {
  let db: TestDatabase;
  let sql: SqlService;
  let challenges: ChallengeRepository;
  let settings: PhoneSettingsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new SqlService(testConfig(db.url, `repo-${randomUUID().slice(0, 8)}`, { DB_POOL_SIZE: '4' }));
    challenges = new ChallengeRepository(sql);
    settings = new PhoneSettingsRepository(sql);
  });
  afterAll(async () => {
    await sql.pool.end();
    await db.drop();
  });

  const STEPS: NewStep[] = [
    { index: 1, role: 'backup', e164: '+447700900123', masked: '+44 ••••', country: 'GB', method: 'sms', extension: null, label: 'mobile', status: 'waiting' },
    { index: 0, role: 'primary', e164: '+14155550100', masked: '+1 ••••', country: 'US', method: 'call', extension: '123', label: 'office', status: 'waiting' },
  ];

  async function newChallenge(userId = `user-${randomUUID()}`) {
    await sql.query('INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING', [userId]);
    const now = new Date('2026-11-25T10:00:00.123Z');
    return challenges.create({ id: randomUUID(), userId, purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, expiresAt: new Date(now.getTime() + 600_000), requestId: 'req-1', createdAt: now }, STEPS);
  }

  const attempt = (challengeId: string, stepIndex: number, attemptNo: number): NewAttempt => ({
    id: randomUUID(),
    challengeId,
    stepIndex,
    attemptNo,
    method: 'sms',
    provider: 'twilio',
    status: 'queued',
    statusRank: 1,
    createdAt: new Date('2026-11-25T10:00:00.500Z'),
  });

  /** Starts attempt `a` as the transition that decides a send does: in its statement (the row as written). */
  const startAttempt = async (tx: Tx, a: NewAttempt) => (await challenges.writeTransition(tx, a.challengeId, { patch: {}, steps: [], firstSeq: 0, events: [], newAttempt: a })).attempt;

  it('creates a challenge with its steps; the record returned is exactly what is read back', async () => {
    const created = await newChallenge();
    expect(created.steps.map((s) => s.index)).toEqual([0, 1]);
    expect(created).toMatchObject({ status: 'pending', wrongCodes: 0, sends: 0, fraudReported: false, lastSeq: 0, version: 0, attempts: [] });
    expect(created.createdAt).toEqual(new Date('2026-11-25T10:00:00.123Z'));

    const found = await challenges.find(created.id);
    expect(found).toEqual(created);
    expect(found?.steps[0]).toMatchObject({ index: 0, method: 'call', extension: '123', label: 'office', startedAt: null, reason: null });
  });

  it('creates a challenge as its first transition leaves it — row, steps, attempt, events — in one statement that is its own transaction', async () => {
    const userId = `user-${randomUUID()}`;
    await sql.query('INSERT INTO users (id) VALUES ($1)', [userId]);
    const id = randomUUID();
    const at = new Date('2026-11-25T10:00:00.456Z');
    const a = { ...attempt(id, 0, 1), createdAt: at };
    const statements = jest.spyOn(sql.pool, 'query');
    const created = await challenges.create(
      { id, userId, purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, expiresAt: new Date(at.getTime() + 600_000), requestId: 'req-2', createdAt: at, sends: 1, lastSeq: 2, version: 1, nextAction: 'dispatch', nextActionAt: at },
      STEPS.map((st) => (st.index === 0 ? { ...st, status: 'active', startedAt: at } : st)),
      { attempt: a, firstSeq: 1, events: [{ type: 'challenge.created', at, payload: { step: null } }, { type: 'attempt.queued', at, payload: { step: 0 } }] },
    );
    // One statement on the pool: no BEGIN, no COMMIT of its own.
    expect(statements).toHaveBeenCalledTimes(1);
    statements.mockRestore();
    expect(created).toMatchObject({ id, status: 'pending', sends: 1, lastSeq: 2, version: 1, nextAction: 'dispatch', nextActionAt: at, updatedAt: at, wrongCodes: 0, fraudReported: false });
    expect(created.steps.map((st) => [st.index, st.status, st.startedAt])).toEqual([
      [0, 'active', at],
      [1, 'waiting', null],
    ]);
    expect(created.attempts).toEqual([{ ...a, providerSid: null, errorCode: null, reason: null, answeredBy: null, promptsPlayed: 0, updatedAt: at, sentAt: null, deliveredAt: null, finishedAt: null, costUsd: null, costUnits: null }]);
    expect(await challenges.find(id)).toEqual(created);
    expect((await challenges.events(id)).map((e) => [e.seq, e.type, e.payload, e.createdAt])).toEqual([
      [1, 'challenge.created', { step: null }, at],
      [2, 'attempt.queued', { step: 0 }, at],
    ]);
    // In a caller's transaction, as its last statement: committed with it; a failing one leaves nothing behind.
    const second = randomUUID();
    const row = { id: second, userId, purpose: 'sign_in', settingsId: null, status: 'pending', currentStep: 0, expiresAt: at, requestId: null, createdAt: at };
    await sql.transaction((tx) => challenges.create(row, STEPS, undefined, { tx, last: true }));
    expect((await challenges.find(second))?.steps).toHaveLength(2);
    const third = randomUUID();
    await expect(challenges.create({ ...row, id: third }, STEPS, { attempt: { ...a, challengeId: third }, firstSeq: 1, events: [] })).rejects.toThrow(/delivery_attempts_pkey/);
    expect(await challenges.find(third)).toBeUndefined();
  });

  it('reads attempts with their dates as Date objects, ordered by step then attempt number', async () => {
    const c = await newChallenge();
    const second = attempt(c.id, 0, 2);
    const first = attempt(c.id, 0, 1);
    const backup = attempt(c.id, 1, 1);
    await sql.transaction(async (tx) => {
      for (const a of [backup, second, first]) await startAttempt(tx, a);
      await challenges.updateAttempts(tx, new Map([[first.id, { providerSid: 'SM123', status: 'delivered', statusRank: 5, deliveredAt: new Date('2026-11-25T10:00:01.500Z'), errorCode: null }]]));
    });
    const found = await challenges.find(c.id);
    expect(found?.attempts.map((a) => a.id)).toEqual([first.id, second.id, backup.id]);
    expect(found?.attempts[0]).toMatchObject({ providerSid: 'SM123', status: 'delivered', statusRank: 5, promptsPlayed: 0 });
    expect(found?.attempts[0].deliveredAt).toEqual(new Date('2026-11-25T10:00:01.500Z'));
    expect(found?.attempts[0].createdAt).toBeInstanceOf(Date);
    // An attempt's id or its provider SID locates (and locks) its challenge.
    expect(await challenges.withLock({ attemptId: backup.id }, async (_tx, record) => record)).toEqual(found);
    expect(await challenges.withLock({ sid: 'SM123' }, async (_tx, record) => record)).toEqual(found);
    expect(await challenges.withLock({ attemptId: randomUUID(), sid: 'SM123' }, async (_tx, record) => record?.id)).toBe(c.id);
    expect(await challenges.withLock({ attemptId: randomUUID(), sid: 'SM-unknown' }, async (_tx, record) => record)).toBeUndefined();
  });

  it('updates return the row as written; a patch naming an unknown column is refused before it reaches SQL', async () => {
    const c = await newChallenge();
    const row = await sql.transaction((tx) => challenges.update(tx, c.id, { status: 'approved', lastSeq: 2, version: 1, nextAction: null, approvedAt: new Date('2026-11-25T10:00:02Z') }));
    expect(row).toMatchObject({ id: c.id, status: 'approved', lastSeq: 2, version: 1, approvedAt: new Date('2026-11-25T10:00:02Z') });
    expect(row.updatedAt.getTime()).toBeGreaterThan(c.updatedAt.getTime());
    await expect(sql.transaction((tx) => challenges.update(tx, c.id, { nope: 1 } as never))).rejects.toThrow('unknown column in patch: nope');
    expect((await challenges.find(c.id))?.status).toBe('approved');
  });

  it('a transition is written in one statement, sent with COMMIT: attempts, the challenge, the changed steps (as written), the events', async () => {
    const c = await newChallenge();
    const at = new Date('2026-11-25T10:00:04Z');
    const a = attempt(c.id, 0, 1);
    await sql.transaction((tx) => startAttempt(tx, a));
    const written = await sql.transaction((tx) =>
      challenges.writeTransition(
        tx,
        c.id,
        {
          patch: { currentStep: 1, lastSeq: 2, version: 1, nextAction: 'dispatch', nextActionAt: at },
          steps: [
            { index: 0, patch: { status: 'failed', reason: 'busy', endedAt: at } },
            { index: 1, patch: { status: 'active', reason: null, startedAt: at } },
          ],
          firstSeq: 1,
          events: [
            { type: 'attempt.failed', at, payload: { step: 0, reason: 'busy' } },
            { type: 'attempt.queued', at, payload: { step: 1, reason: null } },
          ],
          attempts: new Map([[a.id, { status: 'busy', statusRank: 7, reason: 'busy', updatedAt: at }]]),
        },
        true,
      ),
    );
    expect((await challenges.find(c.id))?.attempts).toEqual([expect.objectContaining({ id: a.id, status: 'busy', statusRank: 7, reason: 'busy', updatedAt: at })]);
    expect(written.row).toMatchObject({ id: c.id, currentStep: 1, lastSeq: 2, version: 1, nextAction: 'dispatch', nextActionAt: at, status: 'pending' });
    expect(written.steps.sort((a, b) => a.index - b.index)).toEqual([
      expect.objectContaining({ index: 0, status: 'failed', reason: 'busy', endedAt: at, startedAt: null }),
      expect.objectContaining({ index: 1, status: 'active', reason: null, startedAt: at, e164: '+447700900123' }),
    ]);
    const found = await challenges.find(c.id);
    expect(found?.steps).toEqual(written.steps.sort((a, b) => a.index - b.index));
    expect((await challenges.events(c.id)).map((e) => [e.seq, e.type, e.createdAt])).toEqual([
      [1, 'attempt.failed', at],
      [2, 'attempt.queued', at],
    ]);
    // No steps, no events: only the challenge row.
    const quiet = await sql.transaction((tx) => challenges.writeTransition(tx, c.id, { patch: { wrongCodes: 1 }, steps: [], firstSeq: 3, events: [] }));
    expect(quiet).toMatchObject({ row: { wrongCodes: 1, lastSeq: 2 }, steps: [] });
  });

  it('a transition starts its attempt in its own statement: the row comes back as written, and a dispatch job finds it with its step and its whole challenge in one read', async () => {
    const c = await newChallenge();
    const a = attempt(c.id, 1, 1);
    const written = await sql.transaction((tx) =>
      challenges.writeTransition(
        tx,
        c.id,
        { patch: { currentStep: 1, sends: 1, nextAction: 'dispatch', nextActionAt: a.createdAt }, steps: [{ index: 1, patch: { status: 'active', startedAt: a.createdAt } }], firstSeq: 1, events: [], newAttempt: a },
        true,
      ),
    );
    expect(written.attempt).toEqual({ ...a, providerSid: null, errorCode: null, reason: null, answeredBy: null, promptsPlayed: 0, updatedAt: a.createdAt, sentAt: null, deliveredAt: null, finishedAt: null, costUsd: null, costUnits: null });
    expect((await challenges.find(c.id))?.attempts).toEqual([written.attempt]);
    const target = await challenges.findForDispatch(a.id);
    expect(target).toEqual({
      attempt: written.attempt,
      step: expect.objectContaining({ index: 1, e164: '+447700900123', method: 'sms', status: 'active', startedAt: a.createdAt }),
      challenge: await challenges.find(c.id),
    });
    expect(target?.challenge).toMatchObject({ status: 'pending', currentStep: 1, version: 0, nextAction: 'dispatch', steps: [{ index: 0 }, { index: 1 }] });
    expect(await challenges.findForDispatch(randomUUID())).toBeUndefined();
    expect(await challenges.findForDispatch('not-a-uuid')).toBeUndefined();
    // The same attempt number twice breaks the unique (challenge, step, attempt) key: nothing is written.
    await expect(sql.transaction((tx) => startAttempt(tx, { ...a, id: randomUUID() }))).rejects.toThrow();
  });

  describe('writeTransitionAt: a transition in one statement of its own, only while the challenge is at the version it was decided on', () => {
    const AT = new Date('2026-11-25T10:00:07.000Z');
    /** A `sent`-like change: the attempt's SID, the challenge row (version 0 → 1), step 1, one event. */
    const change = (attemptId: string, sid: string) => ({
      patch: { version: 1, lastSeq: 1, nextAction: 'step_timeout', nextActionAt: AT },
      steps: [{ index: 1, patch: { status: 'active', reason: null } }],
      firstSeq: 1,
      events: [{ type: 'attempt.sent' as const, at: AT, payload: { step: 1 } }],
      attempts: new Map([[attemptId, { providerSid: sid, sentAt: AT }]]),
    });

    async function waitingForDispatch() {
      const c = await newChallenge();
      const a = attempt(c.id, 1, 1);
      await sql.transaction((tx) => startAttempt(tx, a));
      return { c, a };
    }

    it('at the version: writes the attempt, the row, the step and the event, and returns them as written', async () => {
      const { c, a } = await waitingForDispatch();
      const written = await challenges.writeTransitionAt(0, c.id, change(a.id, `SM-at-${a.id}`));
      expect(written?.row).toMatchObject({ id: c.id, version: 1, lastSeq: 1, nextAction: 'step_timeout', nextActionAt: AT });
      expect(written?.row).not.toHaveProperty('synchronousCommit');
      expect(written?.steps).toEqual([expect.objectContaining({ index: 1, status: 'active' })]);
      const found = await challenges.find(c.id);
      expect(found).toMatchObject({ version: 1, lastSeq: 1, steps: [{ index: 0 }, { index: 1, status: 'active' }], attempts: [{ id: a.id, providerSid: `SM-at-${a.id}`, sentAt: AT }] });
      expect((await challenges.events(c.id)).map((e) => [e.seq, e.type])).toEqual([[1, 'attempt.sent']]);
    });

    it('at another version: nothing at all is written (neither the attempt, nor a step, nor an event)', async () => {
      const { c, a } = await waitingForDispatch();
      const before = await challenges.find(c.id);
      expect(await challenges.writeTransitionAt(3, c.id, change(a.id, `SM-stale-${a.id}`))).toBeUndefined();
      expect(await challenges.writeTransitionAt(0, randomUUID(), change(a.id, `SM-gone-${a.id}`))).toBeUndefined();
      expect(await challenges.find(c.id)).toEqual(before);
      expect(await challenges.events(c.id)).toEqual([]);
    });

    it('racing a locked transition that moves the version on: waits for it, then writes nothing', async () => {
      const { c, a } = await waitingForDispatch();
      let release!: () => void;
      const mayCommit = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const transition = challenges.withLock(c.id, async (tx) => {
        locked();
        await mayCommit;
        await challenges.writeTransition(tx, c.id, { patch: { version: 1, lastSeq: 1, status: 'canceled' }, steps: [], firstSeq: 1, events: [{ type: 'challenge.canceled', at: AT, payload: {} }] }, true);
      });
      await holding;
      const guarded = challenges.writeTransitionAt(0, c.id, change(a.id, `SM-late-${a.id}`));
      await waitUntilBlockedOnLock();
      release();
      await transition;
      expect(await guarded).toBeUndefined();
      expect(await challenges.find(c.id)).toMatchObject({ status: 'canceled', version: 1, attempts: [{ id: a.id, providerSid: null, sentAt: null }] });
      expect((await challenges.events(c.id)).map((e) => e.type)).toEqual(['challenge.canceled']);
    });

    it('durable: false relaxes the commit of that statement alone: the connection commits durably again afterwards', async () => {
      const single = new SqlService(testConfig(db.url, `repo-${randomUUID().slice(0, 8)}`, { DB_POOL_SIZE: '1' }));
      try {
        const { c, a } = await waitingForDispatch();
        const repo = new ChallengeRepository(single);
        expect(await repo.writeTransitionAt(0, c.id, change(a.id, `SM-relaxed-${a.id}`), { durable: false })).toBeDefined();
        expect(await single.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }]);
      } finally {
        await single.pool.end();
      }
    });
  });

  it('claimedSids: which provider SIDs an attempt already holds', async () => {
    const c = await newChallenge();
    const a = attempt(c.id, 0, 1);
    await sql.transaction(async (tx) => {
      await startAttempt(tx, a);
      await challenges.updateAttempts(tx, new Map([[a.id, { providerSid: `SM-claimed-${c.id}` }]]));
    });
    expect(await challenges.claimedSids([`SM-free-${c.id}`, `SM-claimed-${c.id}`])).toEqual(new Set([`SM-claimed-${c.id}`]));
    expect(await challenges.claimedSids([])).toEqual(new Set());
  });

  it('withLock durable: false commits that transaction alone without waiting for the flush (synchronous_commit off)', async () => {
    const c = await newChallenge();
    const setting = (durable?: boolean) =>
      challenges.withLock(c.id, async (tx) => (await tx.query<{ synchronous_commit: string }>('SHOW synchronous_commit'))[0].synchronous_commit, durable === undefined ? undefined : { durable });
    expect(await setting(false)).toBe('off');
    expect(await setting()).toBe('on');
    expect(await setting(true)).toBe('on');
  });

  describe('advanceAttempt: a status moving an attempt forward in one statement, without the challenge lock', () => {
    const AT = new Date('2026-11-25T10:00:05.250Z');
    const stored = async (id: string) => (await challenges.find(id))!.attempts[0];
    const sending = { status: 'sending', statusRank: 1 };
    const sent = { status: 'sent', statusRank: 2 };

    async function withAttempt() {
      const c = await newChallenge();
      const a = { ...attempt(c.id, 0, 1), statusRank: 0 };
      await sql.transaction((tx) => startAttempt(tx, a));
      return { c, a };
    }

    it('moves forward only: a duplicate or a late status changes nothing; the first SID stays; unknown attempts are told apart', async () => {
      const { c, a } = await withAttempt();
      const { attempts: _before, ...row } = (await challenges.find(c.id))!;
      const sid = `SM-adv-${a.id}`;
      expect(await challenges.advanceAttempt(a.id, { ...sending, providerSid: sid }, AT)).toMatchObject({ result: 'advanced' });
      expect(await stored(c.id)).toMatchObject({ status: 'sending', statusRank: 1, providerSid: sid, errorCode: null, updatedAt: AT });
      expect(await challenges.advanceAttempt(a.id, { ...sent, providerSid: 'SM-other', errorCode: 30008 })).toMatchObject({ result: 'advanced' });
      expect(await stored(c.id)).toMatchObject({ status: 'sent', statusRank: 2, providerSid: sid, errorCode: 30008 });
      expect(await challenges.advanceAttempt(a.id, { ...sent, providerSid: sid })).toMatchObject({ result: 'unchanged' });
      expect(await challenges.advanceAttempt(a.id, { ...sending, providerSid: sid })).toMatchObject({ result: 'unchanged' });
      expect(await stored(c.id)).toMatchObject({ status: 'sent', statusRank: 2, errorCode: 30008 });
      expect(await challenges.advanceAttempt(randomUUID(), { ...sent, providerSid: sid })).toMatchObject({ result: 'unknown' });
      expect(await challenges.advanceAttempt('42', { ...sent, providerSid: sid })).toMatchObject({ result: 'unknown' });
      // Nothing else of the challenge was touched.
      expect(await challenges.find(c.id)).toMatchObject(row);
    });

    it('the relaxed commit is the statement\'s own: the connection commits durably again afterwards', async () => {
      const single = new SqlService(testConfig(db.url, `repo-${randomUUID().slice(0, 8)}`, { DB_POOL_SIZE: '1' }));
      try {
        const { a } = await withAttempt();
        expect(await new ChallengeRepository(single).advanceAttempt(a.id, { ...sent, providerSid: `SM-own-${a.id}` })).toMatchObject({ result: 'advanced' });
        expect(await single.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: 'on' }]);
      } finally {
        await single.pool.end();
      }
    });

    it('a `sent` that reaches the row while a transition writes `delivered` to it waits, then changes nothing', async () => {
      const { c, a } = await withAttempt();
      let release!: () => void;
      const mayCommit = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const deliveredWritten = new Promise<void>((resolve) => (written = resolve));
      const transition = challenges.withLock(c.id, async (tx) => {
        await challenges.updateAttempts(tx, new Map([[a.id, { status: 'delivered', statusRank: 5, deliveredAt: AT, finishedAt: AT }]]));
        written();
        await mayCommit;
      });
      await deliveredWritten;
      const late = challenges.advanceAttempt(a.id, { ...sent, providerSid: `SM-race-${a.id}` });
      await waitUntilBlockedOnLock();
      release();
      await transition;
      expect((await late).result).toBe('unchanged');
      expect(await stored(c.id)).toMatchObject({ status: 'delivered', statusRank: 5 });
    });

    it('takes no challenge lock: it goes through while a transition holds the challenge, which then writes over it', async () => {
      const { c, a } = await withAttempt();
      const transition = challenges.withLock(c.id, async (tx, locked) => {
        // Under the challenge's lock, before the transition writes the attempt: the update does not wait for it.
        expect(await challenges.advanceAttempt(a.id, { ...sent, providerSid: `SM-free-${a.id}` })).toMatchObject({ result: 'advanced' });
        await challenges.updateAttempts(tx, new Map([[a.id, { status: 'delivered', statusRank: 5 }]]));
        return locked?.attempts[0].status;
      });
      expect(await transition).toBe('queued');
      expect(await stored(c.id)).toMatchObject({ status: 'delivered', statusRank: 5, providerSid: `SM-free-${a.id}` });
    });

    it('the same status twice at once: exactly one advances', async () => {
      const { c, a } = await withAttempt();
      const results = await Promise.all([1, 2].map(() => challenges.advanceAttempt(a.id, { ...sent, providerSid: `SM-twice-${a.id}` })));
      expect(results.map((r) => r.result).sort()).toEqual(['advanced', 'unchanged']);
      expect(await stored(c.id)).toMatchObject({ status: 'sent', statusRank: 2 });
    });

    it('statuses asked within the window are written by one statement; each caller gets its own attempt\'s result and request id', async () => {
      const [one, two, three] = [await withAttempt(), await withAttempt(), await withAttempt()];
      await sql.query('UPDATE challenges SET request_id = $2 WHERE id = $1', [two.c.id, 'req-two']);
      await challenges.advanceAttempt(three.a.id, { ...sent, providerSid: `SM-b3-${three.a.id}` });
      const statements = jest.spyOn(sql.pool, 'query');
      try {
        const results = await Promise.all([
          challenges.advanceAttempt(one.a.id, { ...sending, providerSid: `SM-b1-${one.a.id}` }, AT),
          challenges.advanceAttempt(two.a.id, { ...sent, providerSid: `SM-b2-${two.a.id}`, errorCode: 30008 }, AT),
          challenges.advanceAttempt(three.a.id, { ...sending, providerSid: `SM-b3-${three.a.id}` }, AT),
          challenges.advanceAttempt(randomUUID(), { ...sent, providerSid: 'SM-nobody' }, AT),
        ]);
        expect(statements).toHaveBeenCalledTimes(1);
        expect(results).toEqual([
          { result: 'advanced', requestId: 'req-1' },
          { result: 'advanced', requestId: 'req-two' },
          { result: 'unchanged', requestId: 'req-1' },
          { result: 'unknown', requestId: null },
        ]);
      } finally {
        statements.mockRestore();
      }
      expect(await stored(one.c.id)).toMatchObject({ status: 'sending', statusRank: 1, providerSid: `SM-b1-${one.a.id}`, updatedAt: AT });
      expect(await stored(two.c.id)).toMatchObject({ status: 'sent', statusRank: 2, errorCode: 30008 });
      expect(await stored(three.c.id)).toMatchObject({ status: 'sent', statusRank: 2 });
    });

    it('two statuses of one attempt in one batch: the higher-ranked is written, whichever came first', async () => {
      const { c, a } = await withAttempt();
      const sid = `SM-pair-${a.id}`;
      const [later, earlier] = await Promise.all([challenges.advanceAttempt(a.id, { ...sent, providerSid: sid }), challenges.advanceAttempt(a.id, { ...sending, providerSid: sid })]);
      expect([later.result, earlier.result]).toEqual(['advanced', 'unchanged']);
      expect(await stored(c.id)).toMatchObject({ status: 'sent', statusRank: 2, providerSid: sid });
    });

    it('a batch whose statement fails is written change by change: only the failing change\'s caller gets the error', async () => {
      const [one, two, three] = [await withAttempt(), await withAttempt(), await withAttempt()];
      // Another attempt already holds this SID (provider_sid is unique): writing it fails the whole statement.
      const taken = `SM-taken-${randomUUID()}`;
      await challenges.advanceAttempt(two.a.id, { ...sending, providerSid: taken });
      const statements = jest.spyOn(sql.pool, 'query');
      const [ok, clash] = await Promise.allSettled([
        challenges.advanceAttempt(one.a.id, { ...sending, providerSid: `SM-fine-${one.a.id}` }),
        challenges.advanceAttempt(three.a.id, { ...sending, providerSid: taken }),
      ]);
      // The batch, then each change by itself.
      expect(statements).toHaveBeenCalledTimes(3);
      statements.mockRestore();
      expect(ok).toEqual({ status: 'fulfilled', value: { result: 'advanced', requestId: 'req-1' } });
      expect(clash).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/duplicate key|unique/i) }) });
      expect(await stored(three.c.id)).toMatchObject({ status: 'queued', providerSid: null });
      expect(await stored(one.c.id)).toMatchObject({ status: 'sending', providerSid: `SM-fine-${one.a.id}` });
    });
  });

  it('appends events in order and reads them after a given seq; JSON payloads round-trip', async () => {
    const c = await newChallenge();
    const at = new Date('2026-11-25T10:00:03Z');
    await sql.transaction((tx) =>
      challenges.writeTransition(tx, c.id, {
        patch: { lastSeq: 2 },
        steps: [],
        firstSeq: 1,
        events: [
          { type: 'challenge.created', at, payload: { status: 'pending', step: null } },
          { type: 'attempt.queued', at, payload: { status: 'pending', step: 0, reason: null } },
        ],
      }),
    );
    expect(await challenges.events(c.id)).toEqual([
      { seq: 1, type: 'challenge.created', payload: { status: 'pending', step: null }, createdAt: at },
      { seq: 2, type: 'attempt.queued', payload: { status: 'pending', step: 0, reason: null }, createdAt: at },
    ]);
    expect((await challenges.events(c.id, 1)).map((e) => e.seq)).toEqual([2]);
    // A seq written twice breaks the unique (challenge, seq) key: the whole transaction is rolled back, also when
    // the failing statement went out with the COMMIT.
    await expect(
      sql.transaction(async (tx) => {
        await challenges.update(tx, c.id, { version: 7 });
        await challenges.writeTransition(tx, c.id, { patch: { lastSeq: 3 }, steps: [], firstSeq: 2, events: [{ type: 'attempt.sent', at, payload: {} }] }, true);
      }),
    ).rejects.toThrow();
    expect(await challenges.find(c.id)).toMatchObject({ lastSeq: 2, version: 0 });
  });

  it("a transition's update of the challenge row is in place (HOT): none of the columns transitions change is indexed", async () => {
    const c = await newChallenge();
    const counts = await sql.transaction(async (tx) => {
      // The backend's not yet flushed counters, read in the same transaction before and after: their difference
      // is this transaction's own updates (deterministic, unlike the cumulative statistics).
      const read = async () =>
        (
          await tx.query<{ updated: number; hot: number }>(
            `SELECT pg_stat_get_xact_tuples_updated('challenges'::regclass)::int AS updated, pg_stat_get_xact_tuples_hot_updated('challenges'::regclass)::int AS hot`,
          )
        )[0];
      const before = await read();
      for (const [i, nextAction] of (['dispatch', 'step_timeout', null] as const).entries()) {
        await challenges.writeTransition(tx, c.id, { patch: { nextAction, nextActionAt: nextAction ? new Date(Date.now() + i * 1000) : null, currentStep: i % 2, lastSeq: i, version: i, wrongCodes: i }, steps: [], firstSeq: 100 + i, events: [] });
      }
      const after = await read();
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(counts).toEqual({ updated: 3, hot: 3 });
  });

  it('ids that are not UUIDs find nothing instead of failing in PostgreSQL', async () => {
    expect(await challenges.find('not-a-uuid')).toBeUndefined();
    expect(await challenges.withLock({ attemptId: '42' }, async (_tx, record) => record)).toBeUndefined();
    expect(await challenges.events("'; DROP TABLE challenges; --")).toEqual([]);
    expect(await challenges.withLock('x', async (_tx, record) => record)).toBeUndefined();
    expect(await challenges.withLock(randomUUID(), async (_tx, record) => record)).toBeUndefined();
    expect(await challenges.find(randomUUID())).toBeUndefined();
  });

  it('a transition waiting for the lock sees what the transaction it waited for wrote (attempts included)', async () => {
    const c = await newChallenge();
    const a = attempt(c.id, 0, 1);
    await sql.transaction((tx) => startAttempt(tx, a));

    let releaseFirst!: () => void;
    const firstMayCommit = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstLocked!: () => void;
    const firstHasLock = new Promise<void>((resolve) => (firstLocked = resolve));
    const first = challenges.withLock(c.id, async (tx) => {
      await challenges.updateAttempts(tx, new Map([[a.id, { status: 'answered', statusRank: 6 }]]));
      firstLocked();
      await firstMayCommit;
    });
    await firstHasLock;
    const second = challenges.withLock(c.id, async (_tx: Sql, record) => record);
    // Commit the first only once the second is really queued behind its lock.
    await waitUntilBlockedOnLock();
    releaseFirst();
    await first;
    const seen = await second;
    expect(seen?.attempts[0]).toMatchObject({ id: a.id, status: 'answered', statusRank: 6 });
    expect(seen?.attempts[0].updatedAt).toBeInstanceOf(Date);
  });

  async function waitUntilBlockedOnLock(): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const [row] = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (row.n > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('the second transaction never waited for the lock');
  }

  it('settings: a pending version supersedes the earlier pending one; activation supersedes the active one', async () => {
    const userId = `settings-${randomUUID()}`;
    const phone = { role: 'primary' as const, position: 0, e164: '+14155550123', country: 'US', method: 'sms' as const };
    const first = await settings.savePending(userId, [phone, { role: 'backup', position: 1, e164: '+442071838750', country: 'GB', method: 'call', label: 'office', extension: '42', lineType: 'FIXED_LINE' }]);
    expect(first).toMatchObject({ userId, state: 'pending', phones: [phone, { role: 'backup', position: 1, label: 'office', extension: '42', lineType: 'FIXED_LINE' }] });
    expect(first.createdAt).toBeInstanceOf(Date);
    expect(await sql.transaction((tx) => settings.activate(first.id, tx, new Date('2026-11-25T11:00:00Z')))).toBe(true);
    expect(await sql.transaction((tx) => settings.activate(first.id, tx, new Date()))).toBe(false);

    const second = await settings.savePending(userId, [phone]);
    const third = await settings.savePending(userId, [{ ...phone, method: 'call' }]);
    expect((await settings.findById(second.id))?.state).toBe('superseded');
    const current = await settings.findCurrent(userId);
    expect(current.active).toMatchObject({ id: first.id, activatedAt: new Date('2026-11-25T11:00:00Z') });
    expect(current.pending).toMatchObject({ id: third.id, phones: [{ method: 'call' }] });

    const challengeId = randomUUID();
    await settings.attachChallenge(third.id, challengeId);
    expect((await settings.findById(third.id))?.challengeId).toBe(challengeId);
    await sql.transaction((tx) => settings.activate(third.id, tx, new Date()));
    expect((await settings.findById(first.id))?.state).toBe('superseded');
    expect((await settings.findCurrent(userId)).active?.id).toBe(third.id);

    const rejected = await settings.savePending(userId, [phone]);
    await sql.transaction((tx) => settings.reject(rejected.id, tx));
    expect((await settings.findById(rejected.id))?.state).toBe('rejected');
    expect(await settings.findById('nope')).toBeUndefined();
  });

  describe('SqlService transactions (pipelined)', () => {
    const count = async (userId: string) => (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE id = $1', [userId]))[0].n;

    it('finish sends the last statement with COMMIT and returns its rows once committed; nothing may follow it', async () => {
      const userId = `fin-${randomUUID()}`;
      const rows = await sql.transaction(async (tx) => {
        const out = await tx.finish<{ id: string }>('INSERT INTO users (id) VALUES ($1) RETURNING id', [userId]);
        await expect(tx.query('SELECT 1')).rejects.toThrow('statement issued after the transaction was finished');
        return out;
      });
      expect(rows).toEqual([{ id: userId }]);
      expect(await count(userId)).toBe(1);
    });

    it('statements issued together run in order; one failing rolls back everything, and the pool stays usable', async () => {
      const userId = `pipe-${randomUUID()}`;
      await expect(
        sql.transaction(async (tx) => {
          const first = tx.query('INSERT INTO users (id) VALUES ($1)', [userId]);
          const duplicate = tx.query('INSERT INTO users (id) VALUES ($1)', [userId]);
          const after = tx.query('SELECT 1');
          await Promise.all([first, duplicate, after]);
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await count(userId)).toBe(0);
      // The same, when the failing statement is the one sent with COMMIT.
      await expect(
        sql.transaction(async (tx) => {
          await tx.query('INSERT INTO users (id) VALUES ($1)', [userId]);
          await tx.finish('INSERT INTO users (id) VALUES ($1)', [userId]);
        }),
      ).rejects.toThrow(/duplicate key/);
      expect(await count(userId)).toBe(0);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => sql.transaction((tx) => tx.finish<{ n: number }>('SELECT $1::int AS n', [i]))));
      expect(results.map((r) => r[0].n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('a statement that throws in the caller (not in PostgreSQL) rolls back what was sent before it', async () => {
      const userId = `throw-${randomUUID()}`;
      await expect(
        sql.transaction(async (tx) => {
          void tx.query('INSERT INTO users (id) VALUES ($1)', [userId]);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await count(userId)).toBe(0);
    });
  });
});
