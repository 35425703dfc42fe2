/**
 * A Twilio REST error: the legacy v2010 body `{code, message, more_info, status}` (TWILIO.md §1.5).
 * Never `type` + `title`: twilio-node would read that as RFC-9457 and throw TwilioServiceException.
 */
export class TwilioApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  toJSON(): { code: number; message: string; more_info: string; status: number } {
    return {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.httpStatus,
    };
  }
}

export const apiError = {
  authenticate: () => new TwilioApiError(401, 20003, 'Authenticate'),
  notFound: (path: string) => new TwilioApiError(404, 20404, `The requested resource ${path} was not found`),
  tooManyRequests: () => new TwilioApiError(429, 20429, 'Too Many Requests'),
  internal: () => new TwilioApiError(500, 20500, 'An internal server error has occurred'),
  toRequired: () => new TwilioApiError(400, 21604, "A 'To' phone number is required."),
  fromRequired: () => new TwilioApiError(400, 21603, "A 'From' phone number is required."),
  bodyRequired: () => new TwilioApiError(400, 21602, 'Message body is required.'),
  bodyTooLong: () => new TwilioApiError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.'),
  invalidTo: (to: string) => new TwilioApiError(400, 21211, `The 'To' number ${to} is not a valid phone number.`),
  invalidFrom: (from: string) =>
    new TwilioApiError(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`),
  fromNotCapable: () =>
    new TwilioApiError(
      400,
      21606,
      "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination/account.",
    ),
  fromQueueFull: () => new TwilioApiError(400, 21611, "This 'From' number has exceeded the maximum number of queued messages."),
  cannotRoute: (to: string, from: string) =>
    new TwilioApiError(400, 21612, `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number: ${from} via SMS.`),
  noGeoPermission: (to: string) =>
    new TwilioApiError(400, 21408, `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`),
  unsubscribed: () => new TwilioApiError(400, 21610, 'Attempt to send to unsubscribed recipient'),
  notMobile: () => new TwilioApiError(400, 21614, "'To' number is not a valid mobile number"),
  invalidServiceSid: (sid: string) => new TwilioApiError(400, 21701, `The Messaging Service Sid ${sid} is invalid.`),
  invalidStatusCallback: () => new TwilioApiError(400, 21609, "Invalid 'StatusCallback'"),
  callToRequired: () => new TwilioApiError(400, 21201, "No 'To' number is specified"),
  callFromRequired: () => new TwilioApiError(400, 21213, "No 'From' number is specified"),
  callUrlRequired: () => new TwilioApiError(400, 21205, 'Url parameter is required.'),
  callInvalidUrl: (url: string) => new TwilioApiError(400, 21205, `Url is not a valid URL: ${url}`),
  callInvalidTo: (to: string) => new TwilioApiError(400, 21217, `Phone number ${to} does not appear to be valid`),
  callCannotReach: (to: string) => new TwilioApiError(400, 21214, `'To' phone number ${to} cannot be reached`),
  callNoGeoPermission: (to: string) =>
    new TwilioApiError(400, 21215, `Account not authorized to call ${to}. Perhaps you need to enable some international permissions.`),
  callBlocked: (to: string) => new TwilioApiError(400, 21216, `Account not allowed to call ${to}`),
  callNotInProgress: () => new TwilioApiError(400, 21220, 'Call is not in-progress. Cannot redirect.'),
  /**
   * An update's Status other than canceled/completed. Twilio documents no code of its own for this (21218 is
   * "Invalid ApplicationSid"), so the Calls resource's general code 21200 is used.
   */
  invalidCallStatus: (status: string) =>
    new TwilioApiError(400, 21200, `Invalid 'Status' ${status}: a call can only be updated to canceled or completed.`),
  invalidStatusCallbackEvent: (event: string) =>
    new TwilioApiError(400, 21626, `Invalid 'StatusCallbackEvent': ${event}`),
};
