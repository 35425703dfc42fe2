import { Global, Module } from '@nestjs/common';
import { OpsRepository } from './ops.repository';
import { OpsStatsService } from './ops-stats.service';

/**
 * Operator services. Global; needs ConfigModule.forRoot(config), DatabaseModule and QueueModule (all global)
 * in the importing app — the api, the worker and the gateway all have them.
 */
@Global()
@Module({ providers: [OpsRepository, OpsStatsService], exports: [OpsRepository, OpsStatsService] })
export class OpsModule {}
