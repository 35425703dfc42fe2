import { createHash } from 'node:crypto';
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { IdempotencyKeyRepository, IdempotencyScope, isIdempotencyKeyTaken, StoredAnswer } from '@redial/database';
import type { CreationHooks, StartedChallenge } from '@redial/engine';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { ApiError } from './api-error';
import type { AuthedRequest, Caller } from './auth.guard';
import { issueToApiError, withoutNulls } from './zod-validation.pipe';

/**
 * `Idempotency-Key` on the routes that start a challenge (`@Idempotent()`), as Stripe and the IETF draft
 * (draft-ietf-httpapi-idempotency-key-header) have it: a client that timed out retries with the same key and gets
 * the first answer again, with `Idempotent-Replayed: true`, instead of a second challenge and a second text.
 * - A key is scoped to the caller (the SHA-256 of its API key, or `operator`) and the operation (method and path).
 * - First use: the handler passes `@IdempotencyOf()` to the engine, which claims the key at the start of the
 *   transaction that creates the challenge and stores it, with the answer, as that transaction's last statement.
 *   A request that fails stores nothing, so its key may be used again.
 * - The same key with another body: 422. While the first request's transaction runs: 409 with Retry-After.
 * Keys are kept IDEMPOTENCY_KEY_TTL_MS (24 h), then the worker purges them.
 *
 * A guard and the handler's `answerOnce`, not an interceptor: most requests carry no key, and for them the
 * guard only looks at one header, whereas any interceptor on a route puts every request to it through Nest's
 * rxjs pipeline. The guard runs where the interceptor did (after the AuthGuard, before the body's validation).
 */

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** A transaction holds a key for milliseconds: the second request may come back at once. */
const IN_FLIGHT_RETRY_AFTER_SEC = 1;
const HEADER_NAME = IDEMPOTENCY_KEY_HEADER.toLowerCase();

/** The request header (validated here and described in the OpenAPI document by the same schema). */
export const IdempotencyKeyHeadersSchema = z.object({
  [IDEMPOTENCY_KEY_HEADER]: z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/, { error: `${IDEMPOTENCY_KEY_HEADER} must be 1 to 255 printable ASCII characters.` })
    .optional()
    .meta({ description: 'Optional. The same key again replays the first answer instead of starting a second verification (kept 24 hours).', example: '6f1c2b9e-4d0a-4e57-9b1e-2f1a7c3d5e80' }),
});

/** A request with a key: its first use (the engine's hooks claim the key and store the answer), or a replay. */
export class IdempotentRequest {
  constructor(
    private readonly keys: IdempotencyKeyRepository,
    private readonly scope: IdempotencyScope,
    private readonly fingerprint: string,
    private readonly status: number,
    private readonly reply: FastifyReply,
    /** The answer stored for the key when the guard looked, already checked against this request's body. */
    private readonly stored?: StoredAnswer,
  ) {}

  /** `respond` makes the route's answer from the new challenge: what a replay will send. */
  hooks(respond: (started: StartedChallenge) => unknown): CreationHooks {
    return {
      begin: async (tx) => {
        if (!(await this.keys.claim(tx, this.scope))) throw inFlight();
      },
      end: (tx, started) => this.keys.insert(tx, this.scope, { fingerprint: this.fingerprint, status: this.status, body: respond(started) }),
    };
  }

  /** The stored answer again, or `run`'s; when another request with the key committed first, its answer. */
  async answer<T>(run: () => Promise<T>): Promise<T> {
    if (this.stored) return replay(this.reply, this.stored, this.fingerprint) as T;
    try {
      return await run();
    } catch (err) {
      // Another request with the key committed between our look-up and our own commit: its answer, not ours.
      if (!isIdempotencyKeyTaken(err)) throw err;
      const now = await this.keys.find(this.scope);
      if (!now) throw inFlight();
      return replay(this.reply, now, this.fingerprint) as T;
    }
  }
}

/** What an `@Idempotent()` handler returns: `run`'s answer, through the request's key when it has one. */
export function answerOnce<T>(idempotency: IdempotentRequest | undefined, run: () => Promise<T>): Promise<T> {
  return idempotency ? idempotency.answer(run) : run();
}

type IdempotentHttpRequest = AuthedRequest & { idempotency?: IdempotentRequest };

@Injectable()
export class IdempotencyGuard implements CanActivate {
  constructor(
    private readonly keys: IdempotencyKeyRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IdempotentHttpRequest>();
    const key = idempotencyKeyOf(request);
    if (key === undefined) return true;
    const scope: IdempotencyScope = { caller: callerScope(request.caller), operation: operationOf(request), key };
    const fingerprint = fingerprintOf(request.body);
    const stored = await this.keys.find(scope);
    if (stored && stored.fingerprint !== fingerprint) throw reused();
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (request.method === 'POST' ? 201 : 200);
    request.idempotency = new IdempotentRequest(this.keys, scope, fingerprint, status, context.switchToHttp().getResponse<FastifyReply>(), stored);
    return true;
  }
}

/** `@Idempotent()` on a route: it accepts `Idempotency-Key`; the handler answers through `answerOnce(@IdempotencyOf(), …)`. */
export const Idempotent = () => UseGuards(IdempotencyGuard);

/** `@IdempotencyOf() idempotency: IdempotentRequest | undefined` — set when the request carries a key. */
export const IdempotencyOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): IdempotentRequest | undefined => context.switchToHttp().getRequest<IdempotentHttpRequest>().idempotency,
);

/** The header's value, or undefined when absent; a malformed one is a 400 naming it. */
function idempotencyKeyOf(request: AuthedRequest): string | undefined {
  const value = request.headers[HEADER_NAME];
  if (value === undefined) return undefined;
  const input = { [IDEMPOTENCY_KEY_HEADER]: value };
  const parsed = IdempotencyKeyHeadersSchema.safeParse(input);
  if (!parsed.success) throw issueToApiError(parsed.error.issues, input, IdempotencyKeyHeadersSchema, false);
  return parsed.data[IDEMPOTENCY_KEY_HEADER];
}

function replay(reply: FastifyReply, stored: StoredAnswer, fingerprint: string): unknown {
  if (stored.fingerprint !== fingerprint) throw reused();
  // Only answers of requests that succeeded are stored: their status is the route's own, which Nest sets.
  void reply.header(REPLAYED_HEADER, 'true');
  return stored.body;
}

function reused(): ApiError {
  return new ApiError(422, 'idempotency_key_reused', `This ${IDEMPOTENCY_KEY_HEADER} was used with a different request. Use a new key for a new request.`, IDEMPOTENCY_KEY_HEADER);
}

function inFlight(): ApiError {
  return new ApiError(
    409,
    'idempotency_key_in_use',
    `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed. Retry in ${IN_FLIGHT_RETRY_AFTER_SEC} s to get its answer.`,
    IDEMPOTENCY_KEY_HEADER,
    IN_FLIGHT_RETRY_AFTER_SEC,
  );
}

/**
 * The caller's part of the scope: a hash of its API key (never the key itself); for the operator token, the word
 * `operator` (one operator, whatever its token; never the token), which no key's hash can equal.
 */
function callerScope(caller: Caller | undefined): string {
  return caller?.kind === 'api_key' ? createHash('sha256').update(caller.apiKey).digest('hex') : (caller?.kind ?? 'public');
}

/** `PUT /v1/users/alice/phones`: the method and the route with its parameters (decoded, so one spelling each). */
function operationOf(request: AuthedRequest): string {
  const params = (request.params ?? {}) as Record<string, string>;
  const route = request.routeOptions.url ?? request.url.split('?')[0];
  return `${request.method} ${route.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''))}`;
}

/** SHA-256 of the body as canonical JSON: keys sorted, `null` members dropped (as the validation pipe reads them). */
export function fingerprintOf(body: unknown): string {
  return createHash('sha256').update(canonicalJson(withoutNulls(body))).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
