import { Inject, Injectable } from '@nestjs/common';
import { carrierErrorMessage, failsInQueue } from './carrier-error.rules';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import type { MessageRecord, MessageStatus, NumberBehaviour } from './sandbox.types';
import { rawDlrDoneDate } from './twilio-resource.serializer';
import { WebhookSenderService, type WebhookParams } from './webhook-sender.service';

interface StatusStep {
  status: MessageStatus;
  errorCode?: number;
}

const QUEUED: StatusStep = { status: 'queued' };
const SENDING: StatusStep = { status: 'sending' };
const SENT: StatusStep = { status: 'sent' };

const DEFAULT_UNDELIVERED_CODE = 30003;
const DEFAULT_FAILED_CODE = 30008;

/**
 * The network's side of a text (TWILIO.md §2): after the number's delay it is `sending`, then `sent`, then
 * `delivered`, `undelivered` (ErrorCode 30003 unless the number says otherwise) or nothing more (`silent`).
 * A `failed` text (ErrorCode 30008 by default) fails while sending (`sending → failed`), or, for the codes that
 * mean it never left the queue (carrier-error.rules.ts), straight from `queued`. No callback is sent for the
 * status the create answered with (`queued`, or `accepted` through a Messaging Service, which is then followed by
 * `queued`). `ErrorMessage` carries Twilio's title of the code.
 */
@Injectable()
export class MessageSimulatorService {
  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly state: SandboxStateService,
    private readonly sender: WebhookSenderService,
  ) {}

  start(message: MessageRecord, behaviour: NumberBehaviour): void {
    const epoch = this.state.epoch;
    this.state.setTimer(behaviour.delayMs, () => {
      void this.run(message, behaviour, epoch);
    });
  }

  private steps(behaviour: NumberBehaviour): StatusStep[] {
    switch (behaviour.sms) {
      case 'deliver':
        return [SENDING, SENT, { status: 'delivered' }];
      case 'undelivered':
        return [SENDING, SENT, { status: 'undelivered', errorCode: behaviour.smsErrorCode ?? DEFAULT_UNDELIVERED_CODE }];
      case 'failed': {
        const errorCode = behaviour.smsErrorCode ?? DEFAULT_FAILED_CODE;
        return failsInQueue(errorCode) ? [{ status: 'failed', errorCode }] : [SENDING, { status: 'failed', errorCode }];
      }
      case 'silent':
        return [SENDING, SENT];
    }
  }

  private async run(message: MessageRecord, behaviour: NumberBehaviour, epoch: number): Promise<void> {
    const faults = this.state.faults;
    const held: WebhookParams[] = [];
    // Through a Messaging Service the create answered `accepted`; `queued` is then news worth a callback.
    const steps = message.status === 'accepted' ? [QUEUED, ...this.steps(behaviour)] : this.steps(behaviour);
    for (const step of steps) {
      if (this.state.epoch !== epoch) return;
      const now = new Date();
      message.status = step.status;
      message.updatedAt = now;
      if (step.status === 'sent') message.sentAt = now;
      if (step.errorCode !== undefined) message.errorCode = step.errorCode;
      if (message.statusCallback === null) continue;
      const params = this.params(message, step, now);
      // Reordering holds every callback back and sends them newest first once the text is settled.
      if (faults.reorderCallbacks) held.push(params);
      else await this.send(message, params);
    }
    for (const params of held.reverse()) {
      if (this.state.epoch !== epoch) return;
      await this.send(message, params);
    }
  }

  private params(message: MessageRecord, step: StatusStep, now: Date): WebhookParams {
    const params: WebhookParams = {
      AccountSid: this.settings.accountSid,
      ApiVersion: '2010-04-01',
      From: message.from,
      To: message.to,
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: step.status,
      SmsStatus: step.status,
    };
    if (message.messagingServiceSid !== null) params.MessagingServiceSid = message.messagingServiceSid;
    if (step.errorCode !== undefined) {
      params.ErrorCode = String(step.errorCode);
      const title = carrierErrorMessage(step.errorCode);
      if (title !== null) params.ErrorMessage = title;
    }
    if (step.status === 'delivered' || step.status === 'undelivered') params.RawDlrDoneDate = rawDlrDoneDate(now);
    return params;
  }

  private async send(message: MessageRecord, params: WebhookParams): Promise<void> {
    const url = message.statusCallback;
    if (url === null) return;
    const callback = {
      url,
      method: 'POST' as const,
      params,
      label: `${message.sid} ${params.MessageStatus}`,
      idempotencyToken: WebhookSenderService.newIdempotencyToken(message.sid),
    };
    await this.sender.statusCallback(callback);
    // A duplicate is the same delivery made twice, with the same idempotency token.
    if (this.settings.random() < this.state.faults.duplicateCallbacks) await this.sender.statusCallback(callback);
  }
}
