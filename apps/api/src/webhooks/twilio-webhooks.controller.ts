import { Body, Controller, Header, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { TWILIO_WEBHOOKS_PATH, TwilioWebhookQuery, TwilioWebhookRoute } from '@redial/contracts';
import type { TwilioParams } from '@redial/telephony';
import { Auth } from '../common/auth.guard';
import { TwilioSignatureGuard } from './twilio-signature.guard';
import { TwilioWebhooksService } from './twilio-webhooks.service';

/** Twilio's callbacks. Every route is signature-checked; answers are empty (status) or TwiML (voice). */
@Controller(TWILIO_WEBHOOKS_PATH)
@Auth('public')
@UseGuards(TwilioSignatureGuard)
export class TwilioWebhooksController {
  constructor(private readonly webhooks: TwilioWebhooksService) {}

  @Post(TwilioWebhookRoute.SmsStatus)
  @HttpCode(200)
  async smsStatus(@Body() body: TwilioParams, @Query(TwilioWebhookQuery.Attempt) attempt?: string): Promise<string> {
    await this.webhooks.smsStatus(body ?? {}, attempt);
    return '';
  }

  @Post(TwilioWebhookRoute.CallStatus)
  @HttpCode(200)
  async callStatus(@Body() body: TwilioParams, @Query(TwilioWebhookQuery.Attempt) attempt?: string): Promise<string> {
    await this.webhooks.callStatus(body ?? {}, attempt);
    return '';
  }

  @Post(TwilioWebhookRoute.Voice)
  @HttpCode(200)
  @Header('Content-Type', 'text/xml')
  voice(@Param('attemptId') attemptId: string, @Body() body: TwilioParams): Promise<string> {
    return this.webhooks.voice(attemptId, body ?? {});
  }

  @Post(TwilioWebhookRoute.Gather)
  @HttpCode(200)
  @Header('Content-Type', 'text/xml')
  gather(@Param('attemptId') attemptId: string, @Body() body: TwilioParams, @Query(TwilioWebhookQuery.Prompt) prompt?: string): Promise<string> {
    return this.webhooks.gather(attemptId, body ?? {}, prompt);
  }
}
