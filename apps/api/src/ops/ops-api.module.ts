import { Module } from '@nestjs/common';
import { OpsModule } from '@redial/ops';
import { MetricsController } from '../metrics/metrics.controller';
import { MetricsService } from '../metrics/metrics.service';
import { ChallengeSearchService } from './challenge-search.service';
import { HealthDetailsService } from './health-details.service';
import { OpsController } from './ops.controller';

/** The api's operator surface: /v1/ops/*, /metrics, health details. (/ops/queues and /docs are Fastify plugins: api.app.ts.) */
@Module({
  imports: [OpsModule],
  controllers: [OpsController, MetricsController],
  providers: [ChallengeSearchService, HealthDetailsService, MetricsService],
  exports: [HealthDetailsService, MetricsService],
})
export class OpsApiModule {}
