import { z } from 'zod';
import { SMS_BEHAVIOURS, VOICE_BEHAVIOURS } from '../enums.constants';

/**
 * The Twilio sandbox's control API (sandbox app, JSON, no auth, 127.0.0.1 only): requests and answers. The
 * sandbox validates with these and the web's phone simulator reads its types from them. Refusals are
 * `400 {error, message, field}` with the sandbox's own codes: `invalid_body` (field `body`), `unknown_field`,
 * `invalid_field`, `invalid_number` (field `e164`).
 */

// Each field's description is also the sandbox's refusal message for it.
const wholeNumber = (field: string, min: number, max: number) =>
  z.number().int().min(min).max(max).optional().describe(`${field} must be a whole number from ${min} to ${max}`);

const share = (field: string) => z.number().min(0).max(1).optional().describe(`${field} must be a number from 0 to 1`);

export const SmsBehaviourSchema = z.enum(SMS_BEHAVIOURS);
export const VoiceBehaviourSchema = z.enum(VOICE_BEHAVIOURS);

/** E.164; NANP (+1) numbers must have exactly ten digits after the country code. */
export const E164_PATTERN = /^(?:\+1\d{10}|\+[2-9]\d{6,14})$/;

export const SandboxNumberParamsSchema = z.object({ e164: z.string().regex(E164_PATTERN).meta({ example: '+15005550006' }) });
export const SandboxCallParamsSchema = z.object({ callSid: z.string().meta({ example: 'CA0123456789abcdef0123456789abcdef' }) });

/** Keys a caller can type: 0-9, *, #, and `w` for half a second's pause. */
const KEYS = /^[0-9*#w]{0,64}$/;

/** `PUT /sandbox/numbers/:e164`: a partial behaviour, merged into the number's current one. */
export const NumberBehaviourPatchSchema = z
  .strictObject({
    sms: SmsBehaviourSchema.optional().describe(`sms must be one of ${SMS_BEHAVIOURS.join(', ')}`),
    voice: VoiceBehaviourSchema.optional().describe(`voice must be one of ${VOICE_BEHAVIOURS.join(', ')}`),
    smsErrorCode: wholeNumber('smsErrorCode', 1, 99999),
    delayMs: wholeNumber('delayMs', 0, 600_000),
    ringMs: wholeNumber('ringMs', 0, 600_000),
    keys: z
      .string()
      .regex(KEYS)
      .nullable()
      .optional()
      .describe('keys must be up to 64 keypad keys (0-9, *, #) or w for a half-second pause, e.g. "1w2#", or null'),
  })
  .meta({
    id: 'NumberBehaviourPatch',
    description:
      'Merged into the number\'s behaviour. Defaults for unknown numbers: `deliver` / `press-pound`, 100 ms. `smsErrorCode`: ErrorCode of `undelivered`/`failed` texts; `keys`: what a scripted caller types when a `press-pound`, `report-fraud` or `silence` call is answered (`null` removes them); `ringMs`: how long the phone rings (defaults to `delayMs`).',
  });

export const NumberBehaviourSchema = z
  .strictObject({
    sms: SmsBehaviourSchema,
    smsErrorCode: z.number().int().optional(),
    voice: VoiceBehaviourSchema,
    keys: z.string().optional(),
    delayMs: z.number().int(),
    ringMs: z.number().int().optional(),
  })
  .meta({ id: 'NumberBehaviour' });

export const SandboxNumberSchema = z.strictObject({ e164: z.string(), behaviour: NumberBehaviourSchema }).meta({ id: 'SandboxNumber' });

export const SandboxNumberSummarySchema = z
  .strictObject({
    e164: z.string(),
    behaviour: NumberBehaviourSchema,
    configured: z.boolean(),
    messages: z.number().int(),
    calls: z.number().int(),
    lastActivityAt: z.string().nullable(),
  })
  .meta({ id: 'SandboxNumberSummary' });

export const SandboxNumberListSchema = z.strictObject({ numbers: z.array(SandboxNumberSummarySchema) }).meta({ id: 'SandboxNumberList' });

export const InboxMessageSchema = z
  .strictObject({
    sid: z.string(),
    body: z.string(),
    status: z.string(),
    at: z.string(),
    from: z.string(),
    errorCode: z.number().int().nullable(),
  })
  .meta({ id: 'InboxMessage' });

export const InboxCallSchema = z
  .strictObject({
    sid: z.string(),
    status: z.string(),
    digits: z.string().meta({ description: 'keys pressed into Gathers so far, finishing keys included ("#", "0#"); "" when none' }),
    at: z.string(),
    from: z.string(),
    said: z.array(z.string()),
    awaitingDigits: z.boolean().meta({ description: 'a Gather is listening for keys right now' }),
    answeredBy: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'InboxCall' });

export const SandboxInboxSchema = z
  .strictObject({ e164: z.string(), messages: z.array(InboxMessageSchema), calls: z.array(InboxCallSchema) })
  .meta({ id: 'SandboxInbox', description: 'texts and calls to a number, oldest first (the last 50 of each)' });

/** `POST /sandbox/calls/:callSid/digits`: keys as typed on a keypad, one press per character. */
export const DigitsBodySchema = z
  .strictObject({
    digits: z
      .string()
      .regex(/^[0-9*#wW]{1,32}$/)
      .describe('digits must be 1-32 keypad keys (0-9, *, #), e.g. "#" or "0#"')
      .meta({ example: '#' }),
  })
  .meta({ id: 'Digits' });

/** `PUT /sandbox/faults`: a partial set of faults, merged into the current ones. */
export const FaultsPatchSchema = z
  .strictObject({
    rate429: share('rate429'),
    rate500: share('rate500'),
    duplicateCallbacks: share('duplicateCallbacks'),
    latencyMs: wholeNumber('latencyMs', 0, 60_000),
    reorderCallbacks: z.boolean().optional().describe('reorderCallbacks must be true or false'),
  })
  .meta({ id: 'FaultsPatch' });

export const FaultsSchema = z
  .strictObject({
    rate429: z.number().meta({ description: 'share of REST requests answered 429 / 20429' }),
    rate500: z.number().meta({ description: 'share of REST requests answered 500 / 20500' }),
    latencyMs: z.number().int().meta({ description: 'added to every REST response' }),
    duplicateCallbacks: z.number().meta({ description: 'share of status callbacks delivered twice' }),
    reorderCallbacks: z.boolean().meta({ description: "deliver each resource's status callbacks newest first" }),
  })
  .meta({ id: 'Faults' });

export const SandboxResetSchema = z.strictObject({ status: z.literal('reset') }).meta({ id: 'SandboxReset' });

export const SandboxErrorSchema = z
  .strictObject({ error: z.string(), message: z.string(), field: z.string().optional() })
  .meta({ id: 'SandboxError' });

export type NumberBehaviourPatch = z.infer<typeof NumberBehaviourPatchSchema>;
export type NumberBehaviourView = z.infer<typeof NumberBehaviourSchema>;
export type SandboxNumberView = z.infer<typeof SandboxNumberSchema>;
export type SandboxNumberSummary = z.infer<typeof SandboxNumberSummarySchema>;
export type InboxMessageView = z.infer<typeof InboxMessageSchema>;
export type InboxCallView = z.infer<typeof InboxCallSchema>;
export type SandboxInboxView = z.infer<typeof SandboxInboxSchema>;
export type FaultsPatch = z.infer<typeof FaultsPatchSchema>;
export type FaultsView = z.infer<typeof FaultsSchema>;
