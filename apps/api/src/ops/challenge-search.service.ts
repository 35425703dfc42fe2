import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { OpsChallengePage, OpsChallengeSummary } from '@redial/contracts';
import { ChallengeRecord, Prisma, PrismaService } from '@redial/database';
import { toChallengeView } from '@redial/engine';
import { roundUsd } from '@redial/guard';
import { encodeCursor, SearchParams } from './challenge-search.query';

/**
 * Operators' challenge search: by challenge id, user id or the last digits of a phone; status and time
 * filters; keyset pagination on (created_at desc, id desc), so a page costs the same wherever it starts.
 * Results carry masked phones only (ChallengeView) plus, for support tickets, provider SIDs, costs and each
 * attempt's times.
 */
@Injectable()
export class ChallengeSearchService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly prisma: PrismaService,
  ) {}

  async search(p: SearchParams): Promise<OpsChallengePage> {
    const and: Prisma.ChallengeWhereInput[] = [];
    if (p.query?.kind === 'id') and.push({ OR: [{ id: p.query.value }, { userId: p.query.value }] });
    // A user id of 2-4 digits is possible too; a suffix scans challenge_steps (no suffix index), so pair it
    // with a time range on big installations.
    if (p.query?.kind === 'suffix') and.push({ OR: [{ userId: p.query.value }, { steps: { some: { e164: { endsWith: p.query.value } } } }] });
    if (p.query?.kind === 'user') and.push({ userId: p.query.value });
    if (p.statuses) and.push({ status: { in: p.statuses } });
    if (p.from) and.push({ createdAt: { gte: p.from } });
    if (p.to) and.push({ createdAt: { lte: p.to } });
    if (p.cursor) {
      and.push({ OR: [{ createdAt: { lt: p.cursor.createdAt } }, { createdAt: p.cursor.createdAt, id: { lt: p.cursor.id } }] });
    }
    const rows = (await this.prisma.client.challenge.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: p.limit + 1,
      include: {
        steps: { orderBy: { index: 'asc' } },
        attempts: { orderBy: [{ stepIndex: 'asc' }, { attemptNo: 'asc' }] },
      },
    })) as ChallengeRecord[];
    const page = rows.slice(0, p.limit);
    const result: OpsChallengePage = { items: page.map((r) => this.summary(r)) };
    const last = page.at(-1);
    if (rows.length > p.limit && last) result.nextCursor = encodeCursor(last.createdAt, last.id);
    return result;
  }

  private summary(record: ChallengeRecord): OpsChallengeSummary {
    return {
      ...toChallengeView(record, this.config.maxWrongCodes),
      providerSids: record.attempts.map((a) => ({ step: a.stepIndex, attemptNo: a.attemptNo, sid: a.providerSid })),
      // The estimate of every attempt that went out (migration 0005), and their sum: the challenge's cost.
      costs: record.attempts.map((a) => ({ step: a.stepIndex, attemptNo: a.attemptNo, usd: a.costUsd ?? null, units: a.costUnits ?? null })),
      costUsd: roundUsd(record.attempts.reduce((sum, a) => sum + (a.costUsd ?? 0), 0)),
      attemptTimes: record.attempts.map((a) => ({
        step: a.stepIndex,
        attemptNo: a.attemptNo,
        createdAt: a.createdAt.toISOString(),
        ...(a.sentAt && { sentAt: a.sentAt.toISOString() }),
        ...(a.deliveredAt && { deliveredAt: a.deliveredAt.toISOString() }),
        ...(a.finishedAt && { finishedAt: a.finishedAt.toISOString() }),
        ...(a.answeredBy && { answeredBy: a.answeredBy }),
      })),
      ...(record.finishedAt && { finishedAt: record.finishedAt.toISOString() }),
    };
  }
}
