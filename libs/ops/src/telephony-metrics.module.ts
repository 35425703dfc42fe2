import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { createRedis, producerTimeouts } from '@redial/queue';
import { TELEPHONY_PROVIDER, TelephonyModule, TelephonyProvider } from '@redial/telephony';
import { InstrumentedTelephonyProvider } from './instrumented-telephony.provider';
import { MetricsRecorder } from './redis-metrics.store';

export const INSTRUMENTED_TELEPHONY_PROVIDER = Symbol('INSTRUMENTED_TELEPHONY_PROVIDER');

/**
 * The app's TELEPHONY_PROVIDER (from TelephonyModule), timed. An app uses it by aliasing TELEPHONY_PROVIDER in
 * its own module: `{ provide: TELEPHONY_PROVIDER, useExisting: INSTRUMENTED_TELEPHONY_PROVIDER }` (a module's own
 * providers win over those it imports, and this module sees only TelephonyModule's).
 */
@Module({
  imports: [TelephonyModule],
  providers: [
    {
      // Its own Redis connection, closed (after a last flush) when the app shuts down.
      provide: MetricsRecorder,
      useFactory: (config: AppConfig) => new MetricsRecorder(createRedis(config, 'producer', producerTimeouts(config.dependencyTimeoutMs)), config.queuePrefix),
      inject: [APP_CONFIG],
    },
    {
      provide: INSTRUMENTED_TELEPHONY_PROVIDER,
      useFactory: (inner: TelephonyProvider, metrics: MetricsRecorder) => new InstrumentedTelephonyProvider(inner, metrics),
      inject: [TELEPHONY_PROVIDER, MetricsRecorder],
    },
  ],
  exports: [INSTRUMENTED_TELEPHONY_PROVIDER, MetricsRecorder],
})
export class TelephonyMetricsModule implements OnApplicationShutdown {
  constructor(@Inject(MetricsRecorder) private readonly metrics: MetricsRecorder) {}

  async onApplicationShutdown(): Promise<void> {
    await this.metrics.close();
  }
}
