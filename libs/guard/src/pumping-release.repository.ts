import { Injectable } from '@nestjs/common';
import { PrismaService } from '@redial/database';

export interface PumpingReleaseRow {
  id: string;
  prefix: string;
  operator: string;
  note: string | null;
  suspendedAt: Date | null;
  releasedAt: Date;
  sent: number;
  verified: number;
  windowMin: number;
}

/** The audit trail of operators' releases of suspended prefixes (table `pumping_releases`, migration 0004). */
@Injectable()
export class PumpingReleaseRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(row: PumpingReleaseRow): Promise<void> {
    await this.prisma.client.pumpingRelease.create({ data: row });
  }

  /** The latest releases, newest first. */
  recent(limit = 50): Promise<PumpingReleaseRow[]> {
    return this.prisma.client.pumpingRelease.findMany({ orderBy: [{ releasedAt: 'desc' }, { id: 'asc' }], take: limit });
  }
}
