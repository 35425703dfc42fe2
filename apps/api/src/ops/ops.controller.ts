import { Controller, Get, Query } from '@nestjs/common';
import type { OpsAlert, OpsChallengePage, OpsStats } from '@redial/contracts';
import { AlertsService, OpsStatsService } from '@redial/ops';
import { Auth } from '../common/auth.guard';
import { parseSearchParams } from './challenge-search.params';
import { ChallengeSearchService } from './challenge-search.service';

/** Operators' REST endpoints (operator token). Phones appear masked only. */
@Controller('v1/ops')
@Auth('operator')
export class OpsController {
  constructor(
    private readonly stats: OpsStatsService,
    private readonly alerts: AlertsService,
    private readonly search: ChallengeSearchService,
  ) {}

  @Get('stats')
  getStats(): Promise<OpsStats> {
    return this.stats.snapshot();
  }

  @Get('alerts')
  async getAlerts(): Promise<{ alerts: OpsAlert[] }> {
    return { alerts: await this.alerts.list() };
  }

  @Get('challenges')
  searchChallenges(@Query() query: Record<string, unknown>): Promise<OpsChallengePage> {
    return this.search.search(parseSearchParams(query));
  }
}
