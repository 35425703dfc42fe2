import { Controller, Get } from '@nestjs/common';
import type { OpsAlertList, OpsChallengePage, OpsStats } from '@redial/contracts';
import { AlertsService, OpsStatsService } from '@redial/ops';
import { Auth } from '../common/auth.guard';
import { ValidQuery } from '../common/zod-validation.pipe';
import { SearchParams, SearchParamsSchema } from './challenge-search.query';
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
  async getAlerts(): Promise<OpsAlertList> {
    return { alerts: await this.alerts.list() };
  }

  @Get('challenges')
  searchChallenges(@ValidQuery(SearchParamsSchema) params: SearchParams): Promise<OpsChallengePage> {
    return this.search.search(params);
  }
}
