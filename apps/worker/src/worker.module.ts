import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { EngineModule } from '@redial/engine';
import { GuardModule } from '@redial/guard';
import { INSTRUMENTED_TELEPHONY_PROVIDER, LoggingModule, OpsModule, TelephonyMetricsModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { TELEPHONY_PROVIDER } from '@redial/telephony';
import { DispatchProcessor } from './dispatch.processor';
import { EndCallProcessor } from './end-call.processor';
import { JobInstrumentation } from './job.instrumentation';
import { ReconcilerService } from './reconciler.service';
import { TimersProcessor } from './timers.processor';
import { WorkerHost } from './worker.host';
import { processorProviders } from './worker.options';

/**
 * The worker: a `@Processor` class per queue (texts, calls, timers, maintenance) over the services that do the
 * work (dispatch, timers, end-call, reconciler, alerts).
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, 'worker'),
        DatabaseModule, // ChallengeRepository
        QueueModule, // the queues the processors take jobs from; QueueService to enqueue and schedule
        EngineModule, // ChallengeEngine
        OpsModule, // AlertsService
        TelephonyMetricsModule, // the telephony provider, timed; MetricsRecorder
        GuardModule, // SendGuard: abuse and cost controls before every send
      ],
      providers: [
        DispatchProcessor,
        EndCallProcessor,
        TimersProcessor,
        ReconcilerService,
        JobInstrumentation,
        ...processorProviders(config),
        WorkerHost,
        // Provider calls are timed into the shared latency histogram (libs/ops).
        { provide: TELEPHONY_PROVIDER, useExisting: INSTRUMENTED_TELEPHONY_PROVIDER },
      ],
      exports: [WorkerHost],
    };
  }
}
