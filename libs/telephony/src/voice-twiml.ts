import { twiml } from 'twilio';

export type PromptPurpose = 'sign_in' | 'settings';

export interface PromptTwimlOptions {
  /** Absolute URL the Gather posts the pressed keys to. */
  gatherActionUrl: string;
  /** Reached only when the Gather ends with no input: the api repeats the prompt once or gives up there. */
  redirectUrl: string;
  purpose?: PromptPurpose;
}

/** Seconds of silence after the prompt before the Gather gives up and execution falls to the Redirect. */
export const GATHER_TIMEOUT_SEC = 8;

/** Both prompts read in well under 20 seconds (about 30 words at 2.5 words a second). */
const PROMPTS: Record<PromptPurpose, string> = {
  sign_in:
    'This is Redial with your sign-in verification. Press the pound key to approve. ' +
    'If you did not try to sign in, press zero, then pound.',
  settings:
    'This is Redial, confirming the new phone number for your account. Press the pound key to approve. ' +
    'If you did not ask for this, press zero, then pound.',
};

export function promptText(purpose: PromptPurpose = 'sign_in'): string {
  return PROMPTS[purpose];
}

/**
 * The verification call: a DTMF Gather ended by `#` (numDigits is deliberately unset so that `#` alone and
 * `0#` both end input), with the prompt inside it, then a Redirect for the no-input case.
 */
export function buildPromptTwiml(options: PromptTwimlOptions): string {
  const response = new twiml.VoiceResponse();
  const gather = response.gather({
    input: ['dtmf'],
    finishOnKey: '#',
    timeout: GATHER_TIMEOUT_SEC,
    action: options.gatherActionUrl,
    method: 'POST',
  });
  gather.say(promptText(options.purpose));
  response.redirect({ method: 'POST' }, options.redirectUrl);
  return response.toString();
}

/** Says `text`, then hangs up. */
export function buildGoodbyeTwiml(text: string): string {
  const response = new twiml.VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}
