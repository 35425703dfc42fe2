import { z } from 'zod';
import { LIMITS, LINE_TYPES } from '../enums.constants';
import { ContactMethodSchema, IsoTimeSchema, nonBlank, PhoneLabelSchema, PhoneRoleSchema, SettingsStatusSchema, UserIdSchema, withCode } from './common.schema';

/** `PUT /v1/users/:userId/phones`, `GET …` and `POST …/backups/:index/verify`: request and response payloads. */

export const UserPathParamsSchema = z.object({ userId: UserIdSchema });

/** `POST /v1/users/:userId/phones/backups/:index/verify`: `index` is the backup's position in `backups` (0 first). */
export const BackupPathParamsSchema = z.object({
  userId: UserIdSchema,
  index: z
    .string()
    .refine((i) => /^\d$/.test(i) && Number(i) < LIMITS.maxBackups, withCode('invalid_value', `index must be a backup's position in \`backups\`: 0 to ${LIMITS.maxBackups - 1}.`))
    .transform(Number)
    .meta({ description: "the backup's position in `backups`, 0 first", example: '0' }),
});

/** One phone as sent; number rules (normalisation, line types, countries) are applied afterwards by the domain. */
export const PhoneInputSchema = z
  .strictObject({
    number: nonBlank('number', LIMITS.numberLength).meta({ description: 'E.164, or national with `country`', example: '+12015550123' }),
    country: z
      .string()
      .max(LIMITS.countryLength)
      .transform((c) => (c === '' ? undefined : c))
      .optional()
      .meta({ description: 'ISO 3166 alpha-2 hint for national numbers', example: 'US' }),
    method: ContactMethodSchema,
    label: PhoneLabelSchema.optional(),
    extension: z
      .string()
      .max(LIMITS.extensionLength)
      .transform((e) => e.trim() || undefined)
      .optional()
      .meta({ description: 'digits dialled after connecting (calls only)' }),
  })
  .meta({ id: 'PhoneInput' });

export const PhoneSettingsInputSchema = z
  .strictObject({
    primary: PhoneInputSchema,
    backups: z
      .array(PhoneInputSchema)
      .refine((list) => list.length <= LIMITS.maxBackups, {
        ...withCode('too_many_backups', `At most ${LIMITS.maxBackups} backup phones can be registered.`),
        // Counted before the phones themselves are looked at, as a person reads the form.
        when: (payload) => Array.isArray(payload.value),
      })
      .optional()
      .meta({ maxItems: LIMITS.maxBackups }),
  })
  .meta({ id: 'PhoneSettingsInput' });

export const PhoneViewSchema = z
  .strictObject({
    e164: z.string().optional().meta({ description: 'absent when an operator asks: operators see `masked` only', example: '+12015550123' }),
    masked: z.string().meta({ description: 'country code and the last 2 digits', example: '+1 ••• ••• ••23' }),
    country: z.string().meta({ example: 'US' }),
    method: ContactMethodSchema,
    role: PhoneRoleSchema,
    label: PhoneLabelSchema.optional(),
    extension: z.string().optional(),
    lineType: z.string().optional().meta({ description: `libphonenumber's line type: ${LINE_TYPES.join(', ')}` }),
    internationalSmsCharges: z.boolean().meta({ description: 'an SMS phone outside the sender country (the settings page warns)' }),
    verifiedAt: IsoTimeSchema.nullable().meta({
      description: 'when this phone last approved a verification (saving the settings for a primary, "verify this phone now" for a backup); null until then',
    }),
  })
  .meta({ id: 'Phone' });

export const VerificationRefSchema = z
  .strictObject({
    challengeId: z.uuid(),
    token: z.string(),
    statusUrl: z.url().meta({ description: "the person's live status page, with the token" }),
  })
  .meta({ id: 'Verification' });

export const PhoneSettingsViewSchema = z
  .strictObject({
    userId: z.string(),
    status: SettingsStatusSchema,
    primary: PhoneViewSchema.nullable(),
    backups: z.array(PhoneViewSchema),
    pending: z
      .strictObject({ primary: PhoneViewSchema, backups: z.array(PhoneViewSchema), challengeId: z.uuid().optional() })
      .optional()
      .meta({ description: 'the settings waiting for their verification, when there are any' }),
    verification: VerificationRefSchema.optional().meta({ description: 'while a verification of the pending settings runs' }),
  })
  .meta({ id: 'PhoneSettings' });
