import type { z } from 'zod';
import type { ApiErrorSchema } from './schemas/common.schema';
import type { AttemptViewSchema, ChallengeViewSchema, CheckCodeBodySchema, CheckResultSchema, CreateChallengeBodySchema, CreatedChallengeSchema, StepViewSchema } from './schemas/challenges.schema';
import type { PhoneInputSchema, PhoneSettingsInputSchema, PhoneSettingsViewSchema, PhoneViewSchema, VerificationRefSchema } from './schemas/phones.schema';

/**
 * REST payloads of CONTRACT.md, shared by the api app and the web client. Each type is inferred from its zod
 * schema (schemas/*.schema.ts): the schema validates, documents (OpenAPI) and types the payload.
 */

export type { ChallengePurpose, ChallengeStatus, ContactMethod, PhoneLabel, PhoneRole, SettingsStatus, StepStatus } from './enums.constants';

export type PhoneInput = z.output<typeof PhoneInputSchema>;
export type PhoneSettingsInput = z.output<typeof PhoneSettingsInputSchema>;
export type PhoneView = z.output<typeof PhoneViewSchema>;
export type PhoneSettingsView = z.output<typeof PhoneSettingsViewSchema>;
export type VerificationRef = z.output<typeof VerificationRefSchema>;

export type CreateChallengeBody = z.output<typeof CreateChallengeBodySchema>;
export type CheckCodeBody = z.output<typeof CheckCodeBodySchema>;
export type AttemptView = z.output<typeof AttemptViewSchema>;
export type StepView = z.output<typeof StepViewSchema>;
export type ChallengeView = z.output<typeof ChallengeViewSchema>;
export type CreatedChallenge = z.output<typeof CreatedChallengeSchema>;
export type CheckResult = z.output<typeof CheckResultSchema>;

export type ApiErrorBody = z.output<typeof ApiErrorSchema>;
