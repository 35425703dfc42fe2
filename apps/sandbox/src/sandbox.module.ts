import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@redial/config';
import { LoggingModule } from '@redial/ops';
import { CallSimulatorService } from './call-simulator.service';
import { LoopbackGuard } from './loopback.guard';
import { MessageSimulatorService } from './message-simulator.service';
import { SandboxControlController } from './sandbox-control.controller';
import { SandboxLogger } from './sandbox.logger';
import { resolveSandboxSettings, SANDBOX_SETTINGS, type SandboxOptions } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import { TwilioApiController } from './twilio-api.controller';
import { WebhookSenderService } from './webhook-sender.service';

/** The local Twilio: its REST API, the simulated phone network behind it, and the control API. */
@Module({})
export class SandboxModule {
  static forRoot(config: AppConfig, options: SandboxOptions = {}): DynamicModule {
    return {
      module: SandboxModule,
      // The same scrubbed pino logger as every app; `quiet` (tests, benchmarks) silences it.
      imports: [LoggingModule.forRoot(config, 'sandbox', options.quiet ? { level: 'silent' } : {})],
      controllers: [TwilioApiController, SandboxControlController],
      providers: [
        { provide: SANDBOX_SETTINGS, useValue: resolveSandboxSettings(config, options) },
        SandboxLogger,
        SandboxStateService,
        WebhookSenderService,
        MessageSimulatorService,
        CallSimulatorService,
        LoopbackGuard,
      ],
    };
  }
}
