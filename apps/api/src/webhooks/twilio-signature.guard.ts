import { CanActivate, ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { TwilioParams, verifyTwilioSignature } from '@redial/telephony';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';

/**
 * Refuses any webhook without a valid X-Twilio-Signature. The signed URL is rebuilt from PUBLIC_URL (what
 * Twilio was told to call) plus the path and query exactly as received, so it works behind a proxy.
 */
@Injectable()
export class TwilioSignatureGuard implements CanActivate {
  private readonly logger = new Logger('TwilioWebhook');
  static failures = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers['x-twilio-signature'];
    const signature = Array.isArray(header) ? header[0] : header;
    const url = `${this.config.publicUrl}${request.url}`;
    const params = (request.body ?? {}) as TwilioParams;
    if (signature && typeof params === 'object' && verifyTwilioSignature(this.config.twilio.authToken, signature, url, params)) return true;
    TwilioSignatureGuard.failures++;
    this.logger.warn(`refused webhook ${request.method} ${request.url.split('?')[0]}: ${signature ? 'bad' : 'missing'} X-Twilio-Signature`);
    throw new ApiError(403, 'invalid_signature', 'The X-Twilio-Signature header is missing or does not match this request.');
  }
}
