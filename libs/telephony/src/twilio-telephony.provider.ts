import type { TwilioConfig } from '@redial/config';
import twilio, { type Twilio } from 'twilio';
import type { CallListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/call';
import type { MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message';
import {
  type CallCompletion,
  classifyCallCompletion,
  classifyProviderError,
  classifySmsCallback,
  type ProviderVerdict,
  TelephonyConfigurationError,
} from './outcome.classification';
import {
  type CallStatusEvent,
  parseCallStatusCallback,
  parseSmsStatusCallback,
  parseVoiceRequest,
  type SmsStatusEvent,
  type VoiceRequest,
} from './status-callback.parser';
import { asSdkHttpClient, TwilioHttpClient } from './twilio-http.client';
import type { EndCallReceipt, EndCallStatus, PlaceCallRequest, ProviderReceipt, SendSmsRequest, SentQuery, TelephonyProvider } from './telephony.provider';
import type { TwilioParams } from './twilio-signature';

export interface TwilioProviderOptions {
  /** Per-request timeout in milliseconds (the SDK's default is 30 s, long for a verification worker). */
  timeoutMs?: number;
  /** Keep-alive sockets per host. */
  maxSockets?: number;
  /** Caller ID for calls when `from` is a Messaging Service (MG…), which cannot place calls. */
  callerId?: string;
}

/** Twilio's documented ValidityPeriod range, in seconds. */
const VALIDITY_MIN_SEC = 1;
const VALIDITY_MAX_SEC = 36000;
/** Twilio's `Timeout` range for ringing, in seconds. */
const RING_MIN_SEC = 1;
const RING_MAX_SEC = 600;

/**
 * A lookup reads one page of the number's newest texts or calls: far more than the rate limits let one number
 * receive while a send is re-tried (a few minutes).
 */
const LOOKUP_PAGE_SIZE = 50;
/** Twilio's clock and ours may differ a little, and `date_created` has whole seconds. */
const LOOKUP_CLOCK_SKEW_MS = 60_000;

export const CALL_STATUS_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

function clamp(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return max;
  return Math.min(max, Math.max(min, Math.round(value)));
}

/**
 * The TelephonyProvider on the official twilio SDK, which sends through Redial's own TwilioHttpClient (undici). A
 * 429 is not retried by the SDK: the queue's declared backoff retries it (classifyError says `retry`). Errors are
 * not caught: a RestException or a network error (a string `code`) reaches the caller, which decides with
 * `classifyError`. Twilio's callbacks are read and classified here
 * too (status-callback.parser.ts, outcome.classification.ts hold the rules, as plain functions).
 */
export class TwilioTelephonyProvider implements TelephonyProvider {
  readonly name = 'twilio';
  readonly client: Twilio;
  private readonly httpClient: TwilioHttpClient;
  private readonly from: string;
  private readonly callerId: string | undefined;

  constructor(config: TwilioConfig, options: TwilioProviderOptions = {}) {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const maxSockets = options.maxSockets ?? 64;
    this.from = config.from;
    this.callerId = options.callerId ?? (config.from.startsWith('MG') ? undefined : config.from);
    // Twilio itself, or the sandbox / a test server at TWILIO_API_URL.
    this.httpClient = new TwilioHttpClient({ baseUrl: config.apiUrl, timeoutMs, maxSockets, ...(config.proxyUrl !== undefined && { proxyUrl: config.proxyUrl }) });
    // With an API key the SDK authenticates as the key (SK…:secret) and takes the account from `accountSid`.
    const [username, password] = config.apiKey === undefined ? [config.accountSid, config.authToken] : [config.apiKey.sid, config.apiKey.secret];
    this.client = twilio(username, password, { accountSid: config.accountSid, httpClient: asSdkHttpClient(this.httpClient) });
  }

  async sendSms(request: SendSmsRequest): Promise<ProviderReceipt> {
    const params: MessageListInstanceCreateOptions = {
      to: request.to,
      body: request.body,
      statusCallback: request.statusCallbackUrl,
      validityPeriod: clamp(request.validitySec, VALIDITY_MIN_SEC, VALIDITY_MAX_SEC),
    };
    // MessageIntent is left out on purpose: its effect on routing and pricing is not documented well enough
    // to call it harmless.
    if (this.from.startsWith('MG')) params.messagingServiceSid = this.from;
    else params.from = this.from;
    const message = await this.client.messages.create(params);
    return { sid: message.sid, status: message.status };
  }

  async placeCall(request: PlaceCallRequest): Promise<ProviderReceipt> {
    if (this.callerId === undefined) {
      throw new TelephonyConfigurationError('A Messaging Service (MG…) cannot place calls; configure a caller ID');
    }
    const params: CallListInstanceCreateOptions = {
      to: request.to,
      from: this.callerId,
      url: request.twimlUrl,
      method: 'POST',
      statusCallback: request.statusCallbackUrl,
      statusCallbackEvent: [...CALL_STATUS_EVENTS],
      statusCallbackMethod: 'POST',
      timeout: clamp(request.ringTimeoutSec, RING_MIN_SEC, RING_MAX_SEC),
    };
    if (request.sendDigits !== undefined && request.sendDigits !== '') {
      params.sendDigits = request.sendDigits;
    } else if (request.machineDetection) {
      // Twilio ignores MachineDetection when SendDigits is set (an extension means a switchboard answers).
      params.machineDetection = 'Enable';
    }
    const call = await this.client.calls.create(params);
    return { sid: call.sid, status: call.status };
  }

  async endCall(sid: string, status: EndCallStatus): Promise<EndCallReceipt> {
    const call = await this.client.calls(sid).update({ status });
    return { status: call.status };
  }

  /**
   * Lists the number's newest texts (filter `To`) or calls (`To` and our `From`), one page, newest first as
   * Twilio answers them, and keeps those created since `since` (less a minute of clock skew) whose body
   * carries `bodyIncludes`. `DateSent>` / `StartTime>` are left out on purpose: a text still queued has no
   * `date_sent`, a call not yet started no `start_time`, and those are the ones a lost answer leaves behind.
   */
  async findSent(query: SentQuery): Promise<ProviderReceipt[]> {
    const since = query.since.getTime() - LOOKUP_CLOCK_SKEW_MS;
    const found =
      query.channel === 'sms'
        ? (await this.client.messages.list({ to: query.to, limit: LOOKUP_PAGE_SIZE })).filter((m) => m.body.includes(query.bodyIncludes))
        : await this.client.calls.list({ to: query.to, from: this.callerId, limit: LOOKUP_PAGE_SIZE });
    return found
      .filter((r) => r.dateCreated.getTime() >= since)
      .reverse()
      .map((r) => ({ sid: r.sid, status: r.status }));
  }

  parseSmsStatusCallback(params: TwilioParams): SmsStatusEvent | null {
    return parseSmsStatusCallback(params);
  }

  parseCallStatusCallback(params: TwilioParams): CallStatusEvent | null {
    return parseCallStatusCallback(params);
  }

  parseVoiceRequest(params: TwilioParams): VoiceRequest {
    return parseVoiceRequest(params);
  }

  /** What an error thrown by sendSms/placeCall/endCall means for the attempt (see outcome.classification.ts). */
  classifyError(err: unknown): ProviderVerdict {
    return classifyProviderError(err);
  }

  classifySmsCallback(status: string, errorCode?: string | number | null): ProviderVerdict | null {
    return classifySmsCallback(status, errorCode);
  }

  classifyCallCompletion(completion: CallCompletion): ProviderVerdict | null {
    return classifyCallCompletion(completion);
  }

  /** Closes the pooled sockets (tests and shutdown). */
  close(): Promise<void> {
    return this.httpClient.destroy();
  }

  /** Nest lifecycle hook, when the provider comes from TelephonyModule. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
