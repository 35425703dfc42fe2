import { advanceAttempt, type AttemptStatus } from '@redial/domain';
import { RestException } from 'twilio';
import {
  CODE_TABLE,
  classifyCallCompletion,
  classifyErrorCode,
  classifyProviderError,
  classifySmsCallback,
  isTextInTransit,
  type CallCompletion,
  type VerdictAction,
  TelephonyConfigurationError,
} from './outcome.classification';
import { attemptStatusFromMessage, type TwilioMessageStatus } from './status.mapping';

function restException(status: number, code?: number): RestException {
  return new RestException({ statusCode: status, body: code === undefined ? '' : { code, message: `error ${code}` } });
}

type Row = [code: number, action: VerdictAction, reason: string];

/** Every code of TWILIO.md §5 and §6, with the decision we take. */
const CODES: Row[] = [
  [20003, 'configuration', 'auth_failed'],
  [20404, 'configuration', 'not_found'],
  [20429, 'retry', 'rate_limited'],
  [20500, 'retry', 'provider_error'],
  [20503, 'retry', 'provider_error'],
  [21201, 'configuration', 'invalid_request'],
  [21205, 'configuration', 'invalid_request'],
  [21213, 'configuration', 'invalid_request'],
  [21602, 'configuration', 'invalid_request'],
  [21603, 'configuration', 'invalid_request'],
  [21604, 'configuration', 'invalid_request'],
  [21609, 'configuration', 'invalid_request'],
  [21617, 'configuration', 'invalid_request'],
  [21626, 'configuration', 'invalid_request'],
  [21211, 'fail_step', 'invalid_number'],
  [21217, 'fail_step', 'invalid_number'],
  [13224, 'fail_step', 'invalid_number'],
  [21614, 'fail_step', 'not_sms_capable'],
  [21635, 'fail_step', 'landline'],
  [21612, 'fail_step', 'unreachable'],
  [21214, 'fail_step', 'unreachable'],
  [21408, 'configuration', 'geo_blocked'],
  [21215, 'configuration', 'geo_blocked'],
  [13227, 'configuration', 'geo_blocked'],
  [21610, 'fail_step', 'opted_out'],
  [21216, 'fail_step', 'blocked'],
  [21212, 'configuration', 'invalid_sender'],
  [21606, 'configuration', 'sender_not_capable'],
  [21210, 'configuration', 'sender_not_capable'],
  [21611, 'retry', 'queue_overflow'],
  [21608, 'configuration', 'unverified_trial_number'],
  [30001, 'retry', 'queue_overflow'],
  [30002, 'configuration', 'account_suspended'],
  [30003, 'fail_step', 'unreachable'],
  [30004, 'fail_step', 'blocked'],
  [30005, 'fail_step', 'unknown_handset'],
  [30006, 'fail_step', 'landline'],
  [30007, 'fail_step', 'carrier_filtered'],
  [30008, 'fail_step', 'carrier_error'],
  [30010, 'configuration', 'max_price_exceeded'],
  [30032, 'configuration', 'unregistered_sender'],
  [30034, 'configuration', 'unregistered_sender'],
];

describe('classifyErrorCode', () => {
  it.each(CODES)('%i → %s %s', (code, action, reason) => {
    expect(classifyErrorCode(code)).toMatchObject({ action, reason, code });
  });

  it('the test table covers every row of CODE_TABLE', () => {
    expect(CODES.map(([code]) => code).sort()).toEqual(Object.keys(CODE_TABLE).map(Number).sort());
  });

  it('marks asynchronous carrier hiccups as transient even though the step fails', () => {
    expect(classifyErrorCode(30003)).toMatchObject({ action: 'fail_step', transient: true });
    expect(classifyErrorCode(30008)).toMatchObject({ action: 'fail_step', transient: true });
  });

  it('knows nothing of unknown codes', () => {
    expect(classifyErrorCode(99999)).toBeUndefined();
  });
});

describe('classifyProviderError', () => {
  const http400Codes = CODES.filter(([code]) => code !== 20003 && code !== 20429 && code !== 20500 && code !== 20503);
  it.each(http400Codes)('RestException 400 code %i → %s %s', (code, action, reason) => {
    expect(classifyProviderError(restException(400, code))).toMatchObject({ action, reason, code, httpStatus: 400 });
  });

  const byStatus: Array<[status: number, code: number | undefined, action: VerdictAction, reason: string]> = [
    [429, 20429, 'retry', 'rate_limited'],
    [429, undefined, 'retry', 'rate_limited'],
    [500, 20500, 'retry', 'provider_error'],
    [503, 20503, 'retry', 'provider_error'],
    [502, undefined, 'retry', 'provider_error'],
    [500, 21211, 'retry', 'provider_error'], // the status decides first
    [401, 20003, 'configuration', 'auth_failed'],
    [401, undefined, 'configuration', 'auth_failed'],
    [403, undefined, 'configuration', 'auth_failed'],
    [404, 20404, 'configuration', 'not_found'],
    [400, 21999, 'fail_step', 'provider_error'], // unknown 4xx
    [400, undefined, 'fail_step', 'provider_error'],
    [409, undefined, 'fail_step', 'provider_error'],
  ];
  it.each(byStatus)('RestException %i code %p → %s %s', (status, code, action, reason) => {
    expect(classifyProviderError(restException(status, code))).toMatchObject({ action, reason, httpStatus: status });
  });

  it('treats an RFC-9457 TwilioServiceException-shaped error like a RestException', () => {
    const err = { type: 'https://www.twilio.com/docs/errors/21211', title: 'Invalid', status: 400, code: 21211 };
    expect(classifyProviderError(err)).toMatchObject({ action: 'fail_step', reason: 'invalid_number' });
  });

  const network: Array<[code: string, ambiguous: boolean]> = [
    ['ECONNREFUSED', false],
    ['ENOTFOUND', false],
    ['EAI_AGAIN', false],
    ['EHOSTUNREACH', false],
    ['ECONNRESET', true],
    ['ECONNABORTED', true],
    ['ETIMEDOUT', true],
    ['EPIPE', true],
    ['ESOMETHINGNEW', true],
  ];
  it.each(network)('network error %s → retry network_error (ambiguous %p)', (code, ambiguous) => {
    const err = Object.assign(new Error(`connect ${code}`), { code, isAxiosError: true });
    const outcome = classifyProviderError(err);
    expect(outcome).toMatchObject({ action: 'retry', reason: 'network_error', transient: true });
    expect(outcome.ambiguous === true).toBe(ambiguous);
  });

  it('reads an axios error that carries a response', () => {
    const err = { code: 'ERR_BAD_REQUEST', response: { status: 400, data: { code: 21211 } } };
    expect(classifyProviderError(err)).toMatchObject({ action: 'fail_step', reason: 'invalid_number' });
  });

  it('sends our own configuration errors to the operators', () => {
    expect(classifyProviderError(new TelephonyConfigurationError('no caller id'))).toEqual({
      action: 'configuration',
      reason: 'invalid_sender',
    });
  });

  it.each([[new Error('boom')], ['a string'], [undefined], [null]])('retries the unknown %p', (err) => {
    expect(classifyProviderError(err)).toMatchObject({ action: 'retry', reason: 'provider_error' });
  });
});

describe('classifySmsCallback', () => {
  const rows: Array<[status: string, errorCode: string | number | undefined, expected: object | null]> = [
    ['queued', undefined, null],
    ['sending', undefined, null],
    ['sent', undefined, null],
    ['delivered', undefined, null],
    ['read', undefined, null],
    ['undelivered', '30003', { action: 'fail_step', reason: 'unreachable', code: 30003, transient: true }],
    ['undelivered', 30005, { action: 'fail_step', reason: 'unknown_handset', code: 30005 }],
    ['undelivered', '30006', { action: 'fail_step', reason: 'landline' }],
    ['undelivered', '30007', { action: 'fail_step', reason: 'carrier_filtered' }],
    ['undelivered', '30004', { action: 'fail_step', reason: 'blocked' }],
    ['failed', '30008', { action: 'fail_step', reason: 'carrier_error', code: 30008 }],
    ['failed', '30001', { action: 'retry', reason: 'queue_overflow' }],
    ['failed', '30002', { action: 'configuration', reason: 'account_suspended' }],
    ['failed', '30034', { action: 'configuration', reason: 'unregistered_sender' }],
    ['failed', '21610', { action: 'fail_step', reason: 'opted_out' }], // async via a Messaging Service
    ['failed', '21408', { action: 'configuration', reason: 'geo_blocked' }],
    ['undelivered', '39999', { action: 'fail_step', reason: 'undelivered', code: 39999 }],
    ['undelivered', undefined, { action: 'fail_step', reason: 'undelivered' }],
    ['failed', '', { action: 'fail_step', reason: 'undelivered' }],
    ['canceled', undefined, { action: 'fail_step', reason: 'canceled' }],
  ];
  it.each(rows)('%s (ErrorCode %p) → %p', (status, errorCode, expected) => {
    const outcome = classifySmsCallback(status, errorCode);
    if (expected === null) expect(outcome).toBeNull();
    else expect(outcome).toMatchObject(expected);
  });
});

describe('isTextInTransit (a message status callback that cannot change the challenge)', () => {
  /** Every MessageStatus Twilio sends about an outbound text (TWILIO.md §2), as our status, and the rule's answer. */
  const rows: Array<[twilio: TwilioMessageStatus, ours: AttemptStatus, inTransit: boolean]> = [
    ['accepted', 'queued', true],
    ['scheduled', 'queued', true],
    ['queued', 'queued', true],
    ['sending', 'sending', true],
    ['sent', 'sent', true],
    ['delivered', 'delivered', false],
    ['read', 'delivered', false],
    ['partially_delivered', 'delivered', false],
    ['undelivered', 'undelivered', false],
    ['failed', 'failed', false],
    ['canceled', 'canceled', false],
  ];
  it.each(rows)('%s (ours: %s) → %p', (twilio, ours, inTransit) => {
    expect(attemptStatusFromMessage(twilio)).toBe(ours);
    expect(isTextInTransit(ours)).toBe(inTransit);
  });

  it.each(rows.filter(([, , inTransit]) => inTransit))('%s: no failure whatever the ErrorCode, and only the status and its rank move', (twilio, ours) => {
    for (const code of [undefined, '30003', '30008', '21610']) expect(classifySmsCallback(twilio, code)).toBeNull();
    expect(advanceAttempt({ statusRank: -1 }, ours, new Date())).toEqual({ status: ours, statusRank: expect.any(Number) });
  });

  it.each(rows.filter(([, , inTransit]) => !inTransit))('%s changes the challenge: delivered, or a failure', (twilio, ours) => {
    expect(ours === 'delivered' || classifySmsCallback(twilio) !== null).toBe(true);
  });

  it("a call's statuses never qualify", () => {
    for (const status of ['ringing', 'answered', 'completed', 'busy', 'no_answer'] as const) expect(isTextInTransit(status)).toBe(false);
  });
});

describe('classifyCallCompletion', () => {
  const rows: Array<[CallCompletion, object | null]> = [
    [{ callStatus: 'busy' }, { action: 'fail_step', reason: 'busy' }],
    [{ callStatus: 'no-answer' }, { action: 'fail_step', reason: 'no_answer' }],
    [{ callStatus: 'canceled' }, { action: 'fail_step', reason: 'canceled' }],
    [{ callStatus: 'failed' }, { action: 'fail_step', reason: 'call_failed' }],
    [{ callStatus: 'failed', sipResponseCode: '404' }, { action: 'fail_step', reason: 'invalid_number' }],
    [{ callStatus: 'failed', sipResponseCode: 484 }, { action: 'fail_step', reason: 'invalid_number' }],
    [{ callStatus: 'failed', sipResponseCode: '486' }, { action: 'fail_step', reason: 'busy' }],
    [{ callStatus: 'failed', sipResponseCode: '603' }, { action: 'fail_step', reason: 'blocked' }],
    [{ callStatus: 'failed', sipResponseCode: '480' }, { action: 'retry', reason: 'call_failed' }],
    [{ callStatus: 'failed', sipResponseCode: '503' }, { action: 'retry', reason: 'call_failed' }],
    [{ callStatus: 'failed', sipResponseCode: '415' }, { action: 'fail_step', reason: 'call_failed' }],
    [{ callStatus: 'completed', answeredBy: 'machine_start' }, { action: 'fail_step', reason: 'voicemail' }],
    [{ callStatus: 'completed', answeredBy: 'machine_end_beep' }, { action: 'fail_step', reason: 'voicemail' }],
    [{ callStatus: 'completed', answeredBy: 'fax' }, { action: 'fail_step', reason: 'voicemail' }],
    [{ callStatus: 'completed', answeredBy: 'machine_start', digits: '' }, { action: 'fail_step', reason: 'voicemail' }],
    [{ callStatus: 'completed', answeredBy: 'human' }, { action: 'fail_step', reason: 'no_answer' }],
    [{ callStatus: 'completed' }, { action: 'fail_step', reason: 'no_answer' }],
    [{ callStatus: 'completed', answeredBy: 'human', digits: '' }, null],
    [{ callStatus: 'completed', digits: '0' }, null],
    [{ callStatus: 'completed', answeredBy: 'unknown', digits: '' }, null],
    [{ callStatus: 'weird' }, { action: 'fail_step', reason: 'call_failed' }],
  ];
  it.each(rows)('%p → %p', (completion, expected) => {
    const outcome = classifyCallCompletion(completion);
    if (expected === null) expect(outcome).toBeNull();
    else expect(outcome).toMatchObject(expected);
  });
});
