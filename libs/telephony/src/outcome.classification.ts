import { type AttemptStatus, isMachineAnswer } from '@redial/domain';

/**
 * What a Twilio error code or call outcome means for a verification attempt (TWILIO.md §5 and §6).
 *
 * Actions:
 * - `retry`:         run the same attempt again later (the queue's declared backoff); nothing is wrong with
 *                    the number or the setup. Also used where the request may never have reached Twilio.
 * - `fail_step`:     this phone cannot be reached this way now; end the step and fail over to the next
 *                    phone or method. Retrying the same text or call is what the failover is for.
 * - `configuration`: neither a retry nor another phone will help (credentials, account, sender registration,
 *                    a request bug); stop and alert the operators.
 *
 * `transient` marks outcomes that would likely clear up on their own (the handset was off, the carrier
 * hiccuped) even where we still fail the step. `ambiguous` marks network failures after which the request may
 * have been processed (reconcile before resending: the Messages API has no idempotency key).
 *
 * Every decision is a row in CODE_TABLE; nothing here matches on message strings.
 */

export type VerdictAction = 'retry' | 'fail_step' | 'configuration';

export interface ProviderVerdict {
  action: VerdictAction;
  /** A plain snake_case reason, shown in attempt and step views (`no_answer`, `busy`, `invalid_number`…). */
  reason: string;
  transient?: boolean;
  /** Set for network errors that may have happened after Twilio received the request. */
  ambiguous?: boolean;
  /** The Twilio error code behind the outcome, when there is one. */
  code?: number;
  /** The HTTP status of a provider error, when there is one. */
  httpStatus?: number;
}

type Row = Omit<ProviderVerdict, 'code' | 'httpStatus'>;

const retry = (reason: string, transient = true): Row => ({ action: 'retry', reason, transient });
const failStep = (reason: string, transient?: boolean): Row =>
  transient === undefined ? { action: 'fail_step', reason } : { action: 'fail_step', reason, transient };
const configuration = (reason: string): Row => ({ action: 'configuration', reason });

/**
 * Twilio error codes, whether they come synchronously (RestException.code from create) or asynchronously
 * (ErrorCode in a message status callback; with a Messaging Service several 21xxx codes arrive that way).
 */
export const CODE_TABLE: Readonly<Record<number, Row>> = {
  // --- API and account --------------------------------------------------------------------------------
  20003: configuration('auth_failed'), // Authenticate: bad credentials
  20404: configuration('not_found'), // wrong account in the path (or unknown SID)
  20429: retry('rate_limited'), // never processed, always safe to retry
  20500: retry('provider_error'),
  20503: retry('provider_error'),
  21608: configuration('unverified_trial_number'), // trial account may only reach verified numbers
  30002: configuration('account_suspended'),
  30010: configuration('max_price_exceeded'),
  // --- request bugs: a retry sends the same broken request ------------------------------------------------
  21201: configuration('invalid_request'), // calls: no 'To'
  21205: configuration('invalid_request'), // calls: invalid Url
  21213: configuration('invalid_request'), // calls: no 'From'
  21602: configuration('invalid_request'), // message body required
  21603: configuration('invalid_request'), // 'From' required
  21604: configuration('invalid_request'), // 'To' required
  21609: configuration('invalid_request'), // invalid StatusCallback
  21617: configuration('invalid_request'), // body over 1600 characters
  21626: configuration('invalid_request'), // invalid StatusCallbackEvent
  // --- the sender (our From / Messaging Service) ----------------------------------------------------------
  21212: configuration('invalid_sender'), // invalid 'From'
  21606: configuration('sender_not_capable'), // 'From' not owned or not SMS-capable
  21210: configuration('sender_not_capable'), // voice: 'From' not a verified caller ID
  // 21611: the sender's queue is full. Nothing was sent; the same text a little later is fine.
  21611: retry('queue_overflow'),
  30001: retry('queue_overflow'),
  30032: configuration('unregistered_sender'), // toll-free number not verified
  30034: configuration('unregistered_sender'), // US A2P 10DLC: unregistered number
  // --- geo permissions: an account setting per country, not the user's fault ------------------------------
  21408: configuration('geo_blocked'),
  21215: configuration('geo_blocked'), // voice
  13227: configuration('geo_blocked'), // <Dial>: no international authorization
  // --- the destination: fail over to the next phone ------------------------------------------------------
  21211: failStep('invalid_number'),
  21217: failStep('invalid_number'), // voice
  13224: failStep('invalid_number'), // <Dial>: not a callable number
  21614: failStep('not_sms_capable'),
  21635: failStep('landline'),
  21612: failStep('unreachable'), // this To/From combination cannot be routed
  21214: failStep('unreachable'), // voice: 'To' cannot be reached
  21610: failStep('opted_out'), // recipient replied STOP: never rotate senders around it
  21216: failStep('blocked'), // voice: number blocked for the account
  30004: failStep('blocked'),
  30005: failStep('unknown_handset'),
  30006: failStep('landline'),
  // Filtered as spam or by policy. Do not hammer the same destination; the next phone is one failover.
  30007: failStep('carrier_filtered'),
  // 30003 (handset off, no signal) and 30008 (unknown carrier error) are transient, but they arrive
  // asynchronously, after the text already went out. For an OTP, resending the same text later is exactly what
  // the failover to the next phone (or a call) is for, so the step fails; `transient` records the nature.
  30003: failStep('unreachable', true),
  30008: failStep('carrier_error', true),
};

/** Lookup in CODE_TABLE; exported for tests and for views that want the reason of a stored code. */
export function classifyErrorCode(code: number): ProviderVerdict | undefined {
  const row = CODE_TABLE[code];
  return row === undefined ? undefined : { ...row, code };
}

/** Thrown by the adapter for problems in our own setup that no retry will fix (e.g. a call from an MG sender). */
export class TelephonyConfigurationError extends Error {
  constructor(
    message: string,
    readonly reason = 'invalid_sender',
  ) {
    super(message);
    this.name = 'TelephonyConfigurationError';
  }
}

/** Connection failed before anything was sent: retrying is safe. */
const NETWORK_BEFORE_SEND = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
]);
/** The connection broke or timed out, possibly after Twilio received the request. */
const NETWORK_AMBIGUOUS = new Set([
  'ECONNRESET',
  'ECONNABORTED', // axios timeout
  'ETIMEDOUT',
  'EPIPE',
  'ERR_BAD_RESPONSE',
  'ERR_CANCELED',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function toCode(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Classifies whatever `messages.create` / `calls.create` threw: a RestException (or an RFC-9457
 * TwilioServiceException) by HTTP status, then by Twilio code; a network error by its `code` (node's ECONNREFUSED…,
 * or undici's UND_ERR_… from TwilioHttpClient).
 */
export function classifyProviderError(err: unknown): ProviderVerdict {
  if (err instanceof TelephonyConfigurationError) return { action: 'configuration', reason: err.reason };
  if (!isRecord(err)) return { action: 'retry', reason: 'provider_error', transient: true };

  const httpStatus = typeof err.status === 'number' ? err.status : undefined;
  const code = toCode(err.code);

  if (httpStatus !== undefined) {
    // The status decides first: whatever the code, a 429 or 5xx was not (or not reliably) processed.
    if (httpStatus === 429) return { ...retry('rate_limited'), code: code ?? 20429, httpStatus };
    if (httpStatus >= 500) return { ...retry('provider_error'), ...(code !== undefined && { code }), httpStatus };
    if (httpStatus === 401) return { ...configuration('auth_failed'), code: code ?? 20003, httpStatus };
    const known = code === undefined ? undefined : classifyErrorCode(code);
    if (known !== undefined) return { ...known, httpStatus };
    if (httpStatus === 403) return { ...configuration('auth_failed'), ...(code !== undefined && { code }), httpStatus };
    return { ...failStep('provider_error'), ...(code !== undefined && { code }), httpStatus };
  }

  // Network errors (node's, undici's, axios's) carry a string `code` and no `status`.
  if (typeof err.code === 'string') {
    if (NETWORK_BEFORE_SEND.has(err.code)) return { action: 'retry', reason: 'network_error', transient: true };
    if (NETWORK_AMBIGUOUS.has(err.code)) {
      return { action: 'retry', reason: 'network_error', transient: true, ambiguous: true };
    }
  }
  const response = isRecord(err.response) ? err.response : undefined;
  if (response !== undefined && typeof response.status === 'number') {
    return classifyProviderError({ status: response.status, code: isRecord(response.data) ? response.data.code : undefined });
  }
  if (typeof err.code === 'string') {
    // Some other socket-level failure: the request may or may not have gone out.
    return { action: 'retry', reason: 'network_error', transient: true, ambiguous: true };
  }
  // Anything else (an unexpected exception inside the SDK): retries are capped by the queue, so try again.
  return { action: 'retry', reason: 'provider_error', transient: true };
}

/**
 * A message status callback. Returns null while the message is in flight or once it is delivered, and the
 * outcome when it failed: `failed` / `undelivered` by ErrorCode, `canceled` as a failed step.
 */
export function classifySmsCallback(status: string, errorCode?: string | number | null): ProviderVerdict | null {
  switch (status) {
    case 'failed':
    case 'undelivered': {
      const code = toCode(errorCode);
      const known = code === undefined ? undefined : classifyErrorCode(code);
      if (known !== undefined) return known;
      // Unknown or missing code: the text did not arrive; the next phone is the way forward.
      return { ...failStep('undelivered'), ...(code !== undefined && { code }) };
    }
    case 'canceled':
      return failStep('canceled');
    default:
      return null;
  }
}

/**
 * Whether a message status callback names a text still on its way (`accepted`, `scheduled`, `queued`, `sending`,
 * `sent`): then it cannot change the challenge — only a delivery and the failures classifySmsCallback fails the
 * step for can — and moving its attempt forward writes the status and its rank and nothing else (advanceAttempt
 * sets a delivery or finish time for none of them). The webhook applies such a callback to the attempt alone, in
 * one statement without the challenge's lock (TwilioWebhooksService.smsStatus). Asked about message callbacks
 * only; a call's `ringing` and `answered` would not qualify anyway: they decide a step, and `answered` records a
 * delivery.
 */
export function isTextInTransit(status: AttemptStatus): boolean {
  switch (status) {
    case 'queued':
    case 'sending':
    case 'sent':
      return true;
    case 'ringing':
    case 'answered':
    case 'delivered':
    case 'undelivered':
    case 'failed':
    case 'canceled':
    case 'completed':
    case 'busy':
    case 'no_answer':
      return false;
  }
}

export interface CallCompletion {
  /** Final CallStatus: completed | busy | no-answer | failed | canceled. */
  callStatus: string;
  /** AMD result, when MachineDetection was requested. */
  answeredBy?: string | null;
  sipResponseCode?: string | number | null;
  /**
   * What the Gather received during the call (undefined if it never did). Any value means the call reached
   * a decision through the gather action, which the webhook handled; the completion then adds nothing.
   */
  digits?: string | null;
}

/** SIP codes on a `failed` call: the number does not exist. */
const SIP_INVALID_NUMBER = new Set([404, 410, 484, 604]);
const SIP_BUSY = new Set([486, 600]);
const SIP_BLOCKED = new Set([403, 603]);

/**
 * The final call-status callback. Returns null when the call was answered by a person who responded (the
 * gather action decided the challenge); otherwise the failure outcome.
 */
export function classifyCallCompletion(completion: CallCompletion): ProviderVerdict | null {
  const answeredBy = completion.answeredBy ?? undefined;
  switch (completion.callStatus) {
    case 'busy':
      return failStep('busy');
    case 'no-answer':
      return failStep('no_answer');
    case 'canceled':
      return failStep('canceled');
    case 'failed': {
      const sip = toCode(completion.sipResponseCode);
      if (sip === undefined) return failStep('call_failed');
      if (SIP_INVALID_NUMBER.has(sip)) return failStep('invalid_number');
      if (SIP_BUSY.has(sip)) return failStep('busy');
      if (SIP_BLOCKED.has(sip)) return failStep('blocked');
      // 480 temporarily unavailable, 408 timeout, 5xx network trouble: worth one more try.
      if (sip === 480 || sip === 408 || sip >= 500) return retry('call_failed');
      return failStep('call_failed');
    }
    case 'completed':
    case 'in-progress': {
      // A machine or fax picked up: nobody confirmed, and retrying the same number now reaches it again.
      if (isMachineAnswer(answeredBy)) {
        return failStep('voicemail');
      }
      if (completion.digits !== undefined && completion.digits !== null) return null;
      // Answered, but nobody pressed anything through the prompt and its one repeat: counts as no answer.
      return failStep('no_answer');
    }
    default:
      return failStep('call_failed');
  }
}
