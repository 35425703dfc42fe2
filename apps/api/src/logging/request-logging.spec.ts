import { requestLogLevel } from './request-logging';

describe('request log level', () => {
  it.each([
    // polling: the status page, API clients, probes, scrapes, the ops dashboard, the phone simulator
    ['GET', '/v1/challenges/0b7c5a8e-1234-4567-89ab-1234567890ab', 200, 'debug'],
    ['GET', '/v1/challenges/0b7c5a8e?token=abc', 200, 'debug'],
    ['GET', '/v1/challenges/unknown', 404, 'debug'],
    ['GET', '/health', 200, 'debug'],
    ['GET', '/health', 503, 'error'],
    ['HEAD', '/health', 200, 'debug'],
    ['GET', '/metrics', 200, 'debug'],
    ['GET', '/v1/ops/stats', 200, 'debug'],
    ['GET', '/v1/ops/alerts', 200, 'debug'],
    ['GET', '/sandbox/numbers', 200, 'debug'],
    ['GET', '/sandbox/inbox/%2B12015550123', 200, 'debug'],
    // the work: info, refused requests warn, our failures error
    ['POST', '/v1/challenges', 201, 'info'],
    ['POST', '/v1/challenges/0b7c5a8e/check', 200, 'info'],
    ['POST', '/v1/challenges/0b7c5a8e/advance', 200, 'info'],
    ['GET', '/v1/ops/challenges', 200, 'info'],
    ['GET', '/v1/users/u1/phones', 200, 'info'],
    ['PUT', '/v1/users/u1/phones', 400, 'warn'],
    ['POST', '/webhooks/twilio/sms-status', 200, 'info'],
    ['POST', '/webhooks/twilio/sms-status', 403, 'warn'],
    ['GET', '/healthz', 404, 'warn'],
    ['POST', '/v1/challenges', 500, 'error'],
  ])('%s %s → %i is logged at %s', (method, url, status, level) => {
    expect(requestLogLevel(method, url, status)).toBe(level);
  });
});
