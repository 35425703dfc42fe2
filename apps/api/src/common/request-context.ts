import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthedRequest, Caller } from './auth.guard';

/** `@RequestId() requestId: string` — the request's id (given `X-Request-Id`, or generated), for logs and jobs. */
export const RequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  String(context.switchToHttp().getRequest<FastifyRequest>().id),
);

/** `@CallerOf() caller: Caller` — who the AuthGuard let in (an API key, a challenge's token, an operator). */
export const CallerOf = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Caller => context.switchToHttp().getRequest<AuthedRequest>().caller ?? { kind: 'public' },
);

/**
 * `@ClientIp() ip: string` — the client's address as Fastify derives it (`request.ip`): the socket's peer, or,
 * when that peer is a trusted proxy (TRUST_PROXY, default `loopback`), the address it put in X-Forwarded-For.
 */
export const ClientIp = createParamDecorator((_data: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<FastifyRequest>().ip);
