import { signTwilioRequest } from '@redial/telephony';
import { WebhookSigner } from './webhook.signer';

describe('WebhookSigner', () => {
  it('signs Twilio`s own example (TWILIO.md §4)', () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(new WebhookSigner('12345').sign('https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it.each([
    ['a status callback', 'http://127.0.0.1:3000/webhooks/twilio/sms-status?attempt=0b7f3a8e', { MessageStatus: 'delivered', AccountSid: `AC${'0'.repeat(32)}`, SmsSid: 'SM1', RawDlrDoneDate: '2611301559' }],
    ['names differing in case, and sorting by code unit', 'https://h.example/x', { b: '1', B: '2', a: '3', _: '4', Ä: '5', aa: '6' }],
    ['values with separators, spaces and non-ASCII', 'https://h.example/x?q=a%20b', { ErrorMessage: 'Unknown & = error', Body: 'Code: 123 456 — ж 😀', Empty: '' }],
    ['no params (a GET: they are in the URL)', 'https://h.example/voice?CallSid=CA1&Digits=1%232', {}],
    ['an empty token', 'https://h.example/x', { a: '1' }, ''],
  ])('matches the SDK`s signature: %s', (_case, url, params, token = 'sandbox-auth-token') => {
    expect(new WebhookSigner(token).sign(url, params)).toBe(signTwilioRequest(token, url, params));
  });
});
