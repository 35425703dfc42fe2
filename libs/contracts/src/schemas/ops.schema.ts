import { z } from 'zod';
import { CHALLENGE_STATUSES, type ChallengeStatus, LIMITS, USER_ID_PATTERN, UUID_PATTERN } from '../enums.constants';
import { AlertKindSchema, AlertSeveritySchema, IsoTimeSchema, JobStateSchema, nonBlank, withCode } from './common.schema';
import { challengeFields } from './challenges.schema';
import { COUNTER_WINDOWS, OUTCOME_COUNTERS, OUTCOME_TEXTS, type OutcomeCounter } from '../ops-counters';

/** Operator-facing payloads: `GET /v1/ops/*` and the `/ops` socket namespace. Phones are always masked. */

const count = z.number().int();
const JobCountsSchema = z.strictObject(Object.fromEntries(JobStateSchema.options.map((s) => [s, count])) as Record<z.infer<typeof JobStateSchema>, typeof count>).meta({ id: 'JobCounts' });

/** One number per operators' counter (libs/contracts ops-counters.ts says what each one counts). */
export const OutcomeCountsSchema = z
  .strictObject(Object.fromEntries(OUTCOME_COUNTERS.map((c) => [c, count.meta({ description: OUTCOME_TEXTS[c].counts })])) as Record<OutcomeCounter, typeof count>)
  .meta({ id: 'OutcomeCounts' });

export const MinuteBucketSchema = z
  .strictObject({ minute: IsoTimeSchema.meta({ description: "the minute's start" }), ...OutcomeCountsSchema.shape })
  .meta({ id: 'MinuteBucket' });

const usd = z.number().meta({ description: 'estimated US dollars' });

export const SpendPeriodSchema = z
  .strictObject({
    start: IsoTimeSchema.meta({ description: 'the UTC day or hour' }),
    totalUsd: usd,
    byChannel: z.strictObject({ sms: usd, call: usd }),
    byCountry: z
      .array(z.strictObject({ country: z.string(), sms: usd, call: usd, totalUsd: usd }))
      .meta({ description: "by the destination's country, most spent first" }),
  })
  .meta({ id: 'SpendPeriod' });

export const SpendStatsSchema = z
  .strictObject({
    capDailyUsd: z.number().nullable().meta({ description: 'SPEND_CAP_DAILY_USD; null when there is no cap' }),
    capReached: z.boolean().meta({ description: 'the cap refused a send or a challenge today, or the spend reached it' }),
    refusedToday: count.meta({ description: 'sends and new challenges the cap refused today (UTC)' }),
    today: SpendPeriodSchema,
    thisHour: SpendPeriodSchema,
  })
  .meta({ id: 'SpendStats', description: 'estimated spend (the price table × segments or minutes) this UTC day and hour, from every worker' });

export const OpsStatsSchema = z
  .strictObject({
    at: IsoTimeSchema,
    queues: z.record(z.string(), JobCountsSchema).meta({ description: 'counts per queue (`calls`, `texts`, `timers`) and job state' }),
    rates: OutcomeCountsSchema.meta({ description: `the counters over the ${COUNTER_WINDOWS.recent.label}` }),
    outcomes: z
      .strictObject({ since: IsoTimeSchema.meta({ description: 'the start of the window: the minute 59 minutes ago' }), counts: OutcomeCountsSchema })
      .meta({ description: `the counters over the ${COUNTER_WINDOWS.hour.label}: the sum of \`perMinute\` and of \`byCountry\`, and what /metrics exports` }),
    perMinute: z.array(MinuteBucketSchema).meta({ description: `the counters per minute over the ${COUNTER_WINDOWS.hour.label}, oldest first (the last one is the current minute)` }),
    timeToFirstDelivery: z
      .strictObject({ p50Ms: z.number().nullable(), p95Ms: z.number().nullable(), samples: count })
      .meta({ description: 'challenge creation → first delivery (texts delivered / calls answered), last 15 minutes' }),
    oldestWaitingMs: z
      .record(z.string(), z.number())
      .meta({ description: 'per queue, how long the oldest job ready to run has waited since it became due, ms (0 when none waits)' }),
    topFailureReasons: z
      .array(z.strictObject({ reason: z.string(), count }))
      .meta({ description: `reasons of the \`failed\` counter over the ${COUNTER_WINDOWS.hour.label}, most frequent first (at most 10)` }),
    byCountry: z
      .array(z.strictObject({ country: z.string(), ...OutcomeCountsSchema.shape }))
      .meta({ description: `the counters over the ${COUNTER_WINDOWS.hour.label}, by the destination's country, most sent first` }),
    challenges: z
      .strictObject({ pending: count, approvedLastHour: count, failedLastHour: count })
      .meta({
        description: `\`pending\`: now; the others over the ${COUNTER_WINDOWS.hour.label}: approved, and failed (every phone failed, expired, or too many wrong codes). Denied and canceled challenges are the \`fraud\` and \`skipped\` counters.`,
      }),
    spend: SpendStatsSchema,
  })
  .meta({ id: 'OpsStats' });

export const OpsAlertSchema = z
  .strictObject({
    id: z.string(),
    kind: AlertKindSchema,
    key: z.string().meta({ description: 'what the alert is about: a channel, a queue, a reason' }),
    severity: AlertSeveritySchema,
    message: z.string(),
    value: z.number().optional(),
    threshold: z.number().optional(),
    raisedAt: IsoTimeSchema,
    clearedAt: IsoTimeSchema.optional(),
  })
  .meta({ id: 'OpsAlert' });

export const OpsAlertListSchema = z.strictObject({ alerts: z.array(OpsAlertSchema) }).meta({ id: 'OpsAlertList', description: 'active alerts, then those cleared in the last 24 hours' });

export const OpsChallengeSummarySchema = z
  .strictObject({
    ...challengeFields,
    providerSids: z
      .array(z.strictObject({ step: count, attemptNo: count, sid: z.string().nullable() }))
      .optional()
      .meta({ description: 'provider SIDs per attempt, for support' }),
    costs: z
      .array(z.strictObject({ step: count, attemptNo: count, usd: z.number().nullable(), units: count.nullable() }))
      .optional()
      .meta({ description: 'estimated cost per attempt (USD; units are text segments or started call minutes); null when nothing went out' }),
    costUsd: z.number().optional().meta({ description: "the challenge's estimated cost: the sum over its attempts, USD" }),
    attemptTimes: z
      .array(
        z.strictObject({
          step: count,
          attemptNo: count,
          createdAt: IsoTimeSchema,
          sentAt: IsoTimeSchema.optional(),
          deliveredAt: IsoTimeSchema.optional().meta({ description: 'the text delivered, or the call answered' }),
          finishedAt: IsoTimeSchema.optional(),
          answeredBy: z.string().optional().meta({ description: "the provider's answering machine detection: human, machine_start…" }),
        }),
      )
      .optional()
      .meta({ description: 'when each attempt was queued, sent, delivered or answered, and finished, for support' }),
    finishedAt: IsoTimeSchema.optional().meta({ description: 'when the challenge reached its final status' }),
  })
  .meta({ id: 'OpsChallengeSummary' });

export const OpsChallengePageSchema = z
  .strictObject({
    items: z.array(OpsChallengeSummarySchema),
    nextCursor: z.string().optional().meta({ description: 'pass as `cursor` for the next page' }),
  })
  .meta({ id: 'OpsChallengePage' });

// --- the SMS pumping guard (issue 13) ----------------------------------------------------------------------------

/** A destination prefix: the country calling code, `-`, the next national digits (`44-770` is +44 770…). */
export const DestinationPrefixSchema = z
  .string()
  .refine((v) => /^[1-9]\d{0,2}-\d{1,8}$/.test(v), withCode('invalid_value', 'prefix must be a country calling code, "-", and the next digits, such as 44-770.'))
  .meta({ description: 'country calling code, `-`, the next national digits (`44-770` is +44 770…)', example: '44-770' });

export const SuspensionSchema = z
  .strictObject({
    prefix: DestinationPrefixSchema,
    display: z.string().meta({ description: 'as operators read it: `+44 770…`' }),
    since: IsoTimeSchema.meta({ description: 'when texts to the prefix were suspended' }),
    sent: count.meta({ description: 'texts sent to the prefix in the window when it was suspended' }),
    verified: count.meta({ description: 'codes from those texts that were verified' }),
    windowMin: count.meta({ description: 'the sliding window, minutes' }),
  })
  .meta({ id: 'Suspension' });

export const SuspensionListSchema = z
  .strictObject({
    suspensions: z.array(SuspensionSchema),
    thresholds: z
      .strictObject({ minSends: count, conversionFloor: z.number(), windowMin: count, prefixDigits: count })
      .meta({ description: 'a prefix is suspended once it has been sent `minSends` texts in `windowMin` minutes with fewer than `conversionFloor` (0..1) of their codes verified' }),
  })
  .meta({ id: 'SuspensionList' });

export const SuspensionParamsSchema = z.strictObject({ prefix: DestinationPrefixSchema });

export const ReleaseSuspensionBodySchema = z
  .strictObject({
    operator: nonBlank('operator', 100, ' (your name or handle)').meta({ description: 'who releases it (recorded in the audit trail)' }),
    note: z.string().max(500).optional().meta({ description: 'why (recorded in the audit trail)' }),
  })
  .meta({ id: 'ReleaseSuspensionBody' });

export const SuspensionReleaseSchema = z
  .strictObject({
    id: z.string(),
    prefix: DestinationPrefixSchema,
    operator: z.string(),
    note: z.string().optional(),
    suspendedAt: IsoTimeSchema.optional(),
    releasedAt: IsoTimeSchema,
    sent: count,
    verified: count,
    windowMin: count,
  })
  .meta({ id: 'SuspensionRelease', description: 'the audit row written for the release' });

/** `GET /ui-config.json`: what the single-page app needs to know about this deployment. */
export const UiConfigSchema = z
  .strictObject({
    gatewayUrl: z.string(),
    sandbox: z.boolean(),
    senderCountry: z.string(),
    smsCountries: z.array(z.string()).optional().meta({ description: 'ISO 3166 alpha-2 codes texts may go to; `*` for every country' }),
    callCountries: z.array(z.string()).optional().meta({ description: 'ISO 3166 alpha-2 codes calls may go to; `*` for every country' }),
    demoApiKey: z.string().optional().meta({ description: 'sandbox mode only: the development API key' }),
  })
  .meta({ id: 'UiConfig' });

// --- GET /v1/ops/challenges query -------------------------------------------------------------------------------

/** A query parameter given once, as text (a repeated parameter arrives as a list: `invalid_type`). */
const param = (key: string) =>
  z.string().refine((v) => v.length <= LIMITS.searchParamLength, withCode('invalid_value', `${key} is too long.`));

/** ISO 8601 date or date-time, with an offset when a time is given. */
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

const time = (key: 'from' | 'to') =>
  param(key)
    .transform((v, ctx): Date | undefined => {
      if (v === '') return undefined;
      const d = new Date(v);
      // PostgreSQL has no year 0 (nor earlier ones written this way): such a time is refused here, not by the database.
      if (!ISO.test(v) || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1) {
        ctx.issues.push({ code: 'custom', input: v, ...withCode('invalid_value', `${key} must be an ISO 8601 time such as 2024-05-01T12:00:00Z.`) });
        return z.NEVER;
      }
      return d;
    })
    .meta({ description: `ISO 8601 date or date-time with an offset (year 0001 or later)`, example: '2024-05-01T12:00:00Z' });

export type ChallengeQuery = { kind: 'id'; value: string } | { kind: 'suffix'; value: string } | { kind: 'user'; value: string };

/**
 * `GET /v1/ops/challenges` query parameters, as sent (documented) and as read (typed). `cursor` stays opaque
 * text here; the api decodes it.
 */
export const ChallengeSearchQuerySchema = z.strictObject({
  query: param('query')
    .transform((raw, ctx): ChallengeQuery | undefined => {
      const v = raw.trim();
      if (v === '') return undefined;
      if (UUID_PATTERN.test(v)) return { kind: 'id', value: v.toLowerCase() };
      if (/^\d{2,4}$/.test(v)) return { kind: 'suffix', value: v };
      if (USER_ID_PATTERN.test(v)) return { kind: 'user', value: v };
      ctx.issues.push({ code: 'custom', input: raw, ...withCode('invalid_value', 'query must be a challenge id, a user id, or the last 2 to 4 digits of a phone number.') });
      return z.NEVER;
    })
    .optional()
    .meta({ description: 'a challenge id, a user id, or the last 2-4 digits of a phone' }),
  status: param('status')
    .transform((raw, ctx): ChallengeStatus[] | undefined => {
      if (raw === '') return undefined;
      const list = raw.split(',').map((s) => s.trim());
      const bad = list.find((s) => !(CHALLENGE_STATUSES as readonly string[]).includes(s));
      if (bad !== undefined) {
        ctx.issues.push({ code: 'custom', input: raw, ...withCode('invalid_value', `status must be one or more of ${CHALLENGE_STATUSES.join(', ')} (comma-separated); got "${bad}".`) });
        return z.NEVER;
      }
      return [...new Set(list)] as ChallengeStatus[];
    })
    .optional()
    .meta({ description: `comma-separated: ${CHALLENGE_STATUSES.join(', ')}` }),
  from: time('from').optional(),
  to: time('to').optional(),
  cursor: param('cursor').optional().meta({ description: '`nextCursor` of the previous page' }),
  limit: param('limit')
    .transform((raw, ctx): number => {
      const n = Number(raw);
      if (!/^\d{1,4}$/.test(raw) || n < 1 || n > LIMITS.searchMaxLimit) {
        ctx.issues.push({ code: 'custom', input: raw, ...withCode('invalid_value', `limit must be a whole number from 1 to ${LIMITS.searchMaxLimit}.`) });
        return z.NEVER;
      }
      return n;
    })
    .optional()
    .meta({ description: `1 to ${LIMITS.searchMaxLimit}, default ${LIMITS.searchDefaultLimit}` }),
});

/** The query as read: `from` not after `to`, and the default page size. */
export const ChallengeSearchParamsSchema = ChallengeSearchQuerySchema.refine((q) => !(q.from && q.to && q.from > q.to), {
  ...withCode('invalid_range', 'from must not be later than to.'),
  path: ['from'],
}).transform(({ cursor, limit, ...rest }) => ({ ...rest, cursor: cursor === '' ? undefined : cursor, limit: limit ?? LIMITS.searchDefaultLimit }));

export type ChallengeSearchQuery = z.input<typeof ChallengeSearchQuerySchema>;
export type ChallengeSearchParams = z.output<typeof ChallengeSearchParamsSchema>;
