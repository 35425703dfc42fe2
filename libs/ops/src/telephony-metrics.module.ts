import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { QueueService } from '@redial/queue';
import { TELEPHONY_PROVIDER, TelephonyProvider } from '@redial/telephony';
import { InstrumentedTelephonyProvider } from './instrumented-telephony.provider';

export const INSTRUMENTED_TELEPHONY_PROVIDER = Symbol('INSTRUMENTED_TELEPHONY_PROVIDER');

/**
 * The app's TELEPHONY_PROVIDER (from the global TelephonyModule), timed. An app uses it by aliasing
 * TELEPHONY_PROVIDER in its own module: `{ provide: TELEPHONY_PROVIDER, useExisting: INSTRUMENTED_TELEPHONY_PROVIDER }`
 * (a module's own providers win over global ones, and this module sees only the global one).
 */
@Module({
  providers: [
    {
      provide: INSTRUMENTED_TELEPHONY_PROVIDER,
      useFactory: (inner: TelephonyProvider, queues: QueueService, config: AppConfig) => new InstrumentedTelephonyProvider(inner, queues.connection, config.queuePrefix),
      inject: [TELEPHONY_PROVIDER, QueueService, APP_CONFIG],
    },
  ],
  exports: [INSTRUMENTED_TELEPHONY_PROVIDER],
})
export class TelephonyMetricsModule {}
