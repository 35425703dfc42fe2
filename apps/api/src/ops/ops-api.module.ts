import { Module } from '@nestjs/common';
import { DatabaseModule } from '@redial/database';
import { OpsModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { MetricsController } from '../metrics/metrics.controller';
import { MetricsService } from '../metrics/metrics.service';
import { ChallengeSearchService } from './challenge-search.service';
import { HealthDetailsService } from './health-details.service';
import { OpsController } from './ops.controller';

/** The api's operator surface: /v1/ops/*, /metrics, health details. (/ops/queues and /docs are Fastify plugins: api.app.ts.) */
@Module({
  // OpsModule: stats, alerts, OpsRepository; DatabaseModule: search; QueueModule: liveness and histograms in Redis.
  imports: [OpsModule, DatabaseModule, QueueModule],
  controllers: [OpsController, MetricsController],
  providers: [ChallengeSearchService, HealthDetailsService, MetricsService],
  exports: [HealthDetailsService, MetricsService],
})
export class OpsApiModule {}
