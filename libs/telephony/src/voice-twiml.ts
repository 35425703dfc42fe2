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
    'This is Redial, confirming this phone number for your account. Press the pound key to approve. ' +
    'If you did not ask for this, press zero, then pound.',
};

export function promptText(purpose: PromptPurpose = 'sign_in'): string {
  return PROMPTS[purpose];
}

/**
 * The verification call: the prompt inside a DTMF `<Gather>` that takes ONE key, with the finish key disabled
 * (`finishOnKey=""`, `numDigits="1"`), then a Redirect for the no-input case.
 *
 * Why not `finishOnKey="#"`: under Twilio's documented rules a Gather ended by its finish key with no digits
 * before it ("only #") is "no input": nothing is posted to `action` and execution falls through to the next
 * verb — so a person pressing exactly `#` would never be heard. With the finish key disabled, `#` is an
 * ordinary digit, and `numDigits="1"` submits it the moment it is pressed. `0` then `#` (fraud) arrives as two
 * answers; the `0` is answered with buildFraudConfirmTwiml. Not `actionOnEmptyResult`: it would make `#` and
 * silence look alike (Digits empty in both), told apart only by `FinishedOnKey`, which Twilio does not document.
 */
export function buildPromptTwiml(options: PromptTwimlOptions): string {
  return listenForOneKey(options.gatherActionUrl, promptText(options.purpose), options.redirectUrl);
}

export interface FraudConfirmTwimlOptions {
  /** Absolute URL the confirming key is posted to (the gather URL, naming the confirm_fraud prompt). */
  gatherActionUrl: string;
  /** Reached when no key follows the `0`: back to the verification prompt (it counts as a prompt played). */
  redirectUrl: string;
}

export const FRAUD_CONFIRM_TEXT = 'To report that you did not try to sign in, press pound. Otherwise, stay on the line.';

/** After `0`: one more key, `#`, confirms the fraud report; anything else returns to the prompt. */
export function buildFraudConfirmTwiml(options: FraudConfirmTwimlOptions): string {
  return listenForOneKey(options.gatherActionUrl, FRAUD_CONFIRM_TEXT, options.redirectUrl);
}

function listenForOneKey(actionUrl: string, text: string, redirectUrl: string): string {
  const response = new twiml.VoiceResponse();
  const gather = response.gather({
    input: ['dtmf'],
    finishOnKey: '',
    numDigits: 1,
    timeout: GATHER_TIMEOUT_SEC,
    action: actionUrl,
    method: 'POST',
  });
  gather.say(text);
  response.redirect({ method: 'POST' }, redirectUrl);
  return response.toString();
}

/** Says `text`, then hangs up. */
export function buildGoodbyeTwiml(text: string): string {
  const response = new twiml.VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}
