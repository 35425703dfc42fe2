import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@redial/config';
import { TELEPHONY_PROVIDER } from './telephony.provider';
import { TwilioTelephonyProvider } from './twilio-telephony.provider';

/**
 * Provides TELEPHONY_PROVIDER: a TwilioTelephonyProvider built from APP_CONFIG's `twilio` section (pointed at
 * the sandbox in sandbox mode). Needs ConfigModule.forRoot(config) imported in the app. The provider closes its
 * pooled sockets in onApplicationShutdown (call `app.enableShutdownHooks()` or `app.close()`).
 */
@Module({
  providers: [
    {
      provide: TELEPHONY_PROVIDER,
      useFactory: (config: AppConfig) => new TwilioTelephonyProvider(config.twilio),
      inject: [APP_CONFIG],
    },
  ],
  exports: [TELEPHONY_PROVIDER],
})
export class TelephonyModule {}
