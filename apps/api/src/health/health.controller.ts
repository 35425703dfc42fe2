import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { type Health, HealthQuerySchema } from '@redial/contracts';
import { PrismaService } from '@redial/database';
import { QueueService, waitReady } from '@redial/queue';
import type { FastifyReply } from 'fastify';
import { Auth } from '../common/auth.guard';
import { unavailableRetryAfterSec } from '../common/api-exception.filter';
import { ValidQuery } from '../common/zod-validation.pipe';
import { HealthDetailsService } from '../ops/health-details.service';

type PartStatus = 'up' | 'down';

/** How long a probe may take: a part that does not answer within this is down (well inside DEPENDENCY_TIMEOUT_MS). */
const PROBE_TIMEOUT_MS = 2000;

/**
 * `200 {"status":"ok","redis":"up","database":"up"}`, or `503` (with `Retry-After`) naming the part that is down.
 * Each probe is bounded (PROBE_TIMEOUT_MS, or DEPENDENCY_TIMEOUT_MS if that is shorter), so a frozen dependency is
 * reported as down rather than holding the health check (a load balancer's or orchestrator's readiness probe).
 * From SIGTERM on (`drain()`, api.app.ts closeApiApp) it answers `503` with `"draining":true`: this api is stopping.
 */
@Controller('health')
export class HealthController {
  private readonly probeTimeoutMs: number;
  private readonly retryAfterSec: number;
  private draining = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly queues: QueueService,
    private readonly details: HealthDetailsService,
  ) {
    this.probeTimeoutMs = Math.min(PROBE_TIMEOUT_MS, config.dependencyTimeoutMs);
    this.retryAfterSec = unavailableRetryAfterSec(config.dependencyTimeoutMs);
  }

  /** This api is shutting down: readiness fails from now on, so a load balancer sends elsewhere. */
  drain(): void {
    this.draining = true;
  }

  @Get()
  @Auth('public')
  async health(@Res() reply: FastifyReply, @ValidQuery(HealthQuerySchema) query: { verbose?: '1' | 'true' }): Promise<void> {
    const [redis, database] = await Promise.all([this.check(async () => {
        await waitReady(this.queues.connection, this.probeTimeoutMs);
        return this.queues.connection.ping();
      }), this.check(() => this.prisma.ping())]);
    const ok = redis === 'up' && database === 'up' && !this.draining;
    const body: Health = { status: ok ? 'ok' : 'unavailable', redis, database, ...(this.draining ? { draining: true as const } : {}) };
    // ?verbose=1 adds worker heartbeats and queue backlog (Redis only); the status code still means Redis + PostgreSQL.
    const extra = query.verbose !== undefined && redis === 'up' ? await withTimeout(this.details.details(), this.probeTimeoutMs).catch(() => undefined) : undefined;
    if (!ok) void reply.header('retry-after', String(this.retryAfterSec));
    void reply.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).send(extra ? { ...body, ...extra } : body);
  }

  private async check(probe: () => Promise<unknown>): Promise<PartStatus> {
    try {
      await withTimeout(probe(), this.probeTimeoutMs);
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
