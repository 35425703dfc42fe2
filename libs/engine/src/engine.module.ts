import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { ChallengeEngine } from './challenge.engine';
import { CHALLENGE_POLICY, policyFromConfig } from './engine.policy';

@Global()
@Module({
  providers: [ChallengeEngine, { provide: CHALLENGE_POLICY, useFactory: (c: AppConfig) => policyFromConfig(c), inject: [APP_CONFIG] }],
  exports: [ChallengeEngine, CHALLENGE_POLICY],
})
export class EngineModule {}
