import { Global, Module } from '@nestjs/common';
import { AlertNotifier } from './alert.notifier';
import { AlertsService } from './alerts.service';
import { OpsRepository } from './ops.repository';
import { OpsStatsService } from './ops-stats.service';

const providers = [OpsRepository, OpsStatsService, AlertsService, AlertNotifier];

/**
 * Operator services: statistics, alerts. Global; needs ConfigModule.forRoot(config), DatabaseModule and
 * QueueModule (all global) in the importing app — the api, the worker and the gateway all have them.
 */
@Global()
@Module({ providers, exports: providers })
export class OpsModule {}
