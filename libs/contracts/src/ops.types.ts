import type { z } from 'zod';
import type { HealthDetailsSchema, HealthSchema } from './schemas/health.schema';
import type { MinuteBucketSchema, OpsAlertListSchema, OpsAlertSchema, OpsChallengePageSchema, OpsChallengeSummarySchema, OpsStatsSchema, ReleaseSuspensionBodySchema, SuspensionListSchema, SuspensionReleaseSchema, SuspensionSchema, UiConfigSchema } from './schemas/ops.schema';

/** Operator-facing payloads: GET /v1/ops/* and the /ops socket namespace, inferred from their schemas. Phones are always masked. */

export type { JobState } from './enums.constants';
export type { ChallengeQuery, ChallengeSearchParams, ChallengeSearchQuery } from './schemas/ops.schema';

export type MinuteBucket = z.output<typeof MinuteBucketSchema>;
export type OpsStats = z.output<typeof OpsStatsSchema>;
export type OpsAlert = z.output<typeof OpsAlertSchema>;
export type OpsAlertList = z.output<typeof OpsAlertListSchema>;
export type OpsChallengeSummary = z.output<typeof OpsChallengeSummarySchema>;
export type OpsChallengePage = z.output<typeof OpsChallengePageSchema>;
export type Suspension = z.output<typeof SuspensionSchema>;
export type SuspensionList = z.output<typeof SuspensionListSchema>;
export type ReleaseSuspensionBody = z.output<typeof ReleaseSuspensionBodySchema>;
export type SuspensionRelease = z.output<typeof SuspensionReleaseSchema>;
/** GET /ui-config.json: what the single-page app needs to know about this deployment. */
export type UiConfig = z.output<typeof UiConfigSchema>;
export type Health = z.output<typeof HealthSchema>;
export type HealthDetails = z.output<typeof HealthDetailsSchema>;
