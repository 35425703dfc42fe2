/**
 * What the keys pressed on a verification call mean. The call listens for ONE key at a time (a `<Gather>` with
 * `finishOnKey=""` and `numDigits="1"`, see libs/telephony voice-twiml.ts), because under Twilio's documented
 * `<Gather>` rules a lone finish key never reaches the action URL: `#` must be an ordinary digit to be heard.
 * So `0#` arrives as two answers: `0` (the first prompt), then `#` (the fraud confirmation prompt).
 */

/** Which prompt the key answers: the verification prompt, or the "press # to report fraud" that follows a `0`. */
export enum CallPrompt {
  Verify = 'verify',
  ConfirmFraud = 'confirm_fraud',
}

export enum CallKeyVerdict {
  /** `#` at the verification prompt. */
  Approve = 'approve',
  /** `0` at the verification prompt: ask for `#` to confirm the fraud report. */
  AskFraudConfirmation = 'ask_fraud_confirmation',
  /** `#` after `0`: the person did not try to sign in. */
  ReportFraud = 'report_fraud',
  /** Anything else (or nothing): play the verification prompt again, within the prompt limit. */
  Repeat = 'repeat',
}

export function readCallKeys(prompt: CallPrompt, digits: string): CallKeyVerdict {
  const keys = digits.trim();
  if (prompt === CallPrompt.ConfirmFraud) return keys === '#' ? CallKeyVerdict.ReportFraud : CallKeyVerdict.Repeat;
  if (keys === '#') return CallKeyVerdict.Approve;
  // `0#` in one answer cannot happen with numDigits=1, but a provider that buffers keys may send it: it means the same.
  if (keys === '0#') return CallKeyVerdict.ReportFraud;
  if (keys === '0') return CallKeyVerdict.AskFraudConfirmation;
  return CallKeyVerdict.Repeat;
}

/** The prompt named by a gather action URL's `prompt` query value; anything unknown is the verification prompt. */
export function callPromptOf(value: string | undefined): CallPrompt {
  return value === CallPrompt.ConfirmFraud ? CallPrompt.ConfirmFraud : CallPrompt.Verify;
}
