import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@redial/config';
import { countSmsSegments } from '@redial/domain';
import { billedMinutes, Channel, CostEstimate, costOf, loadPriceTable, PriceTable } from './price.table';

/** A call is estimated at this many started minutes when placed (a verification call rarely lasts longer). */
export const CALL_MINUTES_ESTIMATE = 1;

/**
 * What a send is estimated to cost, from the price table (prices.default.json or PRICES_FILE, read once at
 * start-up: a malformed file stops the app there). Texts by their segments, calls by started minutes —
 * estimated when placed, and corrected from the call's duration when it ends.
 */
@Injectable()
export class CostEstimator {
  readonly table: PriceTable;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.table = loadPriceTable(config.spend.pricesFile);
  }

  /** A text with this body, or a call (`body` undefined), to `country`. */
  estimate(channel: Channel, country: string, body?: string): CostEstimate {
    return costOf(this.table, country, channel, channel === 'sms' ? countSmsSegments(body ?? '') : CALL_MINUTES_ESTIMATE);
  }

  /** A call's cost once its duration is known (0 when it was never answered). */
  callCost(country: string, durationSec: number): CostEstimate {
    return costOf(this.table, country, 'call', billedMinutes(durationSec));
  }
}
