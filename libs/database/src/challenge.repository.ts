import { Injectable } from '@nestjs/common';
import type { QueryResultRow } from 'pg';
import type { ChallengeEventType } from '@redial/contracts';
import { isUuid } from '@redial/domain';
import { MicroBatch } from './micro-batch';
import { insertClause, revive, selectList, setClause, valuesList } from './sql-columns';
import { Sql, SqlService, Tx } from './sql.service';

/** Challenges, their plan steps, delivery attempts and events, as plain objects. No business rules here. */

export interface StepRecord {
  index: number;
  role: string;
  e164: string;
  masked: string;
  country: string;
  method: string;
  extension: string | null;
  label: string | null;
  status: string;
  reason: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
}

export interface AttemptRecord {
  id: string;
  challengeId: string;
  stepIndex: number;
  attemptNo: number;
  method: string;
  provider: string;
  providerSid: string | null;
  status: string;
  statusRank: number;
  errorCode: number | null;
  reason: string | null;
  answeredBy: string | null;
  promptsPlayed: number;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  finishedAt: Date | null;
  /** Estimated cost in USD, set when the text or call went out (migration 0005); absent in older fixtures. */
  costUsd?: number | null;
  /** Text segments or a call's started minutes behind costUsd. */
  costUnits?: number | null;
}

export interface ChallengeRecord {
  id: string;
  userId: string;
  purpose: string;
  settingsId: string | null;
  status: string;
  currentStep: number;
  wrongCodes: number;
  sends: number;
  fraudReported: boolean;
  nextActionAt: Date | null;
  nextAction: string | null;
  expiresAt: Date;
  approvedAt: Date | null;
  finishedAt: Date | null;
  firstDeliveryAt: Date | null;
  lastSeq: number;
  version: number;
  requestId: string | null;
  createdAt: Date;
  updatedAt: Date;
  steps: StepRecord[];
  attempts: AttemptRecord[];
}

/** A challenge row without its steps and attempts (what an UPDATE … RETURNING gives back). */
export type ChallengeRow = Omit<ChallengeRecord, 'steps' | 'attempts'>;

/** A new challenge row: the columns it must have, and those a first transition may set (the rest: their defaults). */
export type NewChallenge = Pick<ChallengeRecord, 'id' | 'userId' | 'purpose' | 'settingsId' | 'status' | 'currentStep' | 'expiresAt' | 'requestId' | 'createdAt'> &
  Partial<Omit<ChallengeRow, 'id' | 'userId' | 'purpose' | 'settingsId' | 'status' | 'currentStep' | 'expiresAt' | 'requestId' | 'createdAt' | 'updatedAt'>>;
export type NewStep = Omit<StepRecord, 'startedAt' | 'endedAt' | 'reason'> & { reason?: string | null; startedAt?: Date | null };
/** What a new challenge's first transition writes besides its row and steps: the attempt it starts, its events. */
export interface FirstTransition {
  attempt?: NewAttempt;
  /** The `seq` of the first event. */
  firstSeq: number;
  events: NewEvent[];
}
export type ChallengePatch = Partial<Omit<ChallengeRecord, 'id' | 'userId' | 'steps' | 'attempts' | 'createdAt'>>;
export type StepPatch = Partial<Pick<StepRecord, 'status' | 'reason' | 'startedAt' | 'endedAt'>>;
export type AttemptPatch = Partial<Omit<AttemptRecord, 'id' | 'challengeId' | 'stepIndex' | 'attemptNo' | 'createdAt'>>;
/** An attempt as the transition that starts it writes it (the rest are the table's defaults). */
export type NewAttempt = Pick<AttemptRecord, 'id' | 'challengeId' | 'stepIndex' | 'attemptNo' | 'method' | 'provider' | 'status' | 'statusRank' | 'createdAt'>;

/**
 * What a dispatch job reads before it sends (one query, no lock): the attempt, its step, and its challenge whole
 * (steps and attempts), which the `sent` transition is then decided on (ChallengeEngine, `expected`).
 */
export interface DispatchTarget {
  challenge: ChallengeRecord;
  step: StepRecord;
  attempt: AttemptRecord;
}

export interface NewEvent {
  type: ChallengeEventType;
  payload: Record<string, unknown>;
  at: Date;
}

export interface EventRecord {
  seq: number;
  type: string;
  payload: unknown;
  createdAt: Date;
}

const CHALLENGE_FIELDS = [
  'id', 'userId', 'purpose', 'settingsId', 'status', 'currentStep', 'wrongCodes', 'sends',
  'fraudReported', 'nextActionAt', 'nextAction', 'expiresAt', 'approvedAt', 'finishedAt', 'firstDeliveryAt', 'lastSeq',
  'version', 'requestId', 'createdAt', 'updatedAt',
] as const satisfies ReadonlyArray<keyof ChallengeRow>;
const STEP_FIELDS = [
  'index', 'role', 'e164', 'masked', 'country', 'method', 'extension', 'label', 'status', 'reason', 'startedAt', 'endedAt',
] as const satisfies ReadonlyArray<keyof StepRecord>;
const ATTEMPT_FIELDS = [
  'id', 'challengeId', 'stepIndex', 'attemptNo', 'method', 'provider', 'providerSid', 'status', 'statusRank', 'errorCode',
  'reason', 'answeredBy', 'promptsPlayed', 'createdAt', 'updatedAt', 'sentAt', 'deliveredAt', 'finishedAt', 'costUsd', 'costUnits',
] as const satisfies ReadonlyArray<keyof AttemptRecord>;
const STEP_DATES = ['startedAt', 'endedAt'];
const ATTEMPT_DATES = ['createdAt', 'updatedAt', 'sentAt', 'deliveredAt', 'finishedAt'];

const CHALLENGE_PATCHABLE = new Set<string>(CHALLENGE_FIELDS.filter((f) => f !== 'id' && f !== 'userId' && f !== 'createdAt'));
const CHALLENGE_INSERTABLE = new Set<string>(CHALLENGE_FIELDS);
const STEP_PATCHABLE = new Set<string>(['status', 'reason', 'startedAt', 'endedAt']);
const ATTEMPT_PATCHABLE = new Set<string>(ATTEMPT_FIELDS.filter((f) => !['id', 'challengeId', 'stepIndex', 'attemptNo', 'createdAt'].includes(f)));

const CHALLENGE_COLUMNS = selectList(CHALLENGE_FIELDS);
const STEP_COLUMNS = selectList(STEP_FIELDS);
const ATTEMPT_COLUMNS = selectList(ATTEMPT_FIELDS);

/** A challenge with its steps and attempts in one statement (the plan and attempts as JSON arrays). */
const FIND = `SELECT ${selectList(CHALLENGE_FIELDS, 'c')},
  (SELECT coalesce(json_agg(s ORDER BY s."index"), '[]') FROM (SELECT ${STEP_COLUMNS} FROM challenge_steps WHERE challenge_id = c.id) s) AS steps,
  (SELECT coalesce(json_agg(a ORDER BY a."stepIndex", a."attemptNo"), '[]') FROM (SELECT ${ATTEMPT_COLUMNS} FROM delivery_attempts WHERE challenge_id = c.id) a) AS attempts
FROM challenges c WHERE c.id = $1`;
/** The challenge a locator names: its id ($1), else the challenge of attempt $2, else of provider SID $3. */
const TARGET = `coalesce($1::uuid,
  (SELECT challenge_id FROM delivery_attempts WHERE id = $2::uuid),
  (SELECT challenge_id FROM delivery_attempts WHERE provider_sid = $3::text))`;
const RELAXED_COMMIT = 'SET LOCAL synchronous_commit = off';
const LOCK_TARGET = `SELECT id FROM challenges WHERE id = ${TARGET} FOR UPDATE`;
const FIND_TARGET = FIND.replace('c.id = $1', `c.id = ${TARGET}`);
/** The challenge of attempt $1, with its steps and attempts (FIND). */
const FIND_DISPATCH = FIND.replace('c.id = $1', 'c.id = (SELECT challenge_id FROM delivery_attempts WHERE id = $1)');

/**
 * Statuses moving attempts forward on their own, one row of `v` per attempt (id, status, rank, error code, SID,
 * time): each written only when its rank is above the stored one. The UPDATE takes each attempt's row lock, so it
 * waits for a transition writing the same row and then checks the rank again on the row as that transition left it
 * (READ COMMITTED re-evaluates the WHERE): a late status never overwrites a later one. `found` says whether the
 * attempt exists at all. `set_config(…, true)` is this statement's own transaction's `SET LOCAL synchronous_commit
 * = off`: PostgreSQL reads the setting when the transaction commits, and the statement is the whole (implicit)
 * transaction, so the commit does not wait for the disk flush and nothing else is affected.
 */
function advanceStatement(rows: ReadonlyArray<readonly unknown[]>): { text: string; values: unknown[] } {
  const list = valuesList(rows);
  return {
    text: `WITH v AS (SELECT x.id::uuid AS id, x.status, x.rank::int AS rank, x.error_code::int AS error_code, x.sid, x.at::timestamptz AS at
    FROM (VALUES ${list.sql}) AS x(id, status, rank, error_code, sid, at)),
  advanced AS (
    UPDATE delivery_attempts d SET status = v.status, status_rank = v.rank, error_code = coalesce(v.error_code, d.error_code),
      provider_sid = coalesce(d.provider_sid, v.sid), updated_at = v.at
    FROM v WHERE d.id = v.id AND d.status_rank < v.rank RETURNING d.id)
SELECT v.id, EXISTS (SELECT 1 FROM advanced x WHERE x.id = v.id) AS advanced, a.id IS NOT NULL AS found, c.request_id AS "requestId",
  set_config('synchronous_commit', 'off', true) AS "synchronousCommit"
FROM v LEFT JOIN delivery_attempts a ON a.id = v.id LEFT JOIN challenges c ON c.id = a.challenge_id`,
    values: list.values,
  };
}

/** A status an attempt moves forward to on its own (advanceAttempt). */
export interface AttemptAdvance {
  status: string;
  statusRank: number;
  errorCode?: number;
  providerSid: string;
}

export interface AdvanceResult {
  result: 'advanced' | 'unchanged' | 'unknown';
  requestId: string | null;
}

/**
 * How long a status on its way waits for others to be written with it (advanceAttempt). Twilio answers each
 * text's `sending` and `sent` with its own request; at a few hundred a second a 10-ms window writes several in one
 * statement instead of one each, and a callback's answer waits at most that long (Twilio allows 15 s).
 */
export const ADVANCE_WINDOW_MS = 10;
const ADVANCE_BATCH_MAX = 200;

/** One caller's change, waiting for its batch (advanceAttempt). */
type AdvanceItem = { attemptId: string; change: AttemptAdvance; at: Date };
type AdvanceRow = { id: string; advanced: boolean; found: boolean; requestId: string | null };

/** An attempt's row of advanceStatement as its caller's result; `written`: the change was the one written for it. */
function advanceResult(row: AdvanceRow | undefined, written: boolean): AdvanceResult {
  const result = !row?.found ? 'unknown' : row.advanced && written ? 'advanced' : 'unchanged';
  return { result, requestId: row?.requestId ?? null };
}

/** A challenge named by its id, or by one of its attempts: our attempt id (callback URLs carry it), else the provider's SID. */
export type ChallengeLocator = string | { attemptId?: string; sid?: string };

/** TARGET's parameters for a locator; ids that are not UUIDs name nothing. */
function targetParams(locator: ChallengeLocator): Array<string | null> {
  const { challengeId, attemptId, sid } = typeof locator === 'string' ? { challengeId: locator } : { challengeId: undefined, ...locator };
  return [challengeId !== undefined && isUuid(challengeId) ? challengeId : null, attemptId !== undefined && isUuid(attemptId) ? attemptId : null, sid ?? null];
}

/**
 * `aN AS (UPDATE delivery_attempts …)` parts for a WITH clause; their parameters are appended to `values`.
 * `condition`: SQL each update's WHERE also requires.
 */
function attemptUpdates(patches: ReadonlyMap<string, AttemptPatch> | undefined, values: unknown[], condition = ''): string[] {
  const parts: string[] = [];
  for (const [id, patch] of patches ?? []) {
    const set = setClause({ updatedAt: new Date(), ...patch }, ATTEMPT_PATCHABLE, values.length + 2);
    parts.push(`a${parts.length} AS (UPDATE delivery_attempts SET ${set.sql} WHERE id = $${values.length + 1}${condition})`);
    values.push(id, ...set.values);
  }
  return parts;
}

/** Runs a statement on `tx`; the transaction's last one (`last`) is sent with its COMMIT. */
function run<R extends QueryResultRow>(tx: Tx, last: boolean, text: string, values: readonly unknown[]): Promise<R[]> {
  return last ? tx.finish<R>(text, values) : tx.query<R>(text, values);
}

type ChallengeWithChildren = ChallengeRow & { steps: Array<Record<string, unknown>>; attempts: Array<Record<string, unknown>> };

function toRecord(row: ChallengeWithChildren): ChallengeRecord {
  return {
    ...row,
    steps: row.steps.map((s) => revive<StepRecord>(s, STEP_DATES)),
    attempts: row.attempts.map((a) => revive<AttemptRecord>(a, ATTEMPT_DATES)),
  };
}

/** What a transition writes (ChallengeEngine.persist, from the plan of libs/domain). */
export interface TransitionChange {
  patch: ChallengePatch;
  steps: Array<{ index: number; patch: StepPatch }>;
  firstSeq: number;
  events: NewEvent[];
  attempts?: ReadonlyMap<string, AttemptPatch>;
  newAttempt?: NewAttempt;
}

/** The challenge row, the changed steps and the new attempt, as a transition's statement wrote them. */
export interface WrittenTransition {
  row: ChallengeRow;
  steps: StepRecord[];
  attempt?: AttemptRecord;
}

type TransitionResult = ChallengeRow & { changedSteps: Array<Record<string, unknown>>; newAttempt: Record<string, unknown> | null; synchronousCommit?: string };

/**
 * A transition's writes as one statement (writeTransition). With `at`, made only while the challenge row is at
 * `at.version`: the row's UPDATE checks it, and every other part requires that UPDATE's row (writeTransitionAt).
 */
function transitionStatement(id: string, change: TransitionChange, at?: { version: number; durable: boolean }): { text: string; values: unknown[] } {
  const values: unknown[] = [id];
  const challengeSet = setClause({ ...change.patch, updatedAt: new Date() }, CHALLENGE_PATCHABLE, 2);
  values.push(...challengeSet.values);
  const version = at === undefined ? '' : ` AND version = $${values.push(at.version)}`;
  const withRow = at === undefined ? '' : ' AND EXISTS (SELECT FROM c)';
  const parts = [`c AS (UPDATE challenges SET ${challengeSet.sql} WHERE id = $1${version} RETURNING ${CHALLENGE_COLUMNS})`];
  parts.push(...attemptUpdates(change.attempts, values, withRow));
  const a = change.newAttempt;
  if (a !== undefined) {
    if (at !== undefined) throw new Error('a transition that starts an attempt is written under the challenge lock');
    parts.push(attemptInsert(a, values));
  }
  const stepNames: string[] = [];
  change.steps.forEach((step, i) => {
    const set = setClause(step.patch, STEP_PATCHABLE, values.length + 2);
    parts.push(`s${i} AS (UPDATE challenge_steps SET ${set.sql} WHERE challenge_id = $1 AND "index" = $${values.length + 1}${withRow} RETURNING ${STEP_COLUMNS})`);
    values.push(step.index, ...set.values);
    stepNames.push(`SELECT * FROM s${i}`);
  });
  if (change.events.length > 0) parts.push(eventsInsert(change.firstSeq, change.events, values));
  const changed = stepNames.length > 0 ? `(SELECT json_agg(x) FROM (${stepNames.join(' UNION ALL ')}) x)` : `'[]'::json`;
  const created = a !== undefined ? '(SELECT row_to_json(n) FROM n)' : 'NULL::json';
  const relaxed = at !== undefined && !at.durable ? `, set_config('synchronous_commit', 'off', true) AS "synchronousCommit"` : '';
  return { text: `WITH ${parts.join(',\n')} SELECT c.*, ${changed} AS "changedSteps", ${created} AS "newAttempt"${relaxed} FROM c`, values };
}

/** `n AS (INSERT INTO delivery_attempts …)`, the attempt a transition starts, for a WITH clause; its values appended to `values`. */
function attemptInsert(a: NewAttempt, values: unknown[]): string {
  const row = valuesList([[a.id, a.challengeId, a.stepIndex, a.attemptNo, a.method, a.provider, a.status, a.statusRank, a.createdAt, a.createdAt]], values.length + 1);
  values.push(...row.values);
  return `n AS (INSERT INTO delivery_attempts (id, challenge_id, step_index, attempt_no, method, provider, status, status_rank, created_at, updated_at)
    VALUES ${row.sql} RETURNING ${ATTEMPT_COLUMNS})`;
}

/**
 * `e AS (INSERT INTO challenge_events …)`, a transition's events from `firstSeq` on, for a WITH clause whose `c`
 * is the challenge row it wrote: the events are written with that row (none when a guarded UPDATE found it at
 * another version). Their values are appended to `values`.
 */
function eventsInsert(firstSeq: number, events: readonly NewEvent[], values: unknown[]): string {
  const rows = valuesList(events.map((e, i) => [firstSeq + i, e.type, JSON.stringify(e.payload), e.at]), values.length + 1);
  values.push(...rows.values);
  return `e AS (INSERT INTO challenge_events (challenge_id, seq, type, payload, created_at)
    SELECT c.id, v.seq::int, v.type, v.payload::jsonb, v.at::timestamptz FROM c, (VALUES ${rows.sql}) AS v(seq, type, payload, at))`;
}

function writtenTransition({ changedSteps, newAttempt, synchronousCommit: _relaxed, ...row }: TransitionResult): WrittenTransition {
  const steps = changedSteps.map((s) => revive<StepRecord>(s, STEP_DATES));
  return newAttempt === null ? { row, steps } : { row, steps, attempt: revive<AttemptRecord>(newAttempt, ATTEMPT_DATES) };
}

@Injectable()
export class ChallengeRepository {
  /** Statuses on their way, written in batches (advanceAttempt). */
  private readonly advances = new MicroBatch((items: readonly AdvanceItem[]) => this.advanceAll(items), ADVANCE_WINDOW_MS, ADVANCE_BATCH_MAX);

  constructor(private readonly sql: SqlService) {}

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.transaction(fn);
  }

  /**
   * Inserts a challenge as its first transition leaves it — the row, its steps, the attempt that transition starts
   * and its events — in one statement, and returns it as written (what `find` reads). Without `into` the
   * statement is its own transaction: no BEGIN and no COMMIT of their own, one round trip. In a transaction
   * (`into.tx`) it is one of the caller's statements; `into.last`: the transaction's last, sent with its COMMIT.
   */
  async create(challenge: NewChallenge, steps: NewStep[], first: FirstTransition = { firstSeq: 1, events: [] }, into?: { tx: Tx; last: boolean }): Promise<ChallengeRecord> {
    const values: unknown[] = [];
    const row = insertClause({ ...challenge, updatedAt: challenge.createdAt }, CHALLENGE_INSERTABLE, values);
    const parts = [`c AS (INSERT INTO challenges (${row.columns}) VALUES (${row.params}) RETURNING ${CHALLENGE_COLUMNS})`];
    const stepRows = valuesList(
      steps.map((st) => [st.index, st.role, st.e164, st.masked, st.country, st.method, st.extension, st.label, st.status, st.reason ?? null, st.startedAt ?? null]),
      values.length + 1,
    );
    values.push(...stepRows.values);
    parts.push(`s AS (INSERT INTO challenge_steps (challenge_id, "index", role, e164, masked, country, method, extension, label, status, reason, started_at)
      SELECT c.id, v.i::int, v.role, v.e164, v.masked, v.country, v.method, v.extension, v.label, v.status, v.reason, v.started::timestamptz
      FROM c, (VALUES ${stepRows.sql}) AS v(i, role, e164, masked, country, method, extension, label, status, reason, started) RETURNING ${STEP_COLUMNS})`);
    const a = first.attempt;
    if (a !== undefined) parts.push(attemptInsert(a, values));
    if (first.events.length > 0) parts.push(eventsInsert(first.firstSeq, first.events, values));
    const attempts = a !== undefined ? `(SELECT json_agg(n) FROM n)` : `'[]'::json`;
    const text = `WITH ${parts.join(',\n')} SELECT c.*, (SELECT json_agg(s ORDER BY s."index") FROM s) AS steps, ${attempts} AS attempts FROM c`;
    const [written] = await (into ? run<ChallengeWithChildren>(into.tx, into.last, text, values) : this.sql.query<ChallengeWithChildren>(text, values));
    return toRecord(written);
  }

  async find(id: string): Promise<ChallengeRecord | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.sql.query<ChallengeWithChildren>(FIND, [id]);
    return row ? toRecord(row) : undefined;
  }

  /** The challenge's user (for per-user limits asked before a transition), by primary key only. */
  async userIdOf(id: string): Promise<string | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.sql.query<{ user_id: string }>('SELECT user_id FROM challenges WHERE id = $1', [id]);
    return row?.user_id;
  }

  /**
   * Runs `fn` in a transaction that holds the challenge's row lock, so transitions never interleave, with the
   * challenge as it is under that lock (undefined when there is none). BEGIN, the lock and the read leave in
   * one round trip, but the read is its own statement on purpose: PostgreSQL starts it only once the lock is
   * held, with a fresh snapshot, whereas a statement that waited for the lock itself still reads with the
   * snapshot it started with — steps and attempts read that way could predate the transaction it waited for.
   * `durable: false` commits without waiting for the disk flush (`SET LOCAL synchronous_commit = off`, this
   * transaction only), for writes that can be derived again if a PostgreSQL crash loses them.
   */
  async withLock<T>(locator: ChallengeLocator, fn: (tx: Tx, record: ChallengeRecord | undefined) => Promise<T>, { durable = true } = {}): Promise<T> {
    const target = targetParams(locator);
    return this.sql.transaction(async (tx) => {
      if (target.every((v) => v === null)) return fn(tx, undefined);
      const relaxed = durable ? undefined : tx.query(RELAXED_COMMIT);
      const [locked, found] = await Promise.all([tx.query(LOCK_TARGET, target), tx.query<ChallengeWithChildren>(FIND_TARGET, target), relaxed]);
      return fn(tx, locked.length > 0 && found.length > 0 ? toRecord(found[0]) : undefined);
    });
  }

  /**
   * Moves attempt `attemptId` to `change.status`, without the challenge's lock, when that ranks above its stored
   * status (advanceStatement); records `providerSid` when the attempt has none yet. For changes that concern the
   * attempt alone and that a PostgreSQL crash may lose: the commit does not wait for the disk flush. The changes
   * asked within ADVANCE_WINDOW_MS of each other are written by one statement; of two for the same attempt, the
   * higher-ranked is the one written (the other is `unchanged`, as it would be written after it). Should that
   * statement fail (a SID another attempt holds, a deadlock with a concurrent batch), each change is written by
   * itself, so one change's failure is its caller's alone. `unknown`: there is no such attempt; `unchanged`: its
   * status already ranks as high or higher. With the request id stored on the attempt's challenge (for the
   * callback's log lines).
   */
  advanceAttempt(attemptId: string, change: AttemptAdvance, at = new Date()): Promise<AdvanceResult> {
    if (!isUuid(attemptId)) return Promise.resolve({ result: 'unknown', requestId: null });
    return this.advances.add({ attemptId, change, at });
  }

  /** One statement for a batch of advanceAttempt's changes; each change by itself when it fails. */
  private async advanceAll(items: readonly AdvanceItem[]): Promise<Array<PromiseSettledResult<AdvanceResult>>> {
    // The change written for each attempt: its highest-ranked (the first of equals).
    const chosen = new Map<string, AdvanceItem>();
    for (const item of items) {
      const seen = chosen.get(item.attemptId);
      if (seen === undefined || item.change.statusRank > seen.change.statusRank) chosen.set(item.attemptId, item);
    }
    let written: Map<string, AdvanceRow>;
    try {
      written = await this.writeAdvances([...chosen.values()]);
    } catch (err) {
      if (chosen.size === 1) return items.map(() => ({ status: 'rejected', reason: err }));
      return Promise.allSettled(items.map(async (item) => advanceResult((await this.writeAdvances([item])).get(item.attemptId), true)));
    }
    return items.map((item) => ({ status: 'fulfilled', value: advanceResult(written.get(item.attemptId), chosen.get(item.attemptId) === item) }));
  }

  private async writeAdvances(items: readonly AdvanceItem[]): Promise<Map<string, AdvanceRow>> {
    const rows = items.map(({ attemptId, change, at }) => [attemptId, change.status, change.statusRank, change.errorCode ?? null, change.providerSid, at]);
    const { text, values } = advanceStatement(rows);
    return new Map((await this.sql.query<AdvanceRow>(text, values)).map((r) => [r.id, r]));
  }

  /**
   * The attempt a dispatch job names, with its step and its challenge as they are now; undefined when gone. Also
   * what a text's delivery or failure callback reads before its guarded transition (TwilioWebhooksService).
   */
  async findForDispatch(attemptId: string): Promise<DispatchTarget | undefined> {
    if (!isUuid(attemptId)) return undefined;
    const [row] = await this.sql.query<ChallengeWithChildren>(FIND_DISPATCH, [attemptId]);
    if (!row) return undefined;
    const challenge = toRecord(row);
    const attempt = challenge.attempts.find((a) => a.id === attemptId);
    const step = attempt && challenge.steps.find((s) => s.index === attempt.stepIndex);
    return attempt && step && { challenge, step, attempt };
  }

  /** Which of `sids` an attempt already holds (a text or call found at the provider is only adopted when none does). */
  async claimedSids(sids: readonly string[]): Promise<Set<string>> {
    if (sids.length === 0) return new Set();
    const rows = await this.sql.query<{ sid: string }>('SELECT provider_sid AS sid FROM delivery_attempts WHERE provider_sid = ANY($1::text[])', [sids]);
    return new Set(rows.map((r) => r.sid));
  }

  /** Updates the challenge row; returns the row as written (UPDATE … RETURNING). */
  async update(tx: Sql, id: string, patch: ChallengePatch): Promise<ChallengeRow> {
    const set = setClause({ ...patch, updatedAt: new Date() }, CHALLENGE_PATCHABLE, 2);
    const [row] = await tx.query<ChallengeRow>(`UPDATE challenges SET ${set.sql} WHERE id = $1 RETURNING ${CHALLENGE_COLUMNS}`, [id, ...set.values]);
    if (!row) throw new Error(`challenge ${id} not found`);
    return row;
  }

  /**
   * A transition's writes in one statement: the attempts a hook changed, the attempt it starts, the challenge
   * row, the steps that changed, the new events (from `firstSeq` on). Returns the challenge row, the changed
   * steps and the new attempt as written. `last`: the transaction's last statement, sent with its COMMIT.
   */
  async writeTransition(tx: Tx, id: string, change: TransitionChange, last = false): Promise<WrittenTransition> {
    const { text, values } = transitionStatement(id, change);
    const [result] = await run<TransitionResult>(tx, last, text, values);
    if (!result) throw new Error(`challenge ${id} not found`);
    return writtenTransition(result);
  }

  /**
   * The same writes as writeTransition, as one statement of its own and without the challenge's lock, made only
   * while the challenge is still at `version`: every transition that changes a challenge moves its version on, and
   * the UPDATE of the challenge row waits for a transition holding that row and then checks the version again on
   * the row it left (READ COMMITTED re-evaluates the WHERE). Every other part of the statement writes only with
   * that row, which it locks first, as the engine's transitions do. Undefined, with nothing written, when the
   * challenge is at another version (or gone). `durable: false` commits it without waiting for the disk flush
   * (`set_config(…, true)` in the statement, as ADVANCE_ATTEMPT does). Not for a transition that starts an attempt.
   */
  async writeTransitionAt(version: number, id: string, change: Omit<TransitionChange, 'newAttempt'>, { durable = true } = {}): Promise<WrittenTransition | undefined> {
    const { text, values } = transitionStatement(id, change, { version, durable });
    const [result] = await this.sql.query<TransitionResult>(text, values);
    return result && writtenTransition(result);
  }

  /** Attempt updates on their own (a transition that changed nothing else), in one statement. */
  async updateAttempts(tx: Tx, patches: ReadonlyMap<string, AttemptPatch>, last = false): Promise<void> {
    if (patches.size === 0) return;
    const values: unknown[] = [];
    const parts = attemptUpdates(patches, values);
    const text = `WITH ${parts.join(',\n')} SELECT 1`;
    await run(tx, last, text, values);
  }

  async events(challengeId: string, afterSeq = 0): Promise<EventRecord[]> {
    if (!isUuid(challengeId)) return [];
    return this.sql.query<EventRecord>(
      `SELECT seq, type, payload, created_at AS "createdAt" FROM challenge_events WHERE challenge_id = $1 AND seq > $2 ORDER BY seq`,
      [challengeId, afterSeq],
    );
  }

  /** Pending challenges whose next action is due before `dueBefore`, or that outlived their expiry. */
  async overdue(dueBefore: Date, now: Date, limit: number): Promise<Array<Pick<ChallengeRecord, 'id' | 'nextAction' | 'nextActionAt' | 'expiresAt' | 'currentStep'>>> {
    return this.sql.query(
      `SELECT id, next_action AS "nextAction", next_action_at AS "nextActionAt", expires_at AS "expiresAt", current_step AS "currentStep"
       FROM challenges WHERE status = 'pending' AND (next_action_at <= $1 OR expires_at <= $2)
       ORDER BY next_action_at ASC NULLS LAST LIMIT $3`,
      [dueBefore, now, limit],
    );
  }
}
