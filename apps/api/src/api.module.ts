import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { ChallengeEngine, EngineModule } from '@redial/engine';
import { GuardModule } from '@redial/guard';
import { LoggingModule } from '@redial/ops';
import { QueueModule } from '@redial/queue';
import { TelephonyModule } from '@redial/telephony';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { AuthGuard } from './common/auth.guard';
import { ChallengesController } from './challenges/challenges.controller';
import { ChallengesService } from './challenges/challenges.service';
import { HealthController } from './health/health.controller';
import { OpsApiModule } from './ops/ops-api.module';
import { PhonesController } from './phones/phones.controller';
import { PhonesService, SETTINGS_VERIFIER } from './phones/phones.service';
import { TwilioSignatureGuard } from './webhooks/twilio-signature.guard';
import { TwilioWebhooksController } from './webhooks/twilio-webhooks.controller';
import { TwilioWebhooksService } from './webhooks/twilio-webhooks.service';
import { SandboxProxyController, WebController } from './web/web.controller';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config, 'api'),
        DatabaseModule, // phones, health
        QueueModule, // health (Redis ping)
        EngineModule, // challenges, webhooks, settings verification
        TelephonyModule, // the webhooks read Twilio's callbacks through the provider
        GuardModule, // abuse and cost controls on the requests that start sends
        OpsApiModule,
      ],
      controllers: [
        HealthController,
        PhonesController,
        ChallengesController,
        TwilioWebhooksController,
        WebController,
        // Live mode never mounts the sandbox proxy: /sandbox/* is then an unknown path.
        ...(config.twilio.mode === 'sandbox' ? [SandboxProxyController] : []),
      ],
      providers: [
        PhonesService,
        ChallengesService,
        TwilioWebhooksService,
        TwilioSignatureGuard,
        { provide: SETTINGS_VERIFIER, useExisting: ChallengeEngine },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
