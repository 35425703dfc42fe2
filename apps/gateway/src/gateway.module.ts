import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { LoggingModule, OpsModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { ChallengeEventsSubscriber } from './challenge-events.subscriber';
import { ChallengesNamespace } from './challenges.namespace';
import { GatewayPresence } from './gateway.presence';
import { OpsNamespace } from './ops.namespace';

/**
 * The socket.io gateways, one per namespace, and the challenge-events subscription both relay; the server and its
 * Redis adapter come from RedisIoAdapter.
 */
@Module({})
export class GatewayModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, 'gateway'), // the same scrubbed pino logger as every app
        DatabaseModule, // /challenges reads the snapshot
        QueueModule, // the producer connection for the socket reports
        OpsModule, // /ops: OpsStatsService (queue counts, figures)
      ],
      providers: [ChallengeEventsSubscriber, ChallengesNamespace, OpsNamespace, GatewayPresence],
      exports: [GatewayPresence],
    };
  }
}
