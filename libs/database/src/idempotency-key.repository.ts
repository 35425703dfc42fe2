import { Injectable } from '@nestjs/common';
import { SqlService, Tx } from './sql.service';

/** How long a key and its answer are kept (then the worker's purge deletes them; README "API"). */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** Which key: the caller (SHA-256 of its API key), the operation (method and path), the client's key. */
export interface IdempotencyScope {
  caller: string;
  operation: string;
  key: string;
}

/** The answer a key got (its body as JSON serialises it, in key order), and the fingerprint of the request that got it. */
export interface StoredAnswer {
  fingerprint: string;
  status: number;
  body: unknown;
}

/**
 * The advisory lock class of the keys' locks (the two-integer form: its own space, apart from the one-bigint
 * locks of the migrator). The second integer is a hash of the scope.
 */
const LOCK_CLASS = 0x1de7;
const SCOPE_TEXT = `$1 || chr(10) || $2 || chr(10) || $3`;

/** Idempotency keys (migration 0006) in and out. What a key means for a request is decided in apps/api. */
@Injectable()
export class IdempotencyKeyRepository {
  constructor(private readonly sql: SqlService) {}

  async find(scope: IdempotencyScope): Promise<StoredAnswer | undefined> {
    const [row] = await this.sql.query<StoredAnswer & { body: string }>(
      'SELECT fingerprint, status, body FROM idempotency_keys WHERE caller = $1 AND operation = $2 AND key = $3',
      [scope.caller, scope.operation, scope.key],
    );
    return row && { ...row, body: JSON.parse(row.body) };
  }

  /**
   * Takes the key's lock for the rest of the transaction; false when another transaction holds it (a request with
   * the same key in flight). It does not wait: a second request is answered at once, without holding a connection.
   */
  async claim(tx: Tx, scope: IdempotencyScope): Promise<boolean> {
    const [row] = await tx.query<{ claimed: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(${SCOPE_TEXT})) AS claimed`, [
      scope.caller,
      scope.operation,
      scope.key,
    ]);
    return row.claimed;
  }

  /**
   * Stores the key with its answer as the transaction's last statement, sent with its COMMIT. A key stored
   * meanwhile by another request fails it with a unique violation (isIdempotencyKeyTaken), and nothing commits.
   */
  async insert(tx: Tx, scope: IdempotencyScope, answer: StoredAnswer): Promise<void> {
    await tx.finish('INSERT INTO idempotency_keys (caller, operation, key, fingerprint, status, body) VALUES ($1, $2, $3, $4, $5, $6)', [
      scope.caller,
      scope.operation,
      scope.key,
      answer.fingerprint,
      answer.status,
      JSON.stringify(answer.body),
    ]);
  }

  /** Deletes up to `limit` keys stored before `before` (one short statement); returns how many. */
  async purgeBefore(before: Date, limit: number): Promise<number> {
    const rows = await this.sql.query(
      `DELETE FROM idempotency_keys WHERE (caller, operation, key) IN (
         SELECT caller, operation, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2)
       RETURNING 1`,
      [before, limit],
    );
    return rows.length;
  }
}

/** The unique violation of a key that another request stored first. */
export function isIdempotencyKeyTaken(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === 'idempotency_keys_pkey';
}
