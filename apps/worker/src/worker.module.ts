import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { EngineModule } from '@redial/engine';
import { QueueModule } from '@redial/queue';
import { TelephonyModule } from '@redial/telephony';
import { DispatchProcessor } from './dispatch.processor';
import { ReconcilerService } from './reconciler.service';
import { TimersProcessor } from './timers.processor';
import { WorkerHost } from './worker.host';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, QueueModule, EngineModule, TelephonyModule],
      providers: [DispatchProcessor, TimersProcessor, ReconcilerService, WorkerHost],
      exports: [WorkerHost],
    };
  }
}
