import { Module } from '@nestjs/common';
import { DatabaseModule } from '@redial/database';
import { ProducerConnectionModule } from '@redial/queue';
import { ChallengeAdmission } from './challenge-admission';
import { CostEstimator } from './cost.estimator';
import { GeoSendCheck } from './geo.check';
import { GuardScripts } from './guard.scripts';
import { PumpingReleaseRepository } from './pumping-release.repository';
import { PumpingGuard } from './pumping.guard';
import { PumpingStore } from './pumping.store';
import { PhoneSendCheck } from './phone-send.check';
import { RateLimitStore } from './rate-limit.store';
import { RequestLimits } from './request-limits.service';
import { SEND_CHECKS, SendCheck, SendGuard } from './send-guard';
import { SpendCheck } from './spend.check';

/**
 * Abuse and cost control (rate limits, geo permissions, the pumping guard, spend), shared by the api (request
 * checks, ChallengeAdmission) and the worker (send checks). The send checks run in the order listed in
 * SEND_CHECKS; their Redis work, and the admission's, is one script per decision (GuardScripts).
 */
@Module({
  // ProducerConnectionModule: every budget and counter in Redis; DatabaseModule: the pumping guard's release audit trail.
  imports: [ProducerConnectionModule, DatabaseModule],
  providers: [
    GuardScripts,
    SendGuard,
    ChallengeAdmission,
    RateLimitStore,
    RequestLimits,
    PhoneSendCheck,
    CostEstimator,
    SpendCheck,
    GeoSendCheck,
    PumpingStore,
    PumpingReleaseRepository,
    PumpingGuard,
    {
      provide: SEND_CHECKS,
      useFactory: (...checks: SendCheck[]): SendCheck[] => checks,
      // PhoneSendCheck last: it claims the SMS cool-down when it allows (phone-send.check.ts).
      inject: [GeoSendCheck, PumpingGuard, SpendCheck, PhoneSendCheck],
    },
  ],
  exports: [SendGuard, ChallengeAdmission, RequestLimits, PumpingGuard, CostEstimator, SpendCheck],
})
export class GuardModule {}
