import { z } from 'zod';
import { FAILURE_REASONS, REQUESTABLE_PURPOSES, UUID_PATTERN } from '../enums.constants';
import {
  ChallengePurposeSchema,
  ChallengeStatusSchema,
  ContactMethodSchema,
  IsoTimeSchema,
  PhoneLabelSchema,
  PhoneRoleSchema,
  StepStatusSchema,
  UserIdSchema,
  withCode,
} from './common.schema';

/** `/v1/challenges…`: request and response payloads. */

/**
 * `:id` of a challenge. Anything but a UUID names no challenge, so it answers what an unknown id answers:
 * `404 challenge_not_found` (no `field`: it is a lookup, not a form).
 */
export const ChallengeIdParamsSchema = z.object({
  id: z
    .string()
    .refine((id) => UUID_PATTERN.test(id), {
      error: (issue) => `No challenge ${String(issue.input).slice(0, 64)}.`,
      params: { code: 'challenge_not_found', status: 404, field: false },
    })
    .meta({ format: 'uuid' }),
});

export const CreateChallengeBodySchema = z
  .strictObject({
    userId: UserIdSchema,
    purpose: z.enum(REQUESTABLE_PURPOSES).default('sign_in'),
  })
  .meta({ id: 'CreateChallenge' });

/** A texted code: 6 digits; spaces and dashes are ignored, a JSON number is read as its digits. */
export const CheckCodeBodySchema = z
  .strictObject({
    code: z
      .union([z.string(), z.number()])
      .refine((raw) => raw !== '', withCode('required', 'code is required: the 6-digit code from the text.'))
      .transform((raw) => String(raw).replace(/[\s-]/g, ''))
      .pipe(z.string().refine((code) => /^\d{6}$/.test(code), withCode('invalid_code_format', 'code must be exactly 6 digits.')))
      .meta({ description: 'the 6-digit code from the text', example: '123456' }),
  })
  .meta({ id: 'CheckCode' });

export const AttemptViewSchema = z
  .strictObject({
    attemptNo: z.number().int(),
    status: z.string().meta({ description: 'queued, sending, sent, ringing, answered, delivered, completed, failed, …', example: 'delivered' }),
    errorCode: z.number().int().optional().meta({ description: "the provider's error code" }),
    reason: z.string().optional().meta({ description: `a plain-language code: ${FAILURE_REASONS.join(', ')}`, example: 'busy' }),
    at: IsoTimeSchema,
  })
  .meta({ id: 'Attempt' });

export const StepViewSchema = z
  .strictObject({
    index: z.number().int(),
    role: PhoneRoleSchema,
    phone: z.string().meta({ description: 'masked', example: '+1 ••• ••• ••23' }),
    method: ContactMethodSchema,
    status: StepStatusSchema,
    reason: z.string().optional().meta({ description: `why the step did not succeed: ${FAILURE_REASONS.join(', ')}, …`, example: 'no_answer' }),
    label: PhoneLabelSchema.optional(),
    attempts: z.array(AttemptViewSchema),
  })
  .meta({ id: 'Step' });

export const challengeFields = {
  id: z.uuid(),
  userId: z.string(),
  purpose: ChallengePurposeSchema,
  status: ChallengeStatusSchema,
  currentStep: z.number().int(),
  expiresAt: IsoTimeSchema,
  createdAt: IsoTimeSchema,
  approvedAt: IsoTimeSchema.optional(),
  attemptsLeft: z.number().int().meta({ description: 'wrong codes that may still be entered' }),
  seq: z.number().int().meta({ description: 'the seq of the last event this view includes, to order a snapshot and `challenge.updated`' }),
  steps: z.array(StepViewSchema),
};

export const ChallengeViewSchema = z.strictObject(challengeFields).meta({ id: 'Challenge' });

/** `201` of `POST /v1/challenges`: the challenge, its token, and the person's live status page. */
export const CreatedChallengeSchema = z
  .strictObject({
    ...challengeFields,
    token: z.string().meta({ description: "the challenge's own token: opens this challenge (GET, check, advance, cancel)" }),
    statusUrl: z.url().meta({ description: "the person's live status page, with the token" }),
  })
  .meta({ id: 'CreatedChallenge' });

export const CheckResultSchema = z
  .strictObject({ status: ChallengeStatusSchema, attemptsLeft: z.number().int() })
  .meta({ id: 'CheckResult' });
