import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { geoVerdict } from '@redial/domain';
import type { SendCheck, SendContext, SendRefusal } from './send-guard';

/**
 * Geo permissions at send time: a phone saved before the allowed countries were narrowed is refused before
 * anything is sent, its step fails with `geo_blocked` and the challenge fails over. (Number types are judged at
 * save time, where the line type is known; premium-rate numbers never get saved at all.)
 */
@Injectable()
export class GeoSendCheck implements SendCheck {
  readonly name = 'geo';

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  check(ctx: SendContext): SendRefusal | null {
    // The configuration object is read at every send, so a policy change applies to the next send.
    const verdict = geoVerdict({ country: ctx.country, method: ctx.method }, this.config.geo);
    if (verdict.allowed) return null;
    return { reason: 'geo_blocked', detail: `${ctx.method === 'sms' ? 'texts' : 'calls'} to ${ctx.country} are not allowed` };
  }
}
