/**
 * Twilio's callbacks into the api, declared once: the api's controller serves these routes, and the URLs the
 * worker hands Twilio (status callbacks, the call's TwiML) and the api's own TwiML (the Gather's action, the
 * Redirect) are built from the same strings. CONTRACT.md lists them under "Twilio webhooks".
 */

/** The controller's prefix: every Twilio callback is under `/webhooks/twilio/`. */
export const TWILIO_WEBHOOKS_PATH = 'webhooks/twilio';

/** The controller's routes, relative to TWILIO_WEBHOOKS_PATH (Nest route syntax). */
export const TwilioWebhookRoute = {
  SmsStatus: 'sms-status',
  CallStatus: 'call-status',
  Voice: 'voice/:attemptId',
  Gather: 'voice/:attemptId/gather',
} as const;
export type TwilioWebhookRoute = (typeof TwilioWebhookRoute)[keyof typeof TwilioWebhookRoute];

/** The query parameters Redial adds to its callback URLs. */
export const TwilioWebhookQuery = {
  /** Our attempt id on status callbacks, so a callback finds its attempt without the provider's SID. */
  Attempt: 'attempt',
  /** Which question a `<Gather>` answered (CallPrompt in libs/domain); absent for the main prompt. */
  Prompt: 'prompt',
} as const;

/** `/webhooks/twilio/<route>` with `:attemptId` filled in. */
export function twilioWebhookPath(route: TwilioWebhookRoute, attemptId = ''): string {
  return `/${TWILIO_WEBHOOKS_PATH}/${route.replace(':attemptId', encodeURIComponent(attemptId))}`;
}

/** Absolute callback URLs on `publicUrl` (PUBLIC_URL, no trailing slash): what Twilio is told to call. */
export const twilioWebhookUrl = {
  smsStatus: (publicUrl: string, attemptId: string): string =>
    `${publicUrl}${twilioWebhookPath(TwilioWebhookRoute.SmsStatus)}?${TwilioWebhookQuery.Attempt}=${encodeURIComponent(attemptId)}`,
  callStatus: (publicUrl: string, attemptId: string): string =>
    `${publicUrl}${twilioWebhookPath(TwilioWebhookRoute.CallStatus)}?${TwilioWebhookQuery.Attempt}=${encodeURIComponent(attemptId)}`,
  voice: (publicUrl: string, attemptId: string): string => `${publicUrl}${twilioWebhookPath(TwilioWebhookRoute.Voice, attemptId)}`,
  gather: (publicUrl: string, attemptId: string, prompt?: string): string =>
    `${publicUrl}${twilioWebhookPath(TwilioWebhookRoute.Gather, attemptId)}${prompt ? `?${TwilioWebhookQuery.Prompt}=${encodeURIComponent(prompt)}` : ''}`,
};

/** Whether a request path (with or without its query) is one of Twilio's callbacks. */
export function isTwilioWebhookPath(url: string): boolean {
  return url.startsWith(`/${TWILIO_WEBHOOKS_PATH}/`);
}

/** The attempt id a callback URL names in its path (`/webhooks/twilio/voice/<id>[/gather]`), if any. */
export function attemptIdInWebhookPath(url: string): string | undefined {
  const prefix = twilioWebhookPath(TwilioWebhookRoute.Voice); // `/webhooks/twilio/voice/`
  if (!url.startsWith(prefix)) return undefined;
  const id = /^[^/?#]+/.exec(url.slice(prefix.length))?.[0];
  if (id === undefined) return undefined;
  try {
    return decodeURIComponent(id);
  } catch {
    return undefined; // a malformed escape names no attempt
  }
}
