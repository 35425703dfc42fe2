import { createHash, timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { verifyChallengeToken } from '@redial/domain';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

/**
 * Who may call a route. `api-key` is the default for every route without the decorator. `api-key-or-operator`:
 * the routes the settings page's demo box uses for an operator signed in on /ops (load a user, try a sign-in).
 */
export type AuthKind = 'public' | 'api-key' | 'api-key-or-operator' | 'token' | 'operator' | 'operator-or-loopback';
export const AUTH_KIND = 'redial:auth';
export const Auth = (kind: AuthKind) => SetMetadata(AUTH_KIND, kind);

/** `apiKey` is the configured key that matched (for its rate limit; hashed before it reaches Redis, never logged). */
export type Caller = { kind: 'api_key'; apiKey: string } | { kind: 'token'; challengeId: string } | { kind: 'operator' } | { kind: 'public' };
export type AuthedRequest = FastifyRequest & { caller?: Caller };

/** Constant-time equality of two secrets of any length (both are hashed first). */
export function secretEquals(given: string, expected: string): boolean {
  return timingSafeEqual(digestOf(given), digestOf(expected));
}

function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export function bearerOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}

@Injectable()
export class AuthGuard implements CanActivate {
  /** Each route's kind by controller and handler, read from their metadata once (fixed at start-up). */
  private readonly kinds = new Map<object, Map<object, AuthKind>>();
  /** The configured secrets' digests, computed once: a request hashes only the bearer it brings. */
  private readonly apiKeys: ReadonlyArray<{ key: string; digest: Buffer }>;
  private readonly operatorDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.apiKeys = config.apiKeys.map((key) => ({ key, digest: digestOf(key) }));
    this.operatorDigest = digestOf(config.operatorToken);
  }

  canActivate(context: ExecutionContext): boolean {
    const kind = this.kindOf(context);
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (kind === 'public') {
      request.caller = { kind: 'public' };
      return true;
    }
    const bearer = bearerOf(request.headers.authorization);
    const digest = bearer === undefined ? undefined : digestOf(bearer);
    if (kind === 'operator' || kind === 'operator-or-loopback') {
      if (this.isOperator(digest)) {
        request.caller = { kind: 'operator' };
        return true;
      }
      if (kind === 'operator-or-loopback' && bearer === undefined && isLoopback(request.socket.remoteAddress)) {
        request.caller = { kind: 'operator' };
        return true;
      }
      throw ApiError.unauthorized('A valid operator token is required: Authorization: Bearer <operator token>.');
    }
    if (bearer === undefined || digest === undefined) throw ApiError.unauthorized();
    const apiKey = this.apiKeys.find((k) => timingSafeEqual(digest, k.digest))?.key;
    if (apiKey !== undefined) {
      request.caller = { kind: 'api_key', apiKey };
      return true;
    }
    if (kind === 'api-key-or-operator') {
      if (this.isOperator(digest)) {
        request.caller = { kind: 'operator' };
        return true;
      }
      throw ApiError.unauthorized('A valid API key or operator token is required: Authorization: Bearer <key or token>.');
    }
    if (kind === 'token') {
      const verified = verifyChallengeToken(bearer, this.config.keys.challengeTokens, new Date());
      if (verified) {
        request.caller = { kind: 'token', challengeId: verified.challengeId };
        return true;
      }
      throw ApiError.unauthorized('A valid API key or challenge token is required.');
    }
    throw ApiError.unauthorized();
  }

  private kindOf(context: ExecutionContext): AuthKind {
    const controller = context.getClass();
    const handler = context.getHandler();
    let kinds = this.kinds.get(controller);
    if (kinds === undefined) this.kinds.set(controller, (kinds = new Map()));
    let kind = kinds.get(handler);
    if (kind === undefined) {
      kind = this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [handler, controller]) ?? 'api-key';
      kinds.set(handler, kind);
    }
    return kind;
  }

  private isOperator(digest: Buffer | undefined): boolean {
    return digest !== undefined && timingSafeEqual(digest, this.operatorDigest);
  }
}

export function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** For routes that accept a challenge token: the token must belong to the challenge in the path. */
export function assertCallerMayAccess(caller: Caller, challengeId: string): void {
  if (caller.kind === 'token' && caller.challengeId !== challengeId) {
    throw ApiError.unauthorized('This token belongs to another challenge.');
  }
}
