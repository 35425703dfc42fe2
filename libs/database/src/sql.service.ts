import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient, QueryResultRow } from 'pg';
import { APP_CONFIG, AppConfig } from '@redial/config';

/**
 * Plain SQL over node-postgres, for the paths every challenge takes (create, lock, transition, dispatch,
 * callbacks). Prisma 7 spends 0.5–1 ms of CPU on each query it builds (its query compiler and interpreter run
 * in the calling process); the same statement through `pg` costs about 0.1 ms. The schema, the migrations and
 * the cold paths (operators' queries, alerts) stay with Prisma.
 */

/** Something statements can run on: the pool, or the connection of an open transaction. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/** Transactions give up after this long idle in the database, and wait at most this long for a connection. */
const TRANSACTION_IDLE_TIMEOUT_MS = 15_000;
const CONNECTION_WAIT_MS = 10_000;

/**
 * Every statement runs as a named prepared statement: PostgreSQL parses and plans it once per connection.
 * The name is derived from the text, so the same text always has the same name.
 */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `r_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}

class Runner implements Sql {
  constructor(private readonly target: Pool | PoolClient) {}

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    const result = await this.target.query<R>({ name: statementName(text), text, values: values as unknown[] });
    return result.rows;
  }
}

export function createPool(databaseUrl: string, max: number): Pool {
  return new Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: CONNECTION_WAIT_MS,
    idle_in_transaction_session_timeout: TRANSACTION_IDLE_TIMEOUT_MS,
  });
}

/** The process's pool for plain SQL. Connects lazily; closed on shutdown. */
@Injectable()
export class SqlService implements Sql, OnModuleDestroy {
  private readonly logger = new Logger('SqlService');
  readonly pool: Pool;
  private readonly runner: Runner;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = createPool(config.databaseUrl, config.dbPoolSize);
    // An idle connection the server dropped: the pool discards it; only log it.
    this.pool.on('error', (err) => this.logger.warn(`idle database connection lost: ${err.message}`));
    this.runner = new Runner(this.pool);
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return this.runner.query<R>(text, values);
  }

  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(new Runner(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw err;
    } finally {
      // A connection whose rollback failed is in an unknown state: the pool closes it instead of reusing it.
      client.release(broken);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool.end();
  }
}
