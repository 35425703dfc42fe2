/**
 * Idempotency-Key as a guard and `answerOnce` (the e2e suite test/idempotency.e2e-spec.ts runs them over HTTP,
 * PostgreSQL and concurrent requests): here, over a key repository that fails on any call not set up.
 */
import { ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { IdempotencyKeyRepository, StoredAnswer } from '@redial/database';
import type { FastifyReply } from 'fastify';
import { strictFake } from '../../../../test/support/strict-fake';
import { ChallengesController } from '../challenges/challenges.controller';
import { PhonesController } from '../phones/phones.controller';
import { ApiError } from './api-error';
import { answerOnce, fingerprintOf, IdempotencyGuard, IdempotentRequest, REPLAYED_HEADER } from './idempotency.guard';

const BODY = { userId: 'alice' };

function httpContext(headers: Record<string, string>, body: unknown = BODY) {
  const request = { headers, body, method: 'POST', url: '/v1/challenges', params: {}, routeOptions: { url: '/v1/challenges' }, caller: { kind: 'api_key', apiKey: 'k1' } } as unknown as {
    idempotency?: IdempotentRequest;
  };
  const sent: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => ((sent[name] = value), reply) } as unknown as FastifyReply;
  const context = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    getHandler: () => ChallengesController.prototype.create,
  } as unknown as ExecutionContext;
  return { request, sent, context };
}

async function guarded(keys: Partial<IdempotencyKeyRepository>, headers: Record<string, string>, body: unknown = BODY) {
  const http = httpContext(headers, body);
  const allowed = await new IdempotencyGuard(strictFake<IdempotencyKeyRepository>('keys', keys), new Reflector()).canActivate(http.context);
  return { ...http, allowed };
}

const stored = (body: unknown): StoredAnswer => ({ fingerprint: fingerprintOf(body), status: 201, body: { id: 'c1', replayed: true } });

describe('Idempotency-Key', () => {
  it('the routes that take it bind a guard and no interceptor: a request without a key never enters Nest\'s rxjs pipeline', () => {
    for (const handler of [ChallengesController.prototype.create, PhonesController.prototype.save]) {
      expect(Reflect.getMetadata(INTERCEPTORS_METADATA, handler)).toBeUndefined();
      expect(Reflect.getMetadata(GUARDS_METADATA, handler)).toEqual([IdempotencyGuard]);
    }
  });

  it('no key: the guard lets the request through without a look-up, and the handler runs as it is', async () => {
    const { allowed, request } = await guarded({}, {});
    expect(allowed).toBe(true);
    expect(request.idempotency).toBeUndefined();
    await expect(answerOnce(request.idempotency, async () => 'created')).resolves.toBe('created');
  });

  it('a malformed key: 400 naming the header', async () => {
    await expect(guarded({}, { 'idempotency-key': '' })).rejects.toMatchObject({ status: 400, response: { error: 'invalid_value', field: 'Idempotency-Key' } });
  });

  it('a first use: the handler runs, with the key for the engine to claim', async () => {
    const { request } = await guarded({ find: async () => undefined }, { 'idempotency-key': 'k-1' });
    expect(request.idempotency).toBeInstanceOf(IdempotentRequest);
    await expect(answerOnce(request.idempotency, async () => 'created')).resolves.toBe('created');
  });

  it('a key already answered: the stored answer again, with Idempotent-Replayed, and the handler does not run', async () => {
    const { request, sent } = await guarded({ find: async () => stored(BODY) }, { 'idempotency-key': 'k-1' });
    const run = jest.fn(async () => 'created');
    await expect(answerOnce(request.idempotency, run)).resolves.toEqual({ id: 'c1', replayed: true });
    expect(run).not.toHaveBeenCalled();
    expect(sent).toEqual({ [REPLAYED_HEADER]: 'true' });
  });

  it('a key answered for another body: 422 from the guard, before the handler', async () => {
    const refused = guarded({ find: async () => stored({ userId: 'bob' }) }, { 'idempotency-key': 'k-1' });
    await expect(refused).rejects.toBeInstanceOf(ApiError);
    await expect(refused).rejects.toMatchObject({ status: 422, response: { error: 'idempotency_key_reused', field: 'Idempotency-Key' } });
  });

  it('another request with the key committed first: its answer; none stored yet: 409 with Retry-After', async () => {
    const taken = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'idempotency_keys_pkey' });
    const answers = [undefined, stored(BODY)];
    const { request, sent } = await guarded({ find: async () => answers.shift() }, { 'idempotency-key': 'k-1' });
    await expect(answerOnce(request.idempotency, () => Promise.reject(taken))).resolves.toEqual({ id: 'c1', replayed: true });
    expect(sent).toEqual({ [REPLAYED_HEADER]: 'true' });

    const first = await guarded({ find: async () => undefined }, { 'idempotency-key': 'k-2' });
    await expect(answerOnce(first.request.idempotency, () => Promise.reject(taken))).rejects.toMatchObject({ status: 409, response: { error: 'idempotency_key_in_use', retryAfter: 1 } });
  });
});
