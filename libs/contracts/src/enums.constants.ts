/**
 * The closed lists of names that cross a process, each written once. Plain `as const` arrays, free of zod, so
 * that libs/domain, the web bundle and the schemas (schemas/*.schema.ts make zod enums of them) share one list.
 */

/** Challenge `status` (CONTRACT.md): `pending` until it becomes one of the final ones. */
export const CHALLENGE_STATUSES = ['pending', 'approved', 'denied', 'failed', 'expired', 'canceled', 'max_attempts_reached'] as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUSES)[number];

/** The statuses a challenge never leaves. */
export const FINAL_CHALLENGE_STATUSES = ['approved', 'denied', 'failed', 'expired', 'canceled', 'max_attempts_reached'] as const satisfies readonly ChallengeStatus[];

/**
 * `sign_in` from `POST /v1/challenges`; `settings` from saving phones (approval activates them); `phone_check` from
 * verifying one saved backup phone on demand (approval records when that phone was verified).
 */
export const CHALLENGE_PURPOSES = ['sign_in', 'settings', 'phone_check'] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/** The purposes a client may ask for with `POST /v1/challenges` (the others come from the phone settings routes). */
export const REQUESTABLE_PURPOSES = ['sign_in'] as const satisfies readonly ChallengePurpose[];

export const STEP_STATUSES = ['waiting', 'active', 'succeeded', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const CONTACT_METHODS = ['call', 'sms'] as const;
export type ContactMethod = (typeof CONTACT_METHODS)[number];

export const PHONE_ROLES = ['primary', 'backup'] as const;
export type PhoneRole = (typeof PHONE_ROLES)[number];

export const PHONE_LABELS = ['mobile', 'office', 'alternate'] as const;
export type PhoneLabel = (typeof PHONE_LABELS)[number];

export const SETTINGS_STATUSES = ['verified', 'pending_verification'] as const;
export type SettingsStatus = (typeof SETTINGS_STATUSES)[number];

/** Line types from libphonenumber's "max" metadata (`PhoneView.lineType`). */
export const LINE_TYPES = [
  'mobile',
  'fixed_line',
  'fixed_line_or_mobile',
  'voip',
  'toll_free',
  'premium_rate',
  'shared_cost',
  'personal_number',
  'pager',
  'uan',
  'voicemail',
  'unknown',
] as const;
export type LineTypeName = (typeof LINE_TYPES)[number];

/**
 * Plain-language reasons a step or an attempt did not succeed (`Step.reason`, `attempt.reason`). A step's
 * `reason` may also carry a final status (`max_attempts_reached`), so responses document it as text with these
 * as the known values.
 */
export const FAILURE_REASONS = [
  'no_answer',
  'busy',
  'voicemail',
  'no_confirmation',
  'call_failed',
  'invalid_number',
  'unreachable',
  'undelivered',
  'timeout',
  'landline',
  'blocked',
  'opted_out',
  'geo_blocked',
  'destination_suspended',
  'rate_limited',
  'spend_cap_reached',
  'carrier_filtered',
  'provider_error',
  'skipped',
  'user_skipped',
  'fraud_reported',
  'expired',
  'canceled',
] as const;
export type FailureReasonCode = (typeof FAILURE_REASONS)[number];

/** BullMQ job states counted per queue in `OpsStats.queues`. */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'paused'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const ALERT_KINDS = ['failure_rate', 'queue_depth', 'oldest_waiting', 'fraud_report', 'provider_configuration', 'destination_suspended', 'spend_cap'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ['warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Every change to a challenge is one of these; each is a ChallengeEvent row with a per-challenge seq. */
export const CHALLENGE_EVENT_TYPES = [
  'challenge.created',
  'attempt.queued',
  'attempt.sent',
  'attempt.delivered',
  'attempt.failed',
  'call.ringing',
  'call.answered',
  'step.failover',
  'challenge.approved',
  'challenge.denied',
  'challenge.failed',
  'challenge.expired',
  'challenge.canceled',
  'challenge.max_attempts_reached',
] as const;
export type ChallengeEventType = (typeof CHALLENGE_EVENT_TYPES)[number];

/** The sandbox's phone behaviours (`PUT /sandbox/numbers/:e164`). */
export const SMS_BEHAVIOURS = ['deliver', 'undelivered', 'failed', 'silent'] as const;
export type SmsBehaviour = (typeof SMS_BEHAVIOURS)[number];
export const VOICE_BEHAVIOURS = ['press-pound', 'report-fraud', 'no-answer', 'busy', 'failed', 'voicemail', 'silence', 'interactive'] as const;
export type VoiceBehaviour = (typeof VOICE_BEHAVIOURS)[number];

/** Limits the REST API enforces on what it is sent. */
export const LIMITS = {
  maxBackups: 4,
  numberLength: 40,
  countryLength: 8,
  extensionLength: 10,
  userIdLength: 128,
  searchParamLength: 256,
  searchDefaultLimit: 20,
  searchMaxLimit: 100,
} as const;

/** User ids (path and body): 1-128 letters, digits or `. _ @ + -`, starting with a letter or digit. */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/** Challenge, attempt and settings ids: UUIDs, any case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
