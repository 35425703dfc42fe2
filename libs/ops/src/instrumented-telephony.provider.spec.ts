import type { TelephonyProvider } from '@redial/telephony';
import { classifyProviderError, parseCallStatusCallback, parseSmsStatusCallback, parseVoiceRequest } from '@redial/telephony';
import { InstrumentedTelephonyProvider } from './instrumented-telephony.provider';
import type { MetricsRecorder } from './redis-metrics.store';

describe('InstrumentedTelephonyProvider', () => {
  const observed: Array<[string, Record<string, string>]> = [];
  const metrics = { observe: (name: string, labels: Record<string, string>) => void observed.push([name, labels]) } as unknown as MetricsRecorder;
  const calls: string[] = [];
  const inner: TelephonyProvider = {
    name: 'fake',
    sendSms: async () => Promise.reject(Object.assign(new Error('rate'), { status: 429, code: 20429 })),
    placeCall: async () => ({ sid: 'CA1', status: 'queued' }),
    endCall: async () => ({ status: 'canceled' }),
    findSent: async () => [{ sid: 'SM1', status: 'sent' }],
    parseSmsStatusCallback: (p) => (calls.push('parseSms'), parseSmsStatusCallback(p)),
    parseCallStatusCallback: (p) => (calls.push('parseCall'), parseCallStatusCallback(p)),
    parseVoiceRequest: (p) => (calls.push('parseVoice'), parseVoiceRequest(p)),
    classifyError: (e) => (calls.push('classifyError'), classifyProviderError(e)),
    classifySmsCallback: () => (calls.push('classifySms'), null),
    classifyCallCompletion: () => (calls.push('classifyCall'), null),
  };
  const provider = new InstrumentedTelephonyProvider(inner, metrics);

  it('times requests, labelling a failure with the inner provider\'s own classification', async () => {
    await expect(provider.sendSms({ to: '+1', body: 'x', statusCallbackUrl: 'u', validitySec: 1 })).rejects.toMatchObject({ status: 429 });
    await provider.placeCall({ to: '+1', twimlUrl: 'u', statusCallbackUrl: 'u', ringTimeoutSec: 1, machineDetection: true });
    expect(await provider.findSent({ channel: 'sms', to: '+1', since: new Date(0), bodyIncludes: '#1' })).toEqual([{ sid: 'SM1', status: 'sent' }]);
    expect(observed.map(([, labels]) => [labels.operation, labels.outcome])).toEqual([
      ['send_sms', 'rate_limited'],
      ['place_call', 'ok'],
      ['find_sent', 'ok'],
    ]);
    expect(calls).toEqual(['classifyError']);
  });

  it('passes parsing and classification straight through', () => {
    calls.length = 0;
    expect(provider.parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'sent' })).toMatchObject({ sid: 'SM1' });
    expect(provider.parseCallStatusCallback({ CallSid: 'CA1', CallStatus: 'ringing' })).toMatchObject({ sid: 'CA1' });
    expect(provider.parseVoiceRequest({ Digits: '#' })).toEqual({ digits: '#' });
    expect(provider.classifyError(new Error('x'))).toMatchObject({ action: 'retry' });
    expect(provider.classifySmsCallback('failed', 30003)).toBeNull();
    expect(provider.classifyCallCompletion({ callStatus: 'busy' })).toBeNull();
    expect(calls).toEqual(['parseSms', 'parseCall', 'parseVoice', 'classifyError', 'classifySms', 'classifyCall']);
  });
});
