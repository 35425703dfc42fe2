import { type ChallengeQuery, ChallengeSearchParamsSchema, type ChallengeStatus, withCode } from '@redial/contracts';
import { isUuid } from '@redial/domain';
import { z } from 'zod';

/** GET /v1/ops/challenges, as the search reads it: the contract's query schema, with the cursor decoded. */
export interface SearchParams {
  query?: ChallengeQuery;
  statuses?: ChallengeStatus[];
  from?: Date;
  to?: Date;
  cursor?: { createdAt: Date; id: string };
  limit: number;
}

/** The validation pipe's schema for the route: every mistake is a 400 naming the parameter. */
export const SearchParamsSchema = ChallengeSearchParamsSchema.transform((q, ctx): SearchParams => {
  const params: SearchParams = { limit: q.limit };
  if (q.query) params.query = q.query;
  if (q.status) params.statuses = q.status;
  if (q.from) params.from = q.from;
  if (q.to) params.to = q.to;
  if (q.cursor !== undefined) {
    const cursor = decodeCursor(q.cursor);
    if (!cursor) {
      ctx.issues.push({ code: 'custom', input: q.cursor, path: ['cursor'], ...withCode('invalid_cursor', 'cursor is not one this API returned; start again without it.') });
      return z.NEVER;
    }
    params.cursor = cursor;
  }
  return params;
});

/** Opaque to clients: base64url of `<created_at ms>.<id>`. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.getTime()}.${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(text);
  if (!match || !isUuid(match[2])) return undefined;
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
