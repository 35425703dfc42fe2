import pino from 'pino';
import { REDACTED } from './log-scrubber';
import { addLogBindings, createRedialLogger, isoTime, logContext, withLogContext } from './redial-logger';
import { flushLogLines } from './stdout-lines';

function capturedLogger(level = 'info') {
  const lines: string[] = [];
  const logger = createRedialLogger({ logLevel: level }, 'api', { write: (line: string) => void lines.push(line) });
  return { logger, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), text: () => lines.join('') };
}

describe('isoTime', () => {
  it.each([
    Date.UTC(2024, 4, 1, 12, 0, 0, 0),
    Date.UTC(2024, 4, 1, 12, 0, 0, 7),
    Date.UTC(2024, 4, 1, 12, 0, 0, 42),
    Date.UTC(2024, 4, 1, 12, 0, 0, 999),
    Date.UTC(2024, 4, 1, 12, 0, 1, 0),
    Date.UTC(2024, 11, 31, 23, 59, 59, 999),
    Date.UTC(2025, 0, 1, 0, 0, 0, 1),
    Date.UTC(2024, 4, 1, 11, 59, 59, 500), // back in time (a clock step): still right
  ])('writes %i as pino’s isoTime does', (now) => {
    expect(isoTime(now)).toBe(`,"time":"${new Date(now).toISOString()}"`);
    jest.spyOn(Date, 'now').mockReturnValueOnce(now);
    expect(isoTime(now)).toBe(pino.stdTimeFunctions.isoTime());
  });
});

describe('the Redial logger', () => {
  it('writes level, time, app and pid, then the fields, scrubbed', () => {
    const { logger, records } = capturedLogger();
    logger.info({ to: '+12015550123', count: 2 }, 'sent to +12015550123, code is 123456');
    expect(records()).toEqual([
      { level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), app: 'api', pid: process.pid, to: '+1 ••• ••• ••23', count: 2, msg: `sent to +1 ••• ••• ••23, code is ${REDACTED}` },
    ]);
  });

  it('never writes headers’ credentials, however they are logged', () => {
    const { logger, text, records } = capturedLogger();
    const headers = { authorization: 'Bearer k_secret', cookie: 'session=s3cret', 'x-twilio-signature': 'c2lnbmF0dXJl', accept: '*/*' };
    logger.info({ headers }, 'headers');
    logger.info({ request: { headers } }, 'nested');
    // A request (Fastify's, not a plain object): its method, scrubbed url and address, never its headers.
    class FastifyLikeRequest {
      method = 'POST';
      url = '/webhooks/twilio/sms-status?To=%2B12015550123&token=abc';
      ip = '203.0.113.9';
      headers = headers;
    }
    logger.info({ req: new FastifyLikeRequest() }, 'request completed');
    expect(text()).not.toMatch(/Bearer|k_secret|s3cret|c2lnbmF0dXJl/);
    expect(records()[0].headers).toEqual({ authorization: REDACTED, cookie: REDACTED, 'x-twilio-signature': REDACTED, accept: '*/*' });
    expect(records()[2].req).toEqual({ method: 'POST', url: `/webhooks/twilio/sms-status?To=%2B1 ••• ••• ••23&token=${REDACTED}`, remoteAddress: '203.0.113.9' });
  });

  it('leaves the fields it is given as they were', () => {
    const { logger } = capturedLogger();
    const fields = { to: '+12015550123', nested: { code: '123456' }, list: ['+447700900456'] };
    logger.info(fields, 'fields');
    expect(fields).toEqual({ to: '+12015550123', nested: { code: '123456' }, list: ['+447700900456'] });
  });

  it('binds a unit of work’s fields to every line inside it, and adds those learnt later (addLogBindings)', async () => {
    const { logger, records } = capturedLogger();
    await withLogContext(logger, { reqId: 'r1' }, async () => {
      logContext.getStore()?.info('before');
      await Promise.resolve();
      addLogBindings({ requestId: 'creator-1' });
      logContext.getStore()?.info('after');
    });
    // Outside a unit of work (and with the root logger current), the shared root logger is left alone.
    addLogBindings({ requestId: 'nobody' });
    logContext.run(logger, () => addLogBindings({ requestId: 'nobody' }));
    logger.info('root');
    expect(records().map((r) => [r.msg, r.reqId, r.requestId])).toEqual([
      ['before', 'r1', undefined],
      ['after', 'r1', 'creator-1'],
      ['root', undefined, undefined],
    ]);
  });

  it('writes to stdout, the lines of a moment in one write', () => {
    flushLogLines();
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => writes.push(chunk) > 0) as typeof process.stdout.write);
    try {
      const logger = createRedialLogger({ logLevel: 'info' }, 'worker');
      logger.info('one');
      logger.warn('two');
      createRedialLogger({ logLevel: 'info' }, 'sandbox').info('three');
      flushLogLines();
      expect(writes).toHaveLength(1);
      expect(writes[0].split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { app: string; msg: string }).msg)).toEqual(['one', 'two', 'three']);
    } finally {
      spy.mockRestore();
    }
  });
});
