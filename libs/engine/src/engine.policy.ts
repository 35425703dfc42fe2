import type { AppConfig } from '@redial/config';
import { ChallengePolicy, DEFAULT_POLICY } from '@redial/domain';

export const CHALLENGE_POLICY = Symbol('CHALLENGE_POLICY');

export function policyFromConfig(config: AppConfig): ChallengePolicy {
  return {
    challengeTtlMs: config.challengeTtlSec * 1000,
    callRingTimeoutMs: config.callRingTimeoutSec * 1000,
    callAnswerWindowMs: 60_000,
    smsStepTimeoutMs: config.smsStepTimeoutSec * 1000,
    maxSends: config.maxSends,
    maxWrongCodes: config.maxWrongCodes,
    retriesPerStep: DEFAULT_POLICY.retriesPerStep,
  };
}
