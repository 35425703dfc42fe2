import type { Prisma, PrismaClient } from './generated/client';

/** A Prisma client or the client of an open transaction: repositories accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;
