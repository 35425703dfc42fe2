import { parseCallStatusCallback, parseSmsStatusCallback } from './status-callback.parser';

describe('status callback parsing', () => {
  it('reads a message callback, with the legacy aliases as fallback', () => {
    expect(parseSmsStatusCallback({ MessageSid: 'SM1', MessageStatus: 'undelivered', ErrorCode: '30003' })).toEqual({
      sid: 'SM1',
      twilioStatus: 'undelivered',
      status: 'undelivered',
      errorCode: 30003,
    });
    expect(parseSmsStatusCallback({ SmsSid: 'SM2', SmsStatus: 'sent' })).toEqual({
      sid: 'SM2',
      twilioStatus: 'sent',
      status: 'sent',
    });
    expect(parseSmsStatusCallback({ MessageStatus: 'sent' })).toBeNull();
  });

  it('reads a call callback', () => {
    expect(
      parseCallStatusCallback({
        CallSid: 'CA1',
        CallStatus: 'completed',
        SequenceNumber: '3',
        AnsweredBy: 'machine_start',
        CallDuration: '12',
        SipResponseCode: '200',
      }),
    ).toEqual({
      sid: 'CA1',
      twilioStatus: 'completed',
      status: 'completed',
      sequenceNumber: 3,
      answeredBy: 'machine_start',
      callDuration: 12,
      sipResponseCode: 200,
    });
    expect(parseCallStatusCallback({ CallSid: 'CA1' })).toBeNull();
  });
});
