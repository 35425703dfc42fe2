import { Injectable } from '@nestjs/common';
import type { ChallengeEventType } from '@redial/contracts';
import { Db } from './db.types';
import type { Prisma } from './generated/client';
import { PrismaService } from './prisma.service';

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
}

export interface ChallengeRecord {
  id: string;
  userId: string;
  purpose: string;
  settingsId: string | null;
  status: string;
  currentStep: number;
  codeHash: string | null;
  codeAttemptId: string | null;
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

export type NewChallenge = Pick<ChallengeRecord, 'id' | 'userId' | 'purpose' | 'settingsId' | 'status' | 'currentStep' | 'expiresAt' | 'requestId' | 'createdAt'>;
export type NewStep = Omit<StepRecord, 'startedAt' | 'endedAt' | 'reason'> & { reason?: string | null };
export type ChallengePatch = Partial<Omit<ChallengeRecord, 'id' | 'userId' | 'steps' | 'attempts' | 'createdAt'>>;
export type StepPatch = Partial<Pick<StepRecord, 'status' | 'reason' | 'startedAt' | 'endedAt'>>;
export type AttemptPatch = Partial<Omit<AttemptRecord, 'id' | 'challengeId' | 'stepIndex' | 'attemptNo' | 'createdAt'>>;

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

const INCLUDE = {
  steps: { orderBy: { index: 'asc' } },
  attempts: { orderBy: [{ stepIndex: 'asc' }, { attemptNo: 'asc' }] },
} satisfies Prisma.ChallengeInclude;

@Injectable()
export class ChallengeRepository {
  constructor(private readonly prisma: PrismaService) {}

  get db(): Db {
    return this.prisma.client;
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.prisma.client.$transaction((tx) => fn(tx), { timeout: 15000, maxWait: 10000 });
  }

  /** Inserts a challenge and its steps; returns it as `find` would (a new challenge has no attempts). */
  async create(tx: Db, challenge: NewChallenge, steps: NewStep[]): Promise<ChallengeRecord> {
    const row = await tx.challenge.create({
      data: {
        ...challenge,
        steps: { create: steps.map((s) => ({ ...s, reason: s.reason ?? null })) },
      },
      include: { steps: INCLUDE.steps },
    });
    return { ...row, attempts: [] } as ChallengeRecord;
  }

  async find(id: string, db: Db = this.prisma.client): Promise<ChallengeRecord | undefined> {
    const row = await db.challenge.findUnique({ where: { id }, include: INCLUDE });
    return (row as ChallengeRecord | null) ?? undefined;
  }

  /** Loads a challenge and locks its row until the transaction ends, so transitions never interleave. */
  async lock(tx: Db, id: string): Promise<ChallengeRecord | undefined> {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM challenges WHERE id = ${id}::uuid FOR UPDATE`;
    if (locked.length === 0) return undefined;
    return this.find(id, tx);
  }

  /** Updates the challenge row; returns the row as written (Prisma's UPDATE … RETURNING, no extra query). */
  async update(tx: Db, id: string, patch: ChallengePatch): Promise<ChallengeRow> {
    return (await tx.challenge.update({ where: { id }, data: { ...patch, updatedAt: new Date() } })) as ChallengeRow;
  }

  /** Updates one step; returns it as written. */
  async updateStep(tx: Db, challengeId: string, index: number, patch: StepPatch): Promise<StepRecord> {
    return (await tx.challengeStep.update({ where: { challengeId_index: { challengeId, index } }, data: patch })) as StepRecord;
  }

  /** A challenge's attempts, in `find`'s order. */
  async attempts(challengeId: string, db: Db = this.prisma.client): Promise<AttemptRecord[]> {
    return db.deliveryAttempt.findMany({ where: { challengeId }, orderBy: INCLUDE.attempts.orderBy });
  }

  async appendEvents(tx: Db, challengeId: string, firstSeq: number, events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await tx.challengeEvent.createMany({
      data: events.map((e, i) => ({ challengeId, seq: firstSeq + i, type: e.type, payload: e.payload as Prisma.InputJsonValue, createdAt: e.at })),
    });
  }

  async events(challengeId: string, afterSeq = 0): Promise<EventRecord[]> {
    return this.prisma.client.challengeEvent.findMany({
      where: { challengeId, seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
      select: { seq: true, type: true, payload: true, createdAt: true },
    });
  }

  /** Inserts an attempt; returns the row as written (defaults filled in). */
  async createAttempt(tx: Db, attempt: Pick<AttemptRecord, 'id' | 'challengeId' | 'stepIndex' | 'attemptNo' | 'method' | 'provider' | 'status' | 'statusRank'>): Promise<AttemptRecord> {
    return tx.deliveryAttempt.create({ data: attempt });
  }

  async findAttemptById(id: string, db: Db = this.prisma.client): Promise<AttemptRecord | undefined> {
    return (await db.deliveryAttempt.findUnique({ where: { id } })) ?? undefined;
  }

  async findAttemptBySid(sid: string, db: Db = this.prisma.client): Promise<AttemptRecord | undefined> {
    return (await db.deliveryAttempt.findUnique({ where: { providerSid: sid } })) ?? undefined;
  }

  async updateAttempt(tx: Db, id: string, patch: AttemptPatch): Promise<void> {
    await tx.deliveryAttempt.update({ where: { id }, data: { ...patch, updatedAt: new Date() } });
  }

  /** Pending challenges whose next action is due before `dueBefore`, or that outlived their expiry. */
  async overdue(dueBefore: Date, now: Date, limit: number): Promise<Array<Pick<ChallengeRecord, 'id' | 'nextAction' | 'nextActionAt' | 'expiresAt' | 'currentStep'>>> {
    return this.prisma.client.challenge.findMany({
      where: { status: 'pending', OR: [{ nextActionAt: { lte: dueBefore } }, { expiresAt: { lte: now } }] },
      select: { id: true, nextAction: true, nextActionAt: true, expiresAt: true, currentStep: true },
      orderBy: { nextActionAt: 'asc' },
      take: limit,
    });
  }
}
