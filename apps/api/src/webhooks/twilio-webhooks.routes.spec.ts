import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { twilioWebhookUrl } from '@redial/contracts';
import { TwilioWebhooksController } from './twilio-webhooks.controller';

/**
 * The URLs the worker gives Twilio and the api puts in its TwiML (libs/contracts webhook-paths.ts) are exactly
 * the routes the controller serves: every URL built lands on one POST route, and every route is built.
 */
describe('Twilio webhook routes', () => {
  const prefix = Reflect.getMetadata(PATH_METADATA, TwilioWebhooksController) as string;
  const routes = Object.getOwnPropertyNames(TwilioWebhooksController.prototype)
    .filter((name) => name !== 'constructor')
    .map((name) => {
      const handler = (TwilioWebhooksController.prototype as unknown as Record<string, object>)[name];
      const path = `/${prefix}/${Reflect.getMetadata(PATH_METADATA, handler) as string}`.replace(/\/+/g, '/');
      return { name, path, method: Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod, pattern: new RegExp(`^${path.replace(/:[A-Za-z]+/g, '[^/]+')}$`) };
    });

  const BASE = 'https://verify.example.com';
  const ID = '0b7c5a8e-1234-4567-89ab-1234567890ab';
  const built = {
    smsStatus: twilioWebhookUrl.smsStatus(BASE, ID),
    callStatus: twilioWebhookUrl.callStatus(BASE, ID),
    voice: twilioWebhookUrl.voice(BASE, ID),
    gather: twilioWebhookUrl.gather(BASE, ID),
  };

  it('serves four POST routes under /webhooks/twilio', () => {
    expect(routes.map((r) => [r.name, r.path, r.method]).sort()).toEqual(
      [
        ['callStatus', '/webhooks/twilio/call-status', RequestMethod.POST],
        ['gather', '/webhooks/twilio/voice/:attemptId/gather', RequestMethod.POST],
        ['smsStatus', '/webhooks/twilio/sms-status', RequestMethod.POST],
        ['voice', '/webhooks/twilio/voice/:attemptId', RequestMethod.POST],
      ].sort(),
    );
  });

  it.each(Object.entries(built))('the %s URL lands on the route of the same name, and only on it', (name, url) => {
    const { pathname } = new URL(url);
    expect(routes.filter((r) => r.pattern.test(pathname)).map((r) => r.name)).toEqual([name]);
  });

  it('every route is one that a builder makes', () => {
    expect(routes.map((r) => r.name).sort()).toEqual(Object.keys(built).sort());
  });

  it('a prompt and a repeat keep to the same routes', () => {
    expect(new URL(twilioWebhookUrl.gather(BASE, ID, 'confirm_fraud')).pathname).toBe(new URL(built.gather).pathname);
  });
});
