import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { type Health, HealthQuerySchema } from '@redial/contracts';
import { PrismaService } from '@redial/database';
import { QueueService, waitReady } from '@redial/queue';
import type { FastifyReply } from 'fastify';
import { Auth } from '../common/auth.guard';
import { ValidQuery } from '../common/zod-validation.pipe';
import { HealthDetailsService } from '../ops/health-details.service';

type PartStatus = 'up' | 'down';

/** `200 {"status":"ok","redis":"up","database":"up"}`, or `503` naming the part that is down. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueService,
    private readonly details: HealthDetailsService,
  ) {}

  @Get()
  @Auth('public')
  async health(@Res() reply: FastifyReply, @ValidQuery(HealthQuerySchema) query: { verbose?: '1' | 'true' }): Promise<void> {
    const [redis, database] = await Promise.all([this.check(async () => {
        await waitReady(this.queues.connection, 2000);
        return this.queues.connection.ping();
      }), this.check(() => this.prisma.ping())]);
    const ok = redis === 'up' && database === 'up';
    const body: Health = { status: ok ? 'ok' : 'unavailable', redis, database };
    // ?verbose=1 adds worker heartbeats and queue backlog (Redis only); the status code still means Redis + PostgreSQL.
    const extra = query.verbose !== undefined && redis === 'up' ? await withTimeout(this.details.details(), 2000).catch(() => undefined) : undefined;
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).send(extra ? { ...body, ...extra } : body);
  }

  private async check(probe: () => Promise<unknown>): Promise<PartStatus> {
    try {
      await withTimeout(probe(), 2000);
      return 'up';
    } catch {
      return 'down';
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
