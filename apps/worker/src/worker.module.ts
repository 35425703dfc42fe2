import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { EngineModule } from '@redial/engine';
import { INSTRUMENTED_TELEPHONY_PROVIDER, LoggingModule, OpsModule, TelephonyMetricsModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { TELEPHONY_PROVIDER, TelephonyModule } from '@redial/telephony';
import { DispatchProcessor } from './dispatch.processor';
import { EndCallProcessor } from './end-call.processor';
import { ReconcilerService } from './reconciler.service';
import { TimersProcessor } from './timers.processor';
import { WorkerHost } from './worker.host';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), LoggingModule.forRoot(config, 'worker'), DatabaseModule, QueueModule, EngineModule, TelephonyModule, OpsModule, TelephonyMetricsModule],
      providers: [
        DispatchProcessor,
        EndCallProcessor,
        TimersProcessor,
        ReconcilerService,
        WorkerHost,
        // Provider calls are timed into the shared latency histogram (libs/ops); this alias wins over the global one here.
        { provide: TELEPHONY_PROVIDER, useExisting: INSTRUMENTED_TELEPHONY_PROVIDER },
      ],
      exports: [WorkerHost],
    };
  }
}
