import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { isDatabaseUnavailable } from './database-errors';

/**
 * Plain SQL over node-postgres, for the paths every challenge takes (create, lock, transition, dispatch,
 * callbacks). Prisma 7 spends 0.5–1 ms of CPU on each query it builds (its query compiler and interpreter run
 * in the calling process); the same statement through `pg` costs about 0.1 ms. The schema, the migrations and
 * the cold paths (operators' queries, alerts) stay with Prisma.
 *
 * Connections run in node-postgres' pipeline mode: statements issued without waiting for each other go to
 * PostgreSQL back to back, and the statements one transaction issues in the same tick leave in one write.
 * PostgreSQL still runs them one after the other, in order, each with its own snapshot. A transition is then
 * two round trips (BEGIN + lock + read; writes + COMMIT) instead of one per statement.
 */

/** Something statements can run on: the pool, or the connection of an open transaction. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/** The connection of an open transaction. */
export interface Tx extends Sql {
  /**
   * The transaction's last statement: sent together with COMMIT (one round trip for both). Resolves with its
   * rows once the commit succeeded; nothing may be issued on `tx` afterwards.
   */
  finish<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

/** Transactions give up after this long idle in the database. */
const TRANSACTION_IDLE_TIMEOUT_MS = 15_000;
/**
 * How much longer than `statement_timeout` the client waits for an answer (`query_timeout`): the server cancels a
 * slow statement itself and the connection stays usable; the client's own timer is for a server (or network) that
 * cannot answer at all, and then the connection is destroyed.
 */
const CLIENT_TIMEOUT_MARGIN_MS = 500;

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

function prepared(text: string, values: readonly unknown[]) {
  return { name: statementName(text), text, values: values as unknown[] };
}

class PoolRunner implements Sql {
  constructor(private readonly pool: Pool) {}

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(prepared(text, values))).rows;
  }
}

/** One transaction's connection. Statements issued in the same tick are written to the socket together. */
class TxRunner implements Tx {
  private corked = false;
  /** Set once COMMIT has been sent (by `finish`). */
  committing?: Promise<QueryResult>;
  readonly begun: Promise<QueryResult>;

  constructor(private readonly client: PoolClient) {
    this.begun = this.send('BEGIN');
    // Awaited by every statement and by the commit; never left unhandled.
    this.begun.catch(() => undefined);
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    if (this.committing) throw new Error('statement issued after the transaction was finished');
    const result = this.send<R>(prepared(text, values));
    // A statement that ran without the transaction's BEGIN must not count as part of it.
    const [, rows] = await Promise.all([this.begun, result]);
    return rows.rows;
  }

  async finish<R extends QueryResultRow = QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    const rows = this.query<R>(text, values);
    this.committing = this.send('COMMIT');
    this.committing.catch(() => undefined);
    // The statement's own error first (COMMIT after a failed statement only rolls back).
    const result = await rows;
    const commit = await this.committing;
    if (commit.command !== 'COMMIT') throw new Error(`transaction not committed (${commit.command})`);
    return result;
  }

  private send<R extends QueryResultRow>(query: string | ReturnType<typeof prepared>): Promise<QueryResult<R>> {
    this.cork();
    return this.client.query<R>(query as never);
  }

  /** Holds writes to the socket until the end of the tick, so the statements issued together leave together. */
  private cork(): void {
    if (this.corked) return;
    const stream = (this.client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
    if (!stream || typeof stream.cork !== 'function') return;
    this.corked = true;
    stream.cork();
    process.nextTick(() => {
      this.corked = false;
      stream.uncork();
    });
  }
}

/**
 * The process's one PostgreSQL pool (the plain-SQL repositories and Prisma share it: at most DB_POOL_SIZE
 * connections per process). Every wait is bounded by DEPENDENCY_TIMEOUT_MS: a connection (connect and handshake,
 * or a free pool slot), a statement (server-side `statement_timeout`, and the client's `query_timeout` a little
 * later for a server that does not answer). A frozen PostgreSQL therefore fails a request after that long
 * (503 + Retry-After at the api) instead of holding it.
 */
export function createPool(databaseUrl: string, max: number, timeoutMs = 5000, log?: (message: string) => void): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    idle_in_transaction_session_timeout: TRANSACTION_IDLE_TIMEOUT_MS,
    // A peer that vanished without a FIN (a cut network) is noticed by the kernel, not only at the next statement.
    keepAlive: true,
    // node-postgres 8.23: statements issued before the previous one answered are sent at once (in order).
    pipeline: true,
  } as ConstructorParameters<typeof Pool>[0]);
  const warn = log ?? (() => undefined);
  // An idle connection the server dropped: the pool discards it (the next statement opens a new one).
  pool.on('error', (err) => warn(`idle database connection lost: ${err.message}`));
  // A connection that drops while checked out (inside a transaction, or between a pool query's statements) emits
  // 'error' on the client, where pg-pool listens only while it is idle: without this listener that event is
  // unhandled and ends the process. The statement running on it fails on its own, and the pool drops the client
  // when it is released with that error.
  pool.on('connect', (client) => client.on('error', (err: Error) => warn(`database connection lost: ${err.message}`)));
  return pool;
}

/** The process's pool for plain SQL. Connects lazily; closed on shutdown. */
@Injectable()
export class SqlService implements Sql, OnModuleDestroy {
  private readonly logger = new Logger('SqlService');
  readonly pool: Pool;
  private readonly runner: PoolRunner;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = createPool(config.databaseUrl, config.dbPoolSize, config.dependencyTimeoutMs, (message) => this.logger.warn(message));
    this.runner = new PoolRunner(this.pool);
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: readonly unknown[]): Promise<R[]> {
    return this.runner.query<R>(text, values);
  }

  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves (unless `fn` already finished
   * it with `tx.finish`), rolled back when it throws. BEGIN leaves with `fn`'s first statements.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const tx = new TxRunner(client);
    try {
      const result = await fn(tx);
      await tx.begun;
      if (!tx.committing) await client.query('COMMIT');
      return result;
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        // The connection is gone or not answering: a ROLLBACK would wait another timeout for nothing, and the
        // server rolls back a transaction whose connection ends.
        broken = err as Error;
        throw err;
      }
      try {
        // Also after a failed `finish`: PostgreSQL answers a ROLLBACK outside a transaction with a warning only.
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
