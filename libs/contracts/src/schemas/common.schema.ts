import { z } from 'zod';
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  CHALLENGE_EVENT_TYPES,
  CHALLENGE_PURPOSES,
  CHALLENGE_STATUSES,
  CONTACT_METHODS,
  JOB_STATES,
  PHONE_LABELS,
  PHONE_ROLES,
  SETTINGS_STATUSES,
  STEP_STATUSES,
  USER_ID_PATTERN,
  LIMITS,
} from '../enums.constants';

/**
 * The building blocks every payload schema reuses. Conventions:
 * - request schemas are strict (an unknown field is refused), response schemas are strict too (a test compares
 *   every live answer with them, so an undocumented field fails it);
 * - a refusal a plain zod check cannot name carries `params: { code }`: the api's validation pipe answers that
 *   code (`required`, `too_many_backups`, …); every other issue is mapped by its zod issue code.
 */

export const ChallengeStatusSchema = z.enum(CHALLENGE_STATUSES).meta({ id: 'ChallengeStatus' });
export const ChallengePurposeSchema = z.enum(CHALLENGE_PURPOSES);
export const StepStatusSchema = z.enum(STEP_STATUSES);
export const ContactMethodSchema = z.enum(CONTACT_METHODS);
export const PhoneRoleSchema = z.enum(PHONE_ROLES);
export const PhoneLabelSchema = z.enum(PHONE_LABELS);
export const SettingsStatusSchema = z.enum(SETTINGS_STATUSES);
export const JobStateSchema = z.enum(JOB_STATES);
export const AlertKindSchema = z.enum(ALERT_KINDS);
export const AlertSeveritySchema = z.enum(ALERT_SEVERITIES);
export const ChallengeEventTypeSchema = z.enum(CHALLENGE_EVENT_TYPES).meta({ id: 'ChallengeEventType' });

/** A refusal with the contract's own code (see the module comment). */
export const withCode = (code: string, message: string, status?: number) => ({
  message,
  params: status === undefined ? { code } : { code, status },
});

/** Text that must not be empty or blank: blank answers `required`, like a missing value. */
export const nonBlank = (field: string, maxLength: number, what = '') =>
  z
    .string()
    .max(maxLength)
    .refine((s) => s.trim() !== '', withCode('required', `${field} is required${what}.`));

/** A user id, in a path or a body. */
export const UserIdSchema = nonBlank('userId', LIMITS.userIdLength)
  .regex(USER_ID_PATTERN, { error: 'userId must be 1-128 letters, digits or . _ @ + -.' })
  .meta({ description: '1-128 letters, digits or `. _ @ + -`', example: 'alice' });

export const IsoTimeSchema = z.iso.datetime({ offset: true });

/** `{"error","message","field"?}`: every refusal, with a 4xx status (503 when a dependency is down). */
export const ApiErrorSchema = z
  .strictObject({
    error: z.string().regex(/^[a-z_]+$/).meta({ example: 'invalid_number' }),
    message: z.string().meta({ example: 'The number is not valid.' }),
    field: z.string().optional().meta({ description: 'the path of the offending value', example: 'primary.number' }),
    retryAfter: z.number().int().positive().optional().meta({ description: 'seconds to wait before trying again (also the `Retry-After` header)' }),
    limit: z.string().optional().meta({ description: 'which limit refused the request (`rate_limited`, `spend_cap_reached`)', example: 'user_challenges' }),
  })
  .meta({ id: 'Error', description: 'Every refusal: `error` names the problem, `field` the path of the offending value.' });
