import { attemptIdInWebhookPath, isTwilioWebhookPath, twilioWebhookPath, TwilioWebhookRoute, twilioWebhookUrl } from './webhook-paths';

const BASE = 'https://verify.example.com';
const ID = '0b7c5a8e-1234-4567-89ab-1234567890ab';

describe('Twilio webhook paths', () => {
  it.each([
    ['smsStatus', twilioWebhookUrl.smsStatus(BASE, ID), `${BASE}/webhooks/twilio/sms-status?attempt=${ID}`],
    ['callStatus', twilioWebhookUrl.callStatus(BASE, ID), `${BASE}/webhooks/twilio/call-status?attempt=${ID}`],
    ['voice', twilioWebhookUrl.voice(BASE, ID), `${BASE}/webhooks/twilio/voice/${ID}`],
    ['gather', twilioWebhookUrl.gather(BASE, ID), `${BASE}/webhooks/twilio/voice/${ID}/gather`],
    ['gather with a prompt', twilioWebhookUrl.gather(BASE, ID, 'confirm_fraud'), `${BASE}/webhooks/twilio/voice/${ID}/gather?prompt=confirm_fraud`],
  ])('%s → the URL CONTRACT.md names', (_name, built, expected) => {
    expect(built).toBe(expected);
  });

  it('escapes what it puts in a path or a query', () => {
    expect(twilioWebhookUrl.voice(BASE, 'a/b?c')).toBe(`${BASE}/webhooks/twilio/voice/a%2Fb%3Fc`);
    expect(twilioWebhookUrl.smsStatus(BASE, 'a&b')).toBe(`${BASE}/webhooks/twilio/sms-status?attempt=a%26b`);
  });

  it.each([
    [`/webhooks/twilio/voice/${ID}`, ID],
    [`/webhooks/twilio/voice/${ID}/gather?prompt=confirm_fraud`, ID],
    [`/webhooks/twilio/voice/${ID}?repeat=1`, ID],
    ['/webhooks/twilio/voice/a%2Fb', 'a/b'],
    ['/webhooks/twilio/voice/%', undefined],
    ['/webhooks/twilio/sms-status?attempt=x', undefined],
    ['/v1/challenges/x', undefined],
  ])('attemptIdInWebhookPath(%j) is %j', (url, id) => {
    expect(attemptIdInWebhookPath(url)).toBe(id);
  });

  it('knows its own paths, and only those', () => {
    for (const route of Object.values(TwilioWebhookRoute)) expect(isTwilioWebhookPath(twilioWebhookPath(route, ID))).toBe(true);
    expect(isTwilioWebhookPath('/webhooks/twilioX')).toBe(false);
    expect(isTwilioWebhookPath('/v1/challenges')).toBe(false);
  });
});
