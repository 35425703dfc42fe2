import { Module } from '@nestjs/common';
import { SEND_CHECKS, SendCheck, SendGuard } from './send-guard';

/**
 * Abuse and cost control (rate limits, geo permissions, the pumping guard, spend), shared by the api (request
 * checks) and the worker (send checks). The send checks run in the order listed in SEND_CHECKS.
 */
@Module({
  providers: [
    SendGuard,
    {
      provide: SEND_CHECKS,
      useFactory: (...checks: SendCheck[]): SendCheck[] => checks,
      inject: [],
    },
  ],
  exports: [SendGuard],
})
export class GuardModule {}
