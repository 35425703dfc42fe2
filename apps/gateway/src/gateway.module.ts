import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { OpsModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { ChallengesNamespace } from './challenges.namespace';
import { GatewayServer } from './gateway.server';
import { OpsNamespace } from './ops.namespace';

@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: GatewayModule,
      // QueueModule: OpsStatsService reads the BullMQ queues' counts.
      imports: [ConfigModule.forRoot(config), DatabaseModule, QueueModule, OpsModule],
      providers: [GatewayServer, ChallengesNamespace, OpsNamespace],
      exports: [GatewayServer],
    };
  }
}
