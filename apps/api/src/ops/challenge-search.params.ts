import type { ChallengeStatus } from '@redial/contracts';
import { isUuid } from '@redial/domain';
import { ApiError } from '../common/api-error';

/** GET /v1/ops/challenges query parameters, validated. Every mistake is a 400 naming the parameter. */
export interface SearchParams {
  query?: { kind: 'id'; value: string } | { kind: 'suffix'; value: string } | { kind: 'user'; value: string };
  statuses?: ChallengeStatus[];
  from?: Date;
  to?: Date;
  cursor?: { createdAt: Date; id: string };
  limit: number;
}

export const STATUSES: readonly ChallengeStatus[] = ['pending', 'approved', 'denied', 'failed', 'expired', 'canceled', 'max_attempts_reached'];
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
const KEYS = ['query', 'status', 'from', 'to', 'cursor', 'limit'];
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
/** ISO 8601 date or date-time, with an offset when a time is given. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export function parseSearchParams(raw: unknown): SearchParams {
  const q = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(q)) {
    if (!KEYS.includes(key)) throw ApiError.badRequest('unknown_field', `Unknown query parameter "${key}". Use ${KEYS.join(', ')}.`, key);
  }
  const params: SearchParams = { limit: DEFAULT_LIMIT };
  const query = single(q, 'query');
  if (query !== undefined && query.trim() !== '') params.query = parseQuery(query.trim());
  const status = single(q, 'status');
  if (status !== undefined && status !== '') {
    const list = status.split(',').map((s) => s.trim());
    const bad = list.find((s) => !STATUSES.includes(s as ChallengeStatus));
    if (bad !== undefined) throw ApiError.badRequest('invalid_value', `status must be one or more of ${STATUSES.join(', ')} (comma-separated); got "${bad}".`, 'status');
    params.statuses = [...new Set(list)] as ChallengeStatus[];
  }
  params.from = time(q, 'from');
  params.to = time(q, 'to');
  if (params.from && params.to && params.from > params.to) throw ApiError.badRequest('invalid_range', 'from must not be later than to.', 'from');
  const limit = single(q, 'limit');
  if (limit !== undefined) {
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIMIT) {
      throw ApiError.badRequest('invalid_value', `limit must be a whole number from 1 to ${MAX_LIMIT}.`, 'limit');
    }
    params.limit = Number(limit);
  }
  const cursor = single(q, 'cursor');
  if (cursor !== undefined && cursor !== '') params.cursor = decodeCursor(cursor);
  return params;
}

function single(q: Record<string, unknown>, key: string): string | undefined {
  const v = q[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw ApiError.badRequest('invalid_type', `${key} must be given once, as text.`, key);
  if (v.length > 256) throw ApiError.badRequest('invalid_value', `${key} is too long.`, key);
  return v;
}

function parseQuery(value: string): NonNullable<SearchParams['query']> {
  if (isUuid(value)) return { kind: 'id', value: value.toLowerCase() };
  if (/^\d{2,4}$/.test(value)) return { kind: 'suffix', value };
  if (USER_ID.test(value)) return { kind: 'user', value };
  throw ApiError.badRequest('invalid_value', 'query must be a challenge id, a user id, or the last 2 to 4 digits of a phone number.', 'query');
}

function time(q: Record<string, unknown>, key: 'from' | 'to'): Date | undefined {
  const v = single(q, key);
  if (v === undefined || v === '') return undefined;
  const d = new Date(v);
  if (!ISO.test(v) || Number.isNaN(d.getTime())) {
    throw ApiError.badRequest('invalid_value', `${key} must be an ISO 8601 time such as 2024-05-01T12:00:00Z.`, key);
  }
  return d;
}

/** Opaque to clients: base64url of `<created_at ms>.<id>`. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.getTime()}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(text);
  if (!match || !isUuid(match[2])) throw ApiError.badRequest('invalid_cursor', 'cursor is not one this API returned; start again without it.', 'cursor');
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
