import { isFinalAttemptStatus, rankOf, type AttemptStatus } from '@redial/domain';

/**
 * Twilio's message and call statuses mapped to ours, in one switch (TWILIO.md §2 and §3.1).
 * Callbacks arrive out of order and twice: apply a new status only when its rank is higher than the stored one
 * (`rankOf(next) > rankOf(current)`), so state never moves backwards and the first final status wins.
 */

// Our statuses and their forward-only order are domain rules; re-exported here for the mapping's users.
export { isFinalAttemptStatus, isStatusAdvance, rankOf, type AttemptStatus } from '@redial/domain';

export type TwilioMessageStatus =
  | 'accepted'
  | 'scheduled'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'read'
  | 'partially_delivered'
  | 'canceled'
  | 'receiving'
  | 'received';

export type TwilioCallStatus =
  | 'queued'
  | 'initiated'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'no-answer'
  | 'failed'
  | 'canceled';

/** The one switch. Message and call vocabularies overlap only where they mean the same thing. */
function fromTwilioStatus(status: string): AttemptStatus | undefined {
  switch (status) {
    case 'accepted': // a Messaging Service is picking a sender
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'sending':
    case 'initiated': // the call is being dialled: handed to the network, like `sending`
      return 'sending';
    case 'sent':
      return 'sent';
    case 'ringing':
      return 'ringing';
    case 'in-progress':
      return 'answered';
    case 'delivered':
    case 'read': // a read receipt implies delivery
    case 'partially_delivered': // rare; delivered with a warning
      return 'delivered';
    case 'undelivered':
      return 'undelivered';
    case 'failed':
      return 'failed';
    case 'completed':
      return 'completed';
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'canceled':
      return 'canceled';
    default:
      return undefined; // `receiving`/`received` are inbound; anything new is ignored rather than guessed
  }
}

/** Our status for a Twilio MessageStatus, or undefined for statuses that do not concern an outbound attempt. */
export function attemptStatusFromMessage(status: TwilioMessageStatus | string): AttemptStatus | undefined {
  return fromTwilioStatus(status);
}

/** Our status for a Twilio CallStatus (including the callback-only `initiated`). */
export function attemptStatusFromCall(callStatus: TwilioCallStatus | string): AttemptStatus | undefined {
  return fromTwilioStatus(callStatus);
}

/**
 * How to end the call of an attempt at `status` (TWILIO.md; Twilio's Call update): `canceled` while it is
 * queued or ringing, `completed` once answered (`canceled` does not touch an answered call); null when the
 * call has already ended.
 */
export function endCallStatusFor(status: AttemptStatus): 'canceled' | 'completed' | null {
  if (isFinalAttemptStatus(status)) return null;
  return rankOf(status) >= rankOf('answered') ? 'completed' : 'canceled';
}
