import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** The control API answers only local callers: it can reshape the phone network. */
@Injectable()
export class LoopbackGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const remote = request.raw.socket.remoteAddress ?? '';
    if (LOOPBACK.has(remote) || remote.startsWith('127.')) return true;
    throw new ForbiddenException({ error: 'forbidden', message: 'The sandbox control API only answers loopback addresses' });
  }
}
