import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { PrismaService } from '@redial/database';
import { QueueService, waitReady } from '@redial/queue';
import type { FastifyReply } from 'fastify';
import { Auth } from '../common/auth.guard';

type PartStatus = 'up' | 'down';

/** `200 {"status":"ok","redis":"up","database":"up"}`, or `503` naming the part that is down. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueService,
  ) {}

  @Get()
  @Auth('public')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const [redis, database] = await Promise.all([this.check(async () => {
        await waitReady(this.queues.connection, 2000);
        return this.queues.connection.ping();
      }), this.check(() => this.prisma.ping())]);
    const ok = redis === 'up' && database === 'up';
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).send({ status: ok ? 'ok' : 'unavailable', redis, database });
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
