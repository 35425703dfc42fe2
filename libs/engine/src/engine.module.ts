import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { DatabaseModule } from '@redial/database';
import { QueueModule } from '@redial/queue';
import { TelephonyModule } from '@redial/telephony';
import { ChallengeEngine } from './challenge.engine';
import { CHALLENGE_POLICY, policyFromConfig } from './engine.policy';

/** The one way a challenge changes: reads and writes through the repositories, enqueues work, publishes events. */
@Module({
  imports: [DatabaseModule, QueueModule, TelephonyModule], // the provider's name goes into each new attempt
  providers: [ChallengeEngine, { provide: CHALLENGE_POLICY, useFactory: (c: AppConfig) => policyFromConfig(c), inject: [APP_CONFIG] }],
  exports: [ChallengeEngine, CHALLENGE_POLICY],
})
export class EngineModule {}
