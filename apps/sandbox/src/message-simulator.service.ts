import { Inject, Injectable } from '@nestjs/common';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox.settings';
import { SandboxStateService } from './sandbox-state.service';
import type { MessageRecord, MessageStatus, NumberBehaviour } from './sandbox.types';
import { WebhookSenderService, type WebhookParams } from './webhook-sender.service';

interface StatusStep {
  status: MessageStatus;
  errorCode?: number;
}

const DEFAULT_UNDELIVERED_CODE = 30003;
const DEFAULT_FAILED_CODE = 30008;

/** `YYMMDDhhmm` in UTC, the carrier's DLR "done date". */
function rawDlrDoneDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(2, 12);
}

/**
 * The network's side of a text (TWILIO.md §2): after the number's delay it is `sent`, then `delivered`,
 * `undelivered` (ErrorCode 30003 unless the number says otherwise) or nothing more (`silent`). A `failed` text
 * never leaves the queue, so it goes straight to `failed` (ErrorCode 30008), with no `sent` — Twilio's own
 * lifecycle (queued → failed).
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
        return [{ status: 'sent' }, { status: 'delivered' }];
      case 'undelivered':
        return [{ status: 'sent' }, { status: 'undelivered', errorCode: behaviour.smsErrorCode ?? DEFAULT_UNDELIVERED_CODE }];
      case 'failed':
        return [{ status: 'failed', errorCode: behaviour.smsErrorCode ?? DEFAULT_FAILED_CODE }];
      case 'silent':
        return [{ status: 'sent' }];
    }
  }

  private async run(message: MessageRecord, behaviour: NumberBehaviour, epoch: number): Promise<void> {
    const faults = this.state.faults;
    const held: WebhookParams[] = [];
    for (const step of this.steps(behaviour)) {
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
    if (step.errorCode !== undefined) params.ErrorCode = String(step.errorCode);
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
