import type { OpsStats } from '@redial/contracts';
import { Redis } from 'ioredis';
import { secondsUntilNextUtcDay, spentToday } from '@redial/guard';
import { AlertsService } from '@redial/ops';
import { inbox, latestCode, registerVerified, setNumber, signIn, waitForStatus } from './support/flows';
import { readSamples, sampleValue } from './support/prometheus-lint';
import { REDIS_URL } from './support/redis';
import { startStack, Stack } from './support/stack';

/**
 * Issue 13, cost: every text and call sent adds its estimate (the default price table: a US text $0.0079 per
 * segment, a UK call $0.043 per started minute) to the day's and the hour's spend per country and channel, shown
 * in /v1/ops/stats and /metrics and stored on the attempt; the daily cap refuses sends (the step fails with
 * `spend_cap_reached` and nothing reaches the phone) and new challenges (429 + Retry-After), and raises an alert.
 * The cap is read at every check, so the test moves it on the stack's config object.
 */
describe('cost control: spend per country and channel, and the daily cap', () => {
  let stack: Stack;
  let op: { authorization: string };
  const US_TEXT = '+12015550301';
  const GB_CALL = '+447400123456';

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true });
    op = { authorization: `Bearer ${stack.config.operatorToken}` };
  }, 60000);
  afterAll(() => stack?.close());

  const stats = async () => (await stack.request('GET', '/v1/ops/stats', undefined, op)).body as OpsStats;
  const spendOf = (s: OpsStats, country: string) => s.spend.today.byCountry.find((c) => c.country === country);

  it('adds up texts and calls per country and channel on the dashboard, in /metrics and on each attempt', async () => {
    // Verification text + sign-in text to the US; verification call + sign-in call to the UK.
    await registerVerified(stack, 'spend-us', { number: US_TEXT, method: 'sms' });
    const text = await signIn(stack, 'spend-us');
    const code = await latestCode(stack, US_TEXT, 1);
    await stack.request('POST', `/v1/challenges/${text.id}/check`, { code }, { authorization: `Bearer ${text.token}` });
    await waitForStatus(stack, text.id, 'approved');
    await registerVerified(stack, 'spend-gb', { number: GB_CALL, method: 'call' });
    const call = await signIn(stack, 'spend-gb');
    await waitForStatus(stack, call.id, 'approved');

    const s = await stats();
    expect(spendOf(s, 'US')).toEqual({ country: 'US', sms: 0.0158, call: 0, totalUsd: 0.0158 });
    expect(spendOf(s, 'GB')).toEqual({ country: 'GB', sms: 0, call: 0.086, totalUsd: 0.086 });
    expect(s.spend.today.byChannel).toEqual({ sms: 0.0158, call: 0.086 });
    expect(s.spend.today.totalUsd).toBe(0.1018);
    expect(s.spend.thisHour.totalUsd).toBe(0.1018);
    expect(s.spend).toMatchObject({ capDailyUsd: 100, capReached: false, refusedToday: 0 });

    const metrics = readSamples(await (await fetch(`${stack.apiUrl}/metrics`)).text());
    expect(sampleValue(metrics, 'redial_spend_usd_total', { country: 'US', channel: 'sms' })).toBeCloseTo(0.0158, 6);
    expect(sampleValue(metrics, 'redial_spend_usd_total', { country: 'GB', channel: 'call' })).toBeCloseTo(0.086, 6);
    expect(sampleValue(metrics, 'redial_spend_today_usd', {})).toBeCloseTo(0.1018, 6);

    // PostgreSQL keeps each attempt's estimate; the operators' view shows them and the challenge's sum.
    const found = await stack.request('GET', `/v1/ops/challenges?query=${call.id}`, undefined, op);
    expect(found.body.items[0]).toMatchObject({ id: call.id, costUsd: 0.043, costs: [{ step: 0, attemptNo: 1, usd: 0.043, units: 1 }] });
    // The person's own view (the outside contract) does not change.
    expect((await stack.request('GET', `/v1/challenges/${text.id}`)).body).not.toHaveProperty('costUsd');
  });

  it('a send that would pass the cap is refused: the step fails with spend_cap_reached and nothing is sent', async () => {
    // Primary: a US call that is busy ($0.014 estimated when placed); backup: a US text ($0.0079) — which no
    // longer fits once the cap leaves less than that after the call.
    const busy = '+12015550302';
    const backup = '+12015550303';
    await registerVerified(stack, 'spend-capped', { number: busy, method: 'call' }, [{ number: backup, method: 'sms' }]);
    await setNumber(stack, busy, { voice: 'busy' });

    const redis = new Redis(REDIS_URL);
    const spent = await spentToday(redis, stack.prefix).finally(() => redis.disconnect());
    stack.config.spend.dailyCapUsd = Math.round((spent + 0.014 + 0.005) * 1e6) / 1e6;
    const challenge = await signIn(stack, 'spend-capped');
    const failed = await waitForStatus(stack, challenge.id, 'failed');
    expect(failed.steps.map((s) => [s.method, s.status, s.reason])).toEqual([
      ['call', 'failed', 'busy'],
      ['sms', 'failed', 'spend_cap_reached'],
    ]);
    expect(failed.steps[1].attempts).toEqual([expect.objectContaining({ status: 'failed', reason: 'spend_cap_reached' })]);
    expect((await inbox(stack, backup)).messages).toEqual([]);

    const s = await stats();
    expect(s.spend).toMatchObject({ capReached: true, refusedToday: 1 });
    expect(s.spend.today.totalUsd).toBeLessThanOrEqual(stack.config.spend.dailyCapUsd);
  });

  it('refuses new challenges with 429, Retry-After until the next UTC day and the limit name, and creates nothing', async () => {
    const before = (await stack.request('GET', '/v1/ops/challenges?query=spend-us', undefined, op)).body.items.length;
    const res = await stack.request('POST', '/v1/challenges', { userId: 'spend-us' });
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: 'spend_cap_reached', limit: 'daily_spend', message: expect.stringMatching(/budget/) });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBe(res.body.retryAfter);
    expect(Math.abs(retryAfter - secondsUntilNextUtcDay(new Date()))).toBeLessThanOrEqual(5);
    expect((await stack.request('GET', '/v1/ops/challenges?query=spend-us', undefined, op)).body.items).toHaveLength(before);
  });

  it('raises the spend-cap alert, and it clears when the cap is lifted (0 = no cap)', async () => {
    const alerts = stack.api.get(AlertsService);
    const raised = await alerts.evaluate();
    expect(raised.active.map((a) => `${a.kind}/${a.key}`)).toContain('spend_cap/daily');
    expect(raised.active.find((a) => a.kind === 'spend_cap')).toMatchObject({ severity: 'critical', threshold: stack.config.spend.dailyCapUsd });

    stack.config.spend.dailyCapUsd = 0;
    const cleared = await alerts.evaluate();
    expect(cleared.cleared.map((a) => `${a.kind}/${a.key}`)).toContain('spend_cap/daily');
    expect((await stack.request('POST', '/v1/challenges', { userId: 'spend-us' })).status).toBe(201);
  });
});
