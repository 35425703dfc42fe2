import { Module } from '@nestjs/common';
import { DatabaseModule } from '@redial/database';
import { QueueModule } from '@redial/queue';
import { AlertNotifier } from './alert.notifier';
import { AlertsService } from './alerts.service';
import { OpsRepository } from './ops.repository';
import { OpsStatsService } from './ops-stats.service';

const providers = [OpsRepository, OpsStatsService, AlertsService, AlertNotifier];

/**
 * Operator services: statistics, alerts. Reads PostgreSQL and the queues, publishes alerts; needs
 * ConfigModule.forRoot(config) in the app.
 */
@Module({ imports: [DatabaseModule, QueueModule], providers, exports: providers })
export class OpsModule {}
