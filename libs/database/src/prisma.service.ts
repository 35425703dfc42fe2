import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Pool } from 'pg';
import { PrismaClient } from './generated/client';
import { SqlService } from './sql.service';

/**
 * A Prisma client over a `pg` pool: an existing one (the process's, shared with the plain SQL — one budget of
 * DB_POOL_SIZE connections per process), or a pool of its own for a database URL (scripts and tests).
 */
export function createPrismaClient(databaseUrlOrPool: string | Pool, poolSize = 10): PrismaClient {
  const adapter = typeof databaseUrlOrPool === 'string' ? new PrismaPg({ connectionString: databaseUrlOrPool, max: poolSize }) : new PrismaPg(databaseUrlOrPool);
  return new PrismaClient({ adapter });
}

/**
 * The one Prisma client of a process, on SqlService's pool (so Prisma's queries have the same timeouts and error
 * handling, and the process opens at most DB_POOL_SIZE connections in all). Disconnecting leaves the pool to
 * SqlService, which ends it.
 */
@Injectable()
export class PrismaService implements OnModuleDestroy {
  readonly client: PrismaClient;

  constructor(sql: SqlService) {
    this.client = createPrismaClient(sql.pool);
  }

  async ping(): Promise<void> {
    await this.client.$queryRawUnsafe('SELECT 1');
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.$disconnect();
  }
}
