import { Controller, Delete, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import type { OpsAlertList, OpsChallengePage, OpsStats } from '@redial/contracts';
import type { FastifyReply } from 'fastify';
import { AlertsService, OpsStatsService } from '@redial/ops';
import { Auth } from '../common/auth.guard';
import { ValidQuery } from '../common/zod-validation.pipe';
import { SearchParams, SearchParamsSchema } from './challenge-search.query';
import { ChallengeSearchService } from './challenge-search.service';
import { boardSessionCookie } from './queue-board';

/** Operators' REST endpoints (operator token). Phones appear masked only. */
@Controller('v1/ops')
@Auth('operator')
export class OpsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly stats: OpsStatsService,
    private readonly alerts: AlertsService,
    private readonly search: ChallengeSearchService,
  ) {}

  @Get('stats')
  getStats(): Promise<OpsStats> {
    return this.stats.snapshot();
  }

  @Get('alerts')
  async getAlerts(): Promise<OpsAlertList> {
    return { alerts: await this.alerts.list() };
  }

  @Get('challenges')
  searchChallenges(@ValidQuery(SearchParamsSchema) params: SearchParams): Promise<OpsChallengePage> {
    return this.search.search(params);
  }

  /** The dashboard signs the operator in to the queue board too: a session cookie scoped to /ops/queues. */
  @Post('session')
  @HttpCode(204)
  openBoardSession(@Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', boardSessionCookie(this.config)).header('cache-control', 'no-store');
  }

  /** Signing out of the dashboard ends the board session too. */
  @Delete('session')
  @HttpCode(204)
  closeBoardSession(@Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', boardSessionCookie(this.config, { clear: true })).header('cache-control', 'no-store');
  }
}
