import type {
  CallCompletion,
  CallStatusEvent,
  EndCallReceipt,
  EndCallStatus,
  PlaceCallRequest,
  ProviderReceipt,
  ProviderVerdict,
  SendSmsRequest,
  SentQuery,
  SmsStatusEvent,
  TelephonyProvider,
  TwilioParams,
  VoiceRequest,
} from '@redial/telephony';
import { MetricsRecorder, PROVIDER_LATENCY } from './redis-metrics.store';

/**
 * Times every provider request into the shared PROVIDER_LATENCY histogram, by operation and outcome (`ok`, or
 * the reason the error classification gives). Passes results and errors through untouched, and the parsing
 * and classification methods straight through (they make no request).
 */
export class InstrumentedTelephonyProvider implements TelephonyProvider {
  constructor(
    private readonly inner: TelephonyProvider,
    private readonly metrics: MetricsRecorder,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  sendSms(request: SendSmsRequest): Promise<ProviderReceipt> {
    return this.timed('send_sms', () => this.inner.sendSms(request));
  }

  placeCall(request: PlaceCallRequest): Promise<ProviderReceipt> {
    return this.timed('place_call', () => this.inner.placeCall(request));
  }

  endCall(sid: string, status: EndCallStatus): Promise<EndCallReceipt> {
    return this.timed('end_call', () => this.inner.endCall(sid, status));
  }

  findSent(query: SentQuery): Promise<ProviderReceipt[]> {
    return this.timed('find_sent', () => this.inner.findSent(query));
  }

  parseSmsStatusCallback(params: TwilioParams): SmsStatusEvent | null {
    return this.inner.parseSmsStatusCallback(params);
  }

  parseCallStatusCallback(params: TwilioParams): CallStatusEvent | null {
    return this.inner.parseCallStatusCallback(params);
  }

  parseVoiceRequest(params: TwilioParams): VoiceRequest {
    return this.inner.parseVoiceRequest(params);
  }

  classifyError(err: unknown): ProviderVerdict {
    return this.inner.classifyError(err);
  }

  classifySmsCallback(status: string, errorCode?: string | number | null): ProviderVerdict | null {
    return this.inner.classifySmsCallback(status, errorCode);
  }

  classifyCallCompletion(completion: CallCompletion): ProviderVerdict | null {
    return this.inner.classifyCallCompletion(completion);
  }

  private async timed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome = 'ok';
    try {
      return await call();
    } catch (err) {
      outcome = this.inner.classifyError(err).reason;
      throw err;
    } finally {
      this.metrics.observe(PROVIDER_LATENCY, { provider: this.inner.name, operation, outcome }, (performance.now() - started) / 1000);
    }
  }
}
