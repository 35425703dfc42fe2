import { Client } from 'pg';
import { PrismaService, SqlService } from '@redial/database';
import { PG_SERVER_URL } from './support/database';
import { startStack, Stack } from './support/stack';

/**
 * The PostgreSQL budget (README: processes × DB_POOL_SIZE): one pool per process serves the plain SQL and Prisma,
 * so however many queries a process runs at once through both, it holds at most DB_POOL_SIZE connections.
 */
describe('one PostgreSQL pool per process', () => {
  const POOL = 4;
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { DB_POOL_SIZE: String(POOL) } });
  });
  afterAll(() => stack.close());

  it(`Prisma and the plain SQL together hold at most DB_POOL_SIZE (${POOL}) connections`, async () => {
    const sql = stack.api.get(SqlService);
    const prisma = stack.api.get(PrismaService);
    const marker = `budget_${Date.now()}`;
    const sleep = `SELECT pg_sleep(0.4)::text AS ${marker}`;
    const admin = new Client({ connectionString: PG_SERVER_URL });
    await admin.connect();
    try {
      let most = 0;
      const burst = Promise.all([
        ...Array.from({ length: 2 * POOL }, () => sql.query(sleep)),
        ...Array.from({ length: 2 * POOL }, () => prisma.client.$queryRawUnsafe(sleep)),
      ]);
      let done = false;
      void burst.finally(() => (done = true));
      while (!done) {
        const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE $2', [stack.db.name, `%${marker}%`]);
        most = Math.max(most, Number(rows[0].n));
        await new Promise((r) => setTimeout(r, 20));
      }
      await burst;
      // Both kinds ran at the same time, on one pool: never more than its size.
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(POOL);
      expect(sql.pool.totalCount).toBeLessThanOrEqual(POOL);
    } finally {
      await admin.end();
    }
  });
});
