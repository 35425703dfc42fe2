import { Client } from 'pg';
import IORedis from 'ioredis';
import { ensureTemplate, PG_SERVER_URL } from './database';
import { REDIS_URL } from './redis';

/** Fails the run early and clearly when PostgreSQL or Redis is not there, then builds the migrated template. */
export default async function globalSetup(): Promise<void> {
  const pg = new Client({ connectionString: PG_SERVER_URL, connectionTimeoutMillis: 3000 });
  try {
    await pg.connect();
  } catch (err) {
    throw new Error(`Tests need PostgreSQL at ${PG_SERVER_URL} (set TEST_PG_URL): ${(err as Error).message}`);
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new IORedis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Tests need Redis at ${REDIS_URL} (set TEST_REDIS_URL): ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
  await ensureTemplate();
}
