import { collectDefaultMetrics, Registry } from 'prom-client';
import { DEFAULT_METRICS_PREFIX, dropGaugesNamedLikeCounters, OUTCOMES_METRIC } from '../apps/api/src/metrics/metrics.service';
import { latestCode, registerVerified, signIn, waitForStatus } from './support/flows';
import { type Family, lintExposition, parseExposition, readSamples, sampleValue } from './support/prometheus-lint';
import { startStack, Stack } from './support/stack';

/**
 * GET /metrics passes `promtool check metrics`: parsed by a real Prometheus text parser, then promtool's lint
 * rules (test/support/prometheus-lint.ts), after traffic so the histograms the workers fill have series.
 */
describe('GET /metrics is valid Prometheus text that promtool accepts', () => {
  let stack: Stack;
  let text: string;
  let families: Family[];

  beforeAll(async () => {
    stack = await startStack({ sandbox: true, worker: true });
    await registerVerified(stack, 'metrics-user', { number: '+12015550177', method: 'sms' });
    const challenge = await signIn(stack, 'metrics-user');
    const code = await latestCode(stack, '+12015550177', 1);
    await stack.request('POST', `/v1/challenges/${challenge.id}/check`, { code }, { authorization: `Bearer ${challenge.token}` });
    await waitForStatus(stack, challenge.id, 'approved');
    // A refused webhook, so the counter has a value.
    await fetch(`${stack.apiUrl}/webhooks/twilio/sms-status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=SMx' });
    const read = async () => (await fetch(`${stack.apiUrl}/metrics`)).text();
    // Job durations reach Redis in batches (at most a second later).
    for (let i = 0; i < 100 && !/redial_job_duration_seconds_count\{[^}]*outcome="completed"\} [1-9]/.test((text = await read())); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    families = parseExposition(text);
  }, 60000);

  afterAll(() => stack?.close());

  it('parses, with Redial’s own metrics and the process defaults', () => {
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'redial_queue_jobs',
        'redial_queue_oldest_waiting_seconds',
        'redial_job_duration_seconds',
        'redial_provider_request_duration_seconds',
        OUTCOMES_METRIC,
        'redial_alerts_firing',
        'redial_workers_alive',
        'redial_gateways_alive',
        'redial_gateway_open_sockets',
        'redial_webhook_signature_failures_total',
        `${DEFAULT_METRICS_PREFIX}process_cpu_seconds_total`,
        `${DEFAULT_METRICS_PREFIX}nodejs_active_handles`,
      ]),
    );
    const byName = new Map(families.map((f) => [f.name, f]));
    expect(byName.get('redial_webhook_signature_failures_total')).toMatchObject({ type: 'counter', metrics: [{ value: expect.stringMatching(/^[1-9]\d*$/) }] });
    expect(byName.get('redial_job_duration_seconds')?.type).toBe('histogram');
    // The operators' counters, with the dashboard's window in their help.
    expect(byName.get(OUTCOMES_METRIC)).toMatchObject({ type: 'gauge', help: expect.stringContaining('last 60 min') });
    // The parser folds a labelled histogram's series into one: read its samples line by line.
    const samples = readSamples(text);
    const series = { queue: 'texts', job: 'dispatch', outcome: 'completed' };
    expect(sampleValue(samples, 'redial_job_duration_seconds_count', series)).toBeGreaterThan(0);
    expect(sampleValue(samples, 'redial_job_duration_seconds_bucket', { ...series, le: '+Inf' })).toBe(sampleValue(samples, 'redial_job_duration_seconds_count', series));
  });

  it('passes promtool’s lint rules: HELP and TYPE everywhere, `_total` on counters only, no duplicates', () => {
    expect(lintExposition(text)).toEqual([]);
    expect(new Set(families.map((f) => f.name)).size).toBe(families.length);
    for (const f of families) {
      expect({ name: f.name, help: f.help.length > 0, type: ['counter', 'gauge', 'histogram', 'summary'].includes(f.type) }).toEqual({ name: f.name, help: true, type: true });
    }
  });

});

describe('the promtool lint', () => {
  it('catches what promtool rejects (prom-client’s own defaults before the fix)', () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'x_' });
    return registry.metrics().then((raw) => {
      expect(lintExposition(raw)).toEqual([
        'x_nodejs_active_resources_total: non-counter metrics should not have "_total" suffix',
        'x_nodejs_active_handles_total: non-counter metrics should not have "_total" suffix',
        'x_nodejs_active_requests_total: non-counter metrics should not have "_total" suffix',
      ]);
      dropGaugesNamedLikeCounters(registry);
      return registry.metrics().then((fixed) => expect(lintExposition(fixed)).toEqual([]));
    });
  });

  it.each([
    ['# HELP a_seconds x\n# TYPE a_seconds counter\na_seconds 1\n', 'a_seconds: counter metrics should have "_total" suffix'],
    ['# TYPE b_total gauge\nb_total 1\n', 'b_total: no help text'],
    ['# HELP c_count x\n# TYPE c_count gauge\nc_count 1\n', 'c_count: non-histogram and non-summary metrics should not have "_count" suffix'],
    ['# HELP d_ms x\n# TYPE d_ms gauge\nd_ms 1\n', 'd_ms: metric names should not contain abbreviated units ("ms")'],
    ['# HELP e x\n# TYPE e gauge\ne 1\n# HELP e x\n# TYPE e gauge\ne 2\n', 'e: declared 2 times'],
    ['# HELP f x\n# TYPE f gauge\nf abc\n', 'unreadable sample line: f abc'],
    ['# HELP h_seconds x\n# TYPE h_seconds histogram\nh_seconds_bucket{q="a",le="1"} 2\nh_seconds_bucket{q="a",le="+Inf"} 1\nh_seconds_sum{q="a"} 1\nh_seconds_count{q="a"} 2\n', 'h_seconds{q="a"}: buckets are not cumulative'],
  ])('flags %j', (exposition, problem) => {
    expect(lintExposition(exposition)).toContain(problem);
  });
});
