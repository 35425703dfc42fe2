/**
 * Whether an error means PostgreSQL is away or not answering (as opposed to a statement it refused): the api
 * answers those with 503 + Retry-After, and a job that met one fails and is retried. Classified by code where the
 * driver gives one — SQLSTATE classes, Node's socket error codes, Prisma's and its pg adapter's codes — and by
 * node-postgres's own messages for the failures it reports without a code (its timeouts, a terminated
 * connection). Follows `cause` chains, so a wrapped error is recognised too.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isUnavailableHere(e as ErrorLike)) return true;
  }
  return false;
}

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  kind?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/** SQLSTATEs of a server that is going away, not accepting connections, or cancelled a statement on timeout. */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '53300', '53400']);
/** Node's socket errors (connecting, or a connection that broke). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
/** Prisma: can't reach, timed out, closed, pool timeout, too many connections. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
/** @prisma/adapter-pg's kinds for socket errors. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** node-postgres and pg-pool report these without a code. */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

function isUnavailableHere(e: ErrorLike): boolean {
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined && (SQLSTATES.has(code) || code.startsWith('08') || SOCKET_CODES.has(code) || PRISMA_CODES.has(code))) return true;
  if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
  const adapter = e.meta?.driverAdapterError as { cause?: ErrorLike } | undefined;
  if (adapter?.cause && isUnavailableHere(adapter.cause)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return PG_MESSAGES.some((m) => m.test(message));
}
