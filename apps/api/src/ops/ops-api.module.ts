import { Module } from '@nestjs/common';
import { DatabaseModule } from '@redial/database';
import { GuardModule } from '@redial/guard';
import { OpsModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { MetricsController } from '../metrics/metrics.controller';
import { MetricsService } from '../metrics/metrics.service';
import { ChallengeSearchService } from './challenge-search.service';
import { HealthDetailsService } from './health-details.service';
import { OpsController } from './ops.controller';
import { SuspensionsController } from './suspensions.controller';

/** The api's operator surface: /v1/ops/*, /metrics, health details. (/ops/queues and /docs are Fastify plugins: api.app.ts.) */
@Module({
  // OpsModule: stats, alerts, OpsRepository; DatabaseModule: search; QueueModule: liveness and histograms in Redis.
  // GuardModule: the pumping guard's suspensions (SuspensionsController).
  imports: [OpsModule, DatabaseModule, QueueModule, GuardModule],
  controllers: [OpsController, SuspensionsController, MetricsController],
  providers: [ChallengeSearchService, HealthDetailsService, MetricsService],
  exports: [HealthDetailsService, MetricsService],
})
export class OpsApiModule {}
