import { ChallengeRepository } from '@redial/database';
import { eventually, inbox, latestCode, registerVerified, setNumber, signIn, waitForStatus } from './support/flows';
import { captureJsonLogLines } from './support/log-capture';
import { startStack, Stack } from './support/stack';

/**
 * The logs of a full run (api, worker, webhooks at LOG_LEVEL=trace), captured from stdout: structured JSON,
 * one request id from API call to job to callback, and never a verification code, a full phone number or a
 * credential.
 */
describe('structured logs', () => {
  let stack: Stack;
  let lines: string[] = [];
  let capture: ReturnType<typeof captureJsonLogLines> | undefined;
  let n = 0;
  const phone = () => `+1201555${String(4000 + n++).padStart(4, '0')}`;
  const numbers: string[] = [];
  const codes: string[] = [];
  /** The attempt of a text that was not delivered (its callback failed the step over to a backup). */
  let lostAttempt = '';

  beforeAll(async () => {
    capture = captureJsonLogLines();
    lines = capture.lines;
    stack = await startStack({ sandbox: true, worker: true, env: { LOG_LEVEL: 'trace', CALLS_PER_SECOND: '100' } });
  });
  afterAll(async () => {
    await stack?.close();
    capture?.restore();
  });

  async function codeAfter(e164: string, before: number): Promise<string> {
    const code = await latestCode(stack, e164, before);
    codes.push(code);
    return code;
  }

  it('runs a full verification story with logs on', async () => {
    // A text user: verification, then a sign-in with a wrong code first, then the right one.
    const text = phone();
    numbers.push(text);
    const saved = await stack.request('PUT', '/v1/users/log-sms/phones', { primary: { number: text, method: 'sms' } });
    expect(saved.status).toBe(200);
    const verifyCode = await codeAfter(text, 0);
    expect((await stack.request('POST', `/v1/challenges/${saved.body.verification.challengeId}/check`, { code: verifyCode })).body.status).toBe('approved');

    const before = (await inbox(stack, text)).messages.length;
    const traced = await stack.request('POST', '/v1/challenges', { userId: 'log-sms' }, { ...stack.auth, 'x-request-id': 'ops-log-trace-1' });
    expect(traced.status).toBe(201);
    expect(traced.headers.get('x-request-id')).toBe('ops-log-trace-1');
    const code = await codeAfter(text, before);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await stack.request('POST', `/v1/challenges/${traced.body.id}/check`, { code: wrong })).body.status).toBe('pending');
    expect((await stack.request('POST', `/v1/challenges/${traced.body.id}/check`, { code })).body.status).toBe('approved');

    // A call user whose primary is busy: failover to the backup text.
    const call = phone();
    const backup = phone();
    numbers.push(call, backup);
    await registerVerified(stack, 'log-call', { number: call, method: 'call' }, [{ number: backup, method: 'sms' }]);
    await setNumber(stack, call, { voice: 'busy' });
    const c = await signIn(stack, 'log-call');
    const backupCode = await codeAfter(backup, 0);
    expect((await stack.request('POST', `/v1/challenges/${c.id}/check`, { code: backupCode })).body.status).toBe('approved');

    // A text that is not delivered fails over to a backup text: its callback is decided on the challenge as read,
    // then again under the lock (it starts the backup's attempt) — one request id on its lines all the same.
    const lost = phone();
    const spare = phone();
    numbers.push(lost, spare);
    await registerVerified(stack, 'log-lost', { number: lost, method: 'sms' }, [{ number: spare, method: 'sms' }]);
    await setNumber(stack, lost, { sms: 'undelivered' });
    const failedOver = await stack.request('POST', '/v1/challenges', { userId: 'log-lost' }, { ...stack.auth, 'x-request-id': 'ops-log-trace-2' });
    expect(failedOver.status).toBe(201);
    const spareCode = await codeAfter(spare, 0);
    expect((await stack.request('POST', `/v1/challenges/${failedOver.body.id}/check`, { code: spareCode })).body.status).toBe('approved');
    lostAttempt = (await stack.api.get(ChallengeRepository).find(failedOver.body.id))!.attempts.find((a) => a.stepIndex === 0)!.id;
    const answered = () => lines.filter((l) => l.includes('"request completed"') && l.includes(`sms-status?attempt=${lostAttempt}`));
    await eventually("the lost text's callbacks answered (sending, sent, undelivered)", async () => answered().length >= 3);

    // A refused provider request (magic number: invalid) and an operator opening the queue board by ?token=.
    numbers.push('+15005550001');
    const invalid = await stack.request('PUT', '/v1/users/log-bad/phones', { primary: { number: '+15005550001', method: 'sms' } });
    if (invalid.status === 200) await waitForStatus(stack, invalid.body.verification.challengeId, 'failed');
    await fetch(`${stack.apiUrl}/ops/queues?token=${encodeURIComponent(stack.config.operatorToken)}`, { redirect: 'manual' });
    await stack.request('GET', '/v1/ops/stats', undefined, { authorization: `Bearer ${stack.config.operatorToken}` });
    capture?.flush(); // the lines logged so far, all of them, before the checks below read them
    expect(lines.length).toBeGreaterThan(20);
  });

  it('writes one JSON object per line, with level, time, app and message', () => {
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const r of records) {
      expect(r).toMatchObject({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), time: expect.any(String), app: expect.stringMatching(/^(api|worker)$/) });
    }
    expect(records.some((r) => r.app === 'worker')).toBe(true);
    expect(records.some((r) => r.msg === 'request completed')).toBe(true);
  });

  it('carries the request id from the API call to its jobs and to the Twilio callbacks', () => {
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown> & { req?: { url?: string; method?: string } });
    const traced = records.filter((r) => r.requestId === 'ops-log-trace-1');
    expect(traced.some((r) => r.app === 'api' && r.req?.method === 'POST' && r.req.url === '/v1/challenges')).toBe(true);
    expect(traced.some((r) => r.app === 'worker' && r.queue === 'texts' && r.job === 'dispatch' && r.msg === 'job completed')).toBe(true);
    expect(traced.some((r) => r.app === 'api' && typeof r.req?.url === 'string' && r.req.url.startsWith('/webhooks/twilio/sms-status'))).toBe(true);
    // Every callback, the ones in transit (one statement, no engine) as much as the deliveries.
    const callbacks = records.filter((r) => r.msg === 'request completed' && typeof r.req?.url === 'string' && r.req.url.startsWith('/webhooks/twilio/sms-status'));
    expect(callbacks.length).toBeGreaterThanOrEqual(6);
    expect(callbacks.filter((r) => typeof r.requestId !== 'string')).toEqual([]);
    // The undelivered text's callback, whose hook ran twice (on the record read, then under the lock).
    const lost = records.filter((r) => r.msg === 'request completed' && r.req?.url === `/webhooks/twilio/sms-status?attempt=${lostAttempt}`);
    expect(lost.map((r) => r.requestId)).toEqual(['ops-log-trace-2', 'ops-log-trace-2', 'ops-log-trace-2']);
    // A binding added twice is written twice: each line names its request id once.
    expect(lines.filter((l) => (l.match(/"requestId":/g) ?? []).length > 1)).toEqual([]);
  });

  it('never contains a code, a full phone number, a token or an Authorization header', () => {
    const all = lines.join('\n');
    expect(codes.length).toBeGreaterThanOrEqual(3);
    for (const code of codes) expect(all).not.toMatch(new RegExp(`(?<![0-9])${code}(?![0-9])`));
    for (const e164 of numbers) {
      expect(all).not.toContain(e164);
      expect(all).not.toContain(e164.slice(1)); // without the +
      expect(all).not.toContain(e164.slice(2)); // national digits
      expect(all).not.toContain(encodeURIComponent(e164));
    }
    expect(all).not.toMatch(/\+\d{7,15}/);
    expect(all).not.toContain(stack.config.operatorToken);
    for (const key of stack.config.apiKeys) expect(all).not.toContain(key);
    expect(all).not.toContain(stack.config.tokenSecret);
    expect(all.toLowerCase()).not.toContain('bearer');
    // Masked phones are fine, and do show up where the engine names a phone (a refused text, a failover).
    expect(all).toMatch(/\+1 ••• ••• ••\d\d/);
  });
});
