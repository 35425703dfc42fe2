/**
 * A request refused by an abuse or cost control. The api answers it in the contract's error shape:
 * `{error, message, field?}`, plus `retryAfter` (seconds) and `limit` (the limit's name) with a `Retry-After`
 * header when waiting helps (CONTRACT.md additions: `429 rate_limited`, `409/429 spend_cap_reached`,
 * `400 geo_blocked`, `400 premium_rate_not_allowed`, `destination_suspended`).
 */
export class RequestRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { field?: string; retryAfterSec?: number; limit?: string } = {},
  ) {
    super(message);
    this.name = 'RequestRefusedError';
  }

  static rateLimited(limit: string, retryAfterSec: number, message: string): RequestRefusedError {
    return new RequestRefusedError(429, 'rate_limited', message, { limit, retryAfterSec: Math.max(1, Math.ceil(retryAfterSec)) });
  }
}
