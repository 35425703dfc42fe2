import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OUTCOME_COUNTERS, type OpsAlert, type OpsChallengePage, type OpsChallengeSummary, type OpsStats, type OutcomeCounter } from '@redial/contracts';
import { PrismaService } from '@redial/database';
import { AlertsService, signAlertBody } from '@redial/ops';
import { EventPublisher, QueueService } from '@redial/queue';
import { QueueName } from '@redial/contracts';
import { boardSessionCookie } from '../apps/api/src/ops/queue-board';
import { eventually, latestCode, registerVerified, setNumber, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * Operators' view against the whole stack (api, worker, sandbox over HTTP, real PostgreSQL and Redis): traffic
 * with successes, failovers, fraud, failures and a provider configuration error, then stats, search, metrics,
 * alerts (raised and cleared), the queue board and health must agree with what happened.
 */

interface Received {
  body: string;
  signature: string | undefined;
}

function receiver(): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, signature: req.headers['x-redial-signature'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

describe('operators: stats, alerts, search, queue board, metrics, health', () => {
  let stack: Stack;
  let hook: Awaited<ReturnType<typeof receiver>>;
  let op: { authorization: string };
  let n = 0;
  const phone = () => `+1201555${String(3000 + n++).padStart(4, '0')}`;
  const numbers: string[] = [];
  const ids: Record<string, string> = {};
  const P: Record<string, string> = {};

  beforeAll(async () => {
    hook = await receiver();
    stack = await startStack({
      sandbox: true,
      worker: true,
      env: {
        CALLS_PER_SECOND: '100',
        // The periodic evaluation stays out of the way: this suite calls evaluate() itself (see ops-alerts-loop).
        ALERT_INTERVAL_MS: '3600000',
        ALERT_FAILURE_RATE_PERCENT: '12',
        ALERT_FAILURE_MIN_SAMPLES: '3',
        ALERT_FRAUD_REPORTS: '1',
        ALERT_QUEUE_DEPTH: '1',
        ALERT_OLDEST_WAITING_SEC: '1',
        ALERT_WEBHOOK_URL: hook.url,
      },
    });
    op = { authorization: `Bearer ${stack.config.operatorToken}` };
  });
  afterAll(async () => {
    await stack?.close();
    await hook?.close();
  });

  const ops = (path: string, headers: Record<string, string> = op) => stack.request('GET', path, undefined, headers);
  const prisma = () => stack.api.get(PrismaService).client;
  const alerts = () => stack.api.get(AlertsService);

  async function approveByCode(user: string, e164: string) {
    const before = (await fetch(`${stack.sandboxUrl}/sandbox/inbox/${encodeURIComponent(e164)}`).then((r) => r.json())).messages.length;
    const c = await signIn(stack, user);
    const code = await latestCode(stack, e164, before);
    const checked = await stack.request('POST', `/v1/challenges/${c.id}/check`, { code }, { authorization: `Bearer ${c.token}` });
    expect(checked.body.status).toBe('approved');
    return c.id;
  }

  it('refuses every operator endpoint without the operator token', async () => {
    const paths = ['/v1/ops/stats', '/v1/ops/alerts', '/v1/ops/challenges', '/v1/ops/challenges?query=abc', '/ops/queues', '/ops/queues/api/queues', '/ops/queues?token=wrong-token'];
    const creds: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, stack.auth, { authorization: `Basic ${stack.config.operatorToken}` }];
    for (const path of paths) {
      for (const headers of creds) {
        const res = await ops(path, headers);
        expect({ path, headers, status: res.status }).toEqual({ path, headers, status: 401 });
        expect(res.body).toMatchObject({ error: 'unauthorized' });
      }
    }
    // /metrics: a wrong token is refused even from 127.0.0.1; no token is refused from anywhere else.
    expect((await ops('/metrics', { authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await ops('/metrics', stack.auth)).status).toBe(401);
    const remote = await stack.api.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
    expect(remote.statusCode).toBe(401);
    const remoteWithToken = await stack.api.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3', headers: op });
    expect(remoteWithToken.statusCode).toBe(200);
    // A forged cookie does not open the board.
    expect((await ops('/ops/queues', { cookie: 'redial_ops=99999999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status).toBe(401);
  });

  it('drives traffic: successes, failovers (busy call, undelivered text), fraud, a failure and a configuration error', async () => {
    // alice: texts; verification and two sign-ins approved by code.
    P.alice = phone();
    await registerVerified(stack, 'alice', { number: P.alice, method: 'sms' });
    ids.alice1 = await approveByCode('alice', P.alice);
    ids.alice2 = await approveByCode('alice', P.alice);

    // bob: primary call busy → failover to the backup text → approved by code.
    P.bob = phone();
    P.bobBackup = phone();
    await registerVerified(stack, 'bob', { number: P.bob, method: 'call' }, [{ number: P.bobBackup, method: 'sms', label: 'mobile' }]);
    await setNumber(stack, P.bob, { voice: 'busy' });
    const bobChallenge = await signIn(stack, 'bob');
    ids.bob = bobChallenge.id;
    const bobCode = await latestCode(stack, P.bobBackup);
    expect((await stack.request('POST', `/v1/challenges/${ids.bob}/check`, { code: bobCode })).body.status).toBe('approved');

    // carol: primary text undelivered → failover to the backup call → # approves.
    P.carol = phone();
    P.carolBackup = phone();
    await registerVerified(stack, 'carol', { number: P.carol, method: 'sms' }, [{ number: P.carolBackup, method: 'call', label: 'office' }]);
    await setNumber(stack, P.carol, { sms: 'undelivered' });
    ids.carol = (await signIn(stack, 'carol')).id;
    await waitForStatus(stack, ids.carol, 'approved');

    // dave: the call reports fraud (0#) → denied.
    P.dave = phone();
    await registerVerified(stack, 'dave', { number: P.dave, method: 'call' });
    await setNumber(stack, P.dave, { voice: 'report-fraud' });
    ids.dave = (await signIn(stack, 'dave')).id;
    await waitForStatus(stack, ids.dave, 'denied');

    // erin: the only phone's text fails → failed.
    P.erin = phone();
    await registerVerified(stack, 'erin', { number: P.erin, method: 'sms' });
    await setNumber(stack, P.erin, { sms: 'failed' });
    ids.erin = (await signIn(stack, 'erin')).id;
    await waitForStatus(stack, ids.erin, 'failed');

    // frank: Twilio's magic +15005550003 (no geo permission, 21408) → a provider configuration error.
    P.frank = '+15005550003';
    const saved = await stack.request('PUT', '/v1/users/frank/phones', { primary: { number: P.frank, method: 'sms' } });
    expect(saved.status).toBe(200);
    ids.frank = saved.body.verification.challengeId;
    await waitForStatus(stack, ids.frank, 'failed');

    // gina: a call user kept for the queue alerts later.
    P.gina = phone();
    await registerVerified(stack, 'gina', { number: P.gina, method: 'call' });
    numbers.push(...Object.values(P));

    const frankFinal = await prisma().deliveryAttempt.findFirst({ where: { challengeId: ids.frank } });
    expect(frankFinal).toMatchObject({ status: 'failed', reason: 'geo_blocked' });
  });

  it('GET /v1/ops/stats agrees with the events, attempts and challenges in PostgreSQL', async () => {
    // Every callback has landed once no attempt is waiting for one.
    await eventually('callbacks to settle', async () => (await prisma().deliveryAttempt.count({ where: { statusRank: { lt: 5 }, reason: null, status: { not: 'failed' } } })) === 0);
    const res = await ops('/v1/ops/stats');
    expect(res.status).toBe(200);
    const stats = res.body as OpsStats;
    const at = new Date(stats.at);

    expect(Object.keys(stats.queues).sort()).toEqual(['calls', 'texts', 'timers']);
    for (const counts of Object.values(stats.queues)) {
      expect(Object.keys(counts).sort()).toEqual(['active', 'completed', 'delayed', 'failed', 'paused', 'prioritized', 'waiting']);
    }
    expect(stats.queues.texts.failed).toBe(1); // frank's dispatch: UnrecoverableError
    expect(Object.keys(stats.oldestWaitingMs).sort()).toEqual(['calls', 'texts', 'timers']);

    // One definition per counter (libs/contracts ops-counters.ts): sent and delivered by the attempts' own times,
    // the rest by the challenge's events.
    const count = async (type: string, since?: Date) =>
      prisma().challengeEvent.count({ where: { type, createdAt: { gte: since ?? new Date(0), lte: at } } });
    const attempts = async (field: 'sentAt' | 'deliveredAt', since?: Date) => prisma().deliveryAttempt.count({ where: { [field]: { gte: since ?? new Date(0), lte: at } } });
    const sum = (f: OutcomeCounter) => stats.perMinute.reduce((s, b) => s + b[f], 0);
    expect(stats.perMinute).toHaveLength(60);
    expect(new Date(stats.perMinute[59].minute).getTime()).toBe(Math.floor(at.getTime() / 60000) * 60000);
    expect(stats.outcomes.since).toBe(stats.perMinute[0].minute);
    expect(sum('sent')).toBe(await attempts('sentAt'));
    expect(sum('delivered')).toBe(await attempts('deliveredAt'));
    // What happened: bob's busy call, carol's undelivered text, erin's failed text, frank's refused text.
    expect(sum('failed')).toBe(4);
    expect(await count('attempt.failed')).toBe(4);
    // Two failovers: bob (call → text) and carol (text → call). dave's fraud report is not a failure.
    expect(sum('failedOver')).toBe(2);
    expect(sum('fraud')).toBe(1);
    expect(sum('skipped')).toBe(0);
    expect(sum('sent')).toBeGreaterThanOrEqual(14);
    for (const c of OUTCOME_COUNTERS) expect(stats.outcomes.counts[c]).toBe(sum(c));
    const minuteAgo = new Date(at.getTime() - 60_000);
    expect(stats.rates).toEqual({
      sent: await attempts('sentAt', minuteAgo),
      delivered: await attempts('deliveredAt', minuteAgo),
      failed: await count('attempt.failed', minuteAgo),
      failedOver: await count('step.failover', minuteAgo),
      fraud: await count('challenge.denied', minuteAgo),
      skipped: 0,
    });

    const delivered = await prisma().challenge.findMany({ where: { firstDeliveryAt: { not: null } } });
    expect(stats.timeToFirstDelivery.samples).toBe(delivered.length);
    const ms = delivered.map((c) => c.firstDeliveryAt!.getTime() - c.createdAt.getTime()).sort((a, b) => a - b);
    expect(stats.timeToFirstDelivery.p50Ms).toBeGreaterThanOrEqual(ms[0] - 1);
    expect(stats.timeToFirstDelivery.p95Ms).toBeLessThanOrEqual(ms.at(-1)! + 1);
    expect(stats.timeToFirstDelivery.p50Ms!).toBeLessThanOrEqual(stats.timeToFirstDelivery.p95Ms!);

    // bob's busy call; carol's text undelivered with 30003 and erin's failed with 30008 (the sandbox's codes);
    // frank's refused with 21408. dave's fraud report is the fraud counter, not a failure reason.
    const reasons = Object.fromEntries(stats.topFailureReasons.map((r) => [r.reason, r.count]));
    expect(reasons).toEqual({ busy: 1, unreachable: 1, carrier_error: 1, geo_blocked: 1 });

    expect(stats.byCountry).toEqual([{ country: 'US', ...stats.outcomes.counts }]);

    // Approved: 6 verifications (alice, bob, carol, dave, erin, gina) + alice ×2, bob, carol. Failed: erin, frank
    // (dave's denied sign-in is counted as fraud).
    expect(stats.challenges).toEqual({ pending: 0, approvedLastHour: 10, failedLastHour: 2 });
    expect(JSON.stringify(stats)).not.toMatch(/\+\d{7,}/);
  });

  it('an approved call keeps no failure reason, a fraud report keeps fraud_reported', async () => {
    const bobVerification = await prisma().challenge.findFirst({ where: { userId: 'bob', purpose: 'settings' }, include: { attempts: true } });
    expect(bobVerification!.attempts[0]).toMatchObject({ status: 'completed', reason: null });
    const dave = await prisma().deliveryAttempt.findFirst({ where: { challengeId: ids.dave } });
    expect(dave).toMatchObject({ reason: 'fraud_reported' });
    const stats = (await ops('/v1/ops/stats')).body as OpsStats;
    expect(stats.topFailureReasons.find((r) => r.reason === 'no_answer')).toBeUndefined();
    expect(stats.topFailureReasons.find((r) => r.reason === 'fraud_reported')).toBeUndefined();
  });

  it('caches a snapshot for up to a second, so concurrent callers share one', async () => {
    const [a, b] = await Promise.all([ops('/v1/ops/stats'), ops('/v1/ops/stats')]);
    expect(a.body.at).toBe(b.body.at);
  });

  describe('GET /v1/ops/challenges', () => {
    const search = async (query: string): Promise<OpsChallengePage> => {
      const res = await ops(`/v1/ops/challenges${query}`);
      expect(res.status).toBe(200);
      return res.body as OpsChallengePage;
    };

    it('finds a challenge by id, with masked phones and provider SIDs', async () => {
      const page = await search(`?query=${ids.bob}`);
      expect(page.items.map((i) => i.id)).toEqual([ids.bob]);
      const item = page.items[0] as OpsChallengeSummary;
      expect(item).toMatchObject({ userId: 'bob', status: 'approved', purpose: 'sign_in' });
      expect(item.steps.map((s) => [s.method, s.status, s.reason])).toEqual([
        ['call', 'failed', 'busy'],
        ['sms', 'succeeded', undefined],
      ]);
      expect(item.steps[0].phone).toBe(`+1 ••• ••• ••${P.bob.slice(-2)}`);
      // Each attempt's times, in order, for support.
      expect(item.attemptTimes?.map((t) => [t.step, t.attemptNo, Boolean(t.sentAt), Boolean(t.deliveredAt), Boolean(t.finishedAt)])).toEqual([
        [0, 1, true, false, true],
        [1, 1, true, true, true],
      ]);
      const [call, text] = item.attemptTimes!;
      expect(call.createdAt <= call.sentAt! && call.sentAt! <= call.finishedAt!).toBe(true);
      expect(text.sentAt! <= text.deliveredAt!).toBe(true);
      expect(item.finishedAt).toEqual(expect.any(String));
      expect(item.providerSids).toEqual([
        { step: 0, attemptNo: 1, sid: expect.stringMatching(/^CA[0-9a-f]{32}$/) },
        { step: 1, attemptNo: 1, sid: expect.stringMatching(/^SM[0-9a-f]{32}$/) },
      ]);
      expect(page.nextCursor).toBeUndefined();
    });

    it('finds by user id (newest first) and by the last digits of a phone', async () => {
      const byUser = await search('?query=alice');
      expect(byUser.items.map((i) => i.id).slice(0, 2)).toEqual([ids.alice2, ids.alice1]);
      expect(byUser.items).toHaveLength(3);
      // bob's backup is only in his sign-in challenge's plan (the verification called the primary only).
      const bySuffix = await search(`?query=${P.bobBackup.slice(-4)}`);
      expect(bySuffix.items.map((i) => i.id)).toEqual([ids.bob]);
      const byTwo = await search(`?query=${P.dave.slice(-2)}`);
      expect(byTwo.items.every((i) => i.userId === 'dave' || i.steps.some((s) => s.phone.endsWith(P.dave.slice(-2))))).toBe(true);
      expect(byTwo.items.map((i) => i.id)).toContain(ids.dave);
      for (const page of [byUser, bySuffix, byTwo]) {
        const text = JSON.stringify(page);
        for (const e164 of numbers) expect(text).not.toContain(e164);
      }
    });

    it('filters by status and time range', async () => {
      expect((await search('?status=denied')).items.map((i) => i.id)).toEqual([ids.dave]);
      expect((await search('?status=failed,denied')).items.map((i) => i.id).sort()).toEqual([ids.dave, ids.erin, ids.frank].sort());
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await search(`?from=${encodeURIComponent(future)}`)).items).toEqual([]);
      expect((await search('?to=2000-01-01T00:00:00Z')).items).toEqual([]);
      const erin = await prisma().challenge.findUnique({ where: { id: ids.erin } });
      const exact = erin!.createdAt.toISOString();
      const around = await search(`?from=${encodeURIComponent(exact)}&to=${encodeURIComponent(exact)}&status=failed`);
      expect(around.items.map((i) => i.id)).toEqual([ids.erin]);
    });

    it('pages with an opaque cursor through every challenge, newest first, without repeats', async () => {
      const total = await prisma().challenge.count();
      const seen: OpsChallengeSummary[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await search(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toHaveLength(total);
      expect(new Set(seen.map((s) => s.id)).size).toBe(total);
      const keys = seen.map((s) => `${s.createdAt}|${s.id}`);
      expect(keys).toEqual([...keys].sort().reverse());
    });

    it.each([
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=ten', 'limit'],
      ['?status=lost', 'status'],
      ['?from=yesterday', 'from'],
      ['?to=2024-13-45T00:00:00Z', 'to'],
      ['?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z', 'from'],
      ['?cursor=not-a-cursor', 'cursor'],
      ['?query=%2B1%20(201)%20555', 'query'],
      ['?query=a&query=b', 'query'],
      ['?sort=asc', 'sort'],
    ])('refuses %s with a 400 naming %s', async (query, field) => {
      const res = await ops(`/v1/ops/challenges${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), field });
    });
  });

  it('GET /metrics: queue depth, job and provider histograms, attempts, signature failures, workers — consistent with the rest', async () => {
    const bad = await fetch(`${stack.apiUrl}/webhooks/twilio/sms-status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'MessageSid=SMx' });
    expect(bad.status).toBe(403);
    const stats = (await ops('/v1/ops/stats')).body as OpsStats;
    // Loopback needs no token.
    const res = await fetch(`${stack.apiUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const read = async () => parseMetrics(await (await fetch(`${stack.apiUrl}/metrics`)).text());
    let m = await read();

    expect(m.get('redial_queue_jobs{queue="texts",state="completed"}')).toBe(stats.queues.texts.completed);
    expect(m.get('redial_queue_jobs{queue="texts",state="failed"}')).toBe(1);
    expect(m.get('redial_queue_oldest_waiting_seconds{queue="calls"}')).toBe(0);
    // Every dispatch the worker ran is in the shared histogram, with the same outcome BullMQ recorded.
    m = await eventually('job metrics to include every completed job', async () => {
      const now = await read();
      const count = (queue: 'texts' | 'calls') => now.get(`redial_job_duration_seconds_count{queue="${queue}",job="dispatch",outcome="completed"}`);
      // Each worker flushes its observations in batches: wait for both queues' (they may land in different flushes).
      return count('texts') === stats.queues.texts.completed && count('calls') === stats.queues.calls.completed ? now : undefined;
    });
    expect(m.get('redial_job_duration_seconds_count{queue="texts",job="dispatch",outcome="failed"}')).toBe(1);
    expect(m.get('redial_job_duration_seconds_count{queue="calls",job="dispatch",outcome="completed"}')).toBe(stats.queues.calls.completed);
    expect(m.get('redial_job_duration_seconds_bucket{queue="texts",job="dispatch",outcome="completed",le="+Inf"}')).toBe(stats.queues.texts.completed);
    // Provider requests: one per text or call; frank's refused with the geo permission error.
    const smsSent = await prisma().deliveryAttempt.count({ where: { method: 'sms', providerSid: { not: null } } });
    const callsPlaced = await prisma().deliveryAttempt.count({ where: { method: 'call', providerSid: { not: null } } });
    expect(m.get('redial_provider_request_duration_seconds_count{provider="twilio",operation="send_sms",outcome="ok"}')).toBe(smsSent);
    expect(m.get('redial_provider_request_duration_seconds_count{provider="twilio",operation="send_sms",outcome="geo_blocked"}')).toBe(1);
    expect(m.get('redial_provider_request_duration_seconds_count{provider="twilio",operation="place_call",outcome="ok"}')).toBe(callsPlaced);
    // The operators' counters: the dashboard's numbers, by channel and country.
    expect(m.get('redial_outcomes_recent{outcome="failed",channel="call",country="US"}')).toBe(1);
    expect(m.get('redial_outcomes_recent{outcome="failed",channel="sms",country="US"}')).toBe(3);
    expect(m.get('redial_outcomes_recent{outcome="failedOver",channel="call",country="US"}')).toBe(1);
    expect(m.get('redial_outcomes_recent{outcome="failedOver",channel="sms",country="US"}')).toBe(1);
    expect(m.get('redial_outcomes_recent{outcome="fraud",channel="call",country="US"}')).toBe(1);
    const exported = (outcome: string) => [...m].filter(([k]) => k.startsWith(`redial_outcomes_recent{outcome="${outcome}",`)).reduce((n, [, v]) => n + v, 0);
    for (const c of OUTCOME_COUNTERS) expect({ c, n: exported(c) }).toEqual({ c, n: stats.outcomes.counts[c] });
    expect(m.get('redial_webhook_signature_failures_total')).toBeGreaterThanOrEqual(1);
    expect(m.get('redial_workers_alive')).toBe(1);
    expect(m.get('redial_gateway_open_sockets')).toBe(0);
  });

  describe('alerts', () => {
    const listAlerts = async (): Promise<OpsAlert[]> => (await ops('/v1/ops/alerts')).body.alerts;
    const key = (a: OpsAlert) => `${a.kind}/${a.key}`;
    const hookEvents = () => hook.received.map((r) => ({ ...(JSON.parse(r.body) as { event: string; alert: OpsAlert }), signature: r.signature, body: r.body }));

    it('raises failure-rate, fraud and configuration alerts once, publishes them and POSTs them signed', async () => {
      const publisher = stack.api.get(EventPublisher);
      const published: Array<[string, OpsAlert]> = [];
      const spy = jest.spyOn(publisher, 'alert').mockImplementation((event, alert) => void published.push([event, alert]));
      try {
        // Two evaluators at once (the api's and the worker's service): the lock lets one raise each alert.
        const [first, second] = await Promise.all([alerts().evaluate(), stack.worker!.get(AlertsService).evaluate()]);
        const raised = [...first.raised, ...second.raised];
        expect(raised.map(key).sort()).toEqual(['failure_rate/call', 'failure_rate/sms', 'fraud_report/all', 'provider_configuration/geo_blocked']);
        // Texts: carol's, erin's and frank's failed; alice's three, bob's backup, carol's and erin's verifications got through.
        expect(raised.find((a) => key(a) === 'failure_rate/sms')).toMatchObject({ severity: 'critical', value: 0.3333, threshold: 0.12 });
        // Calls: bob's busy call failed; bob's, dave's and gina's verifications, carol's backup and dave's sign-in were
        // answered (dave then reported fraud: the call got through, it is no failure).
        expect(raised.find((a) => key(a) === 'failure_rate/call')).toMatchObject({ severity: 'critical', value: 0.1667, threshold: 0.12 });
        expect(raised.find((a) => key(a) === 'fraud_report/all')).toMatchObject({ value: 1, threshold: 1 });
        expect(raised.find((a) => key(a) === 'provider_configuration/geo_blocked')).toMatchObject({ severity: 'critical', value: 1 });
        // The worker's publisher is another instance; count what the api's published.
        expect(published.filter(([e]) => e === 'alert.raised').length).toBe(first.raised.length);

        const again = await alerts().evaluate();
        expect(again.raised).toEqual([]);
        expect(again.cleared).toEqual([]);
        expect(again.active.map(key).sort()).toEqual(raised.map(key).sort());
        expect(await prisma().alert.count()).toBe(4);
      } finally {
        spy.mockRestore();
      }

      const list = await listAlerts();
      expect(list.map(key).sort()).toEqual(['failure_rate/call', 'failure_rate/sms', 'fraud_report/all', 'provider_configuration/geo_blocked']);
      expect(list.every((a) => a.clearedAt === undefined)).toBe(true);

      const events = await eventually('four signed webhook posts', async () => (hookEvents().length >= 4 ? hookEvents() : undefined));
      expect(events.map((e) => e.event)).toEqual(['alert.raised', 'alert.raised', 'alert.raised', 'alert.raised']);
      for (const e of events) expect(e.signature).toBe(signAlertBody(e.body, stack.config.keys.alertWebhooks));
    });

    it('clears them when their windows pass, lists them after the active ones, and POSTs alert.cleared', async () => {
      const later = new Date(Date.now() + 20 * 60_000);
      const result = await alerts().evaluate({ now: later });
      expect(result.cleared.map(key).sort()).toEqual(['failure_rate/call', 'failure_rate/sms', 'fraud_report/all', 'provider_configuration/geo_blocked']);
      expect(result.active).toEqual([]);
      const list = await listAlerts();
      expect(list).toHaveLength(4);
      expect(list.every((a) => typeof a.clearedAt === 'string')).toBe(true);
      const events = await eventually('eight webhook posts', async () => (hookEvents().length >= 8 ? hookEvents() : undefined));
      expect(events.slice(4).map((e) => e.event)).toEqual(['alert.cleared', 'alert.cleared', 'alert.cleared', 'alert.cleared']);
    });

    it('raises queue depth and oldest-waiting alerts while the calls queue is stuck, and clears them once it drains', async () => {
      const calls = stack.api.get(QueueService).queue(QueueName.Calls);
      await calls.pause();
      let gina: string;
      try {
        gina = (await signIn(stack, 'gina')).id;
        const raised = await eventually('queue alerts', async () => {
          const r = await alerts().evaluate();
          const keys = r.active.map(key);
          return keys.includes('queue_depth/calls') && keys.includes('oldest_waiting/calls') ? r : undefined;
        });
        expect(raised.active.find((a) => key(a) === 'queue_depth/calls')).toMatchObject({ value: 1, threshold: 1, severity: 'warning' });
        const list = await listAlerts();
        // Active first: the two queue alerts (and the failure/fraud/configuration ones, raised again at the real now).
        const firstCleared = list.findIndex((a) => a.clearedAt !== undefined);
        expect(list.slice(0, firstCleared).map(key)).toEqual(expect.arrayContaining(['queue_depth/calls', 'oldest_waiting/calls']));
        expect(list.slice(firstCleared).every((a) => a.clearedAt !== undefined)).toBe(true);
        const health = await stack.request('GET', '/health?verbose=1', undefined, {});
        expect(health.body.queues.calls.waiting).toBe(1);
        expect(health.body.queues.calls.oldestWaitingMs).toBeGreaterThanOrEqual(1000);
      } finally {
        await calls.resume();
      }
      await waitForStatus(stack, gina, 'approved');
      const after = await alerts().evaluate();
      expect(after.cleared.map(key).sort()).toEqual(['oldest_waiting/calls', 'queue_depth/calls']);
      const firing = parseMetrics(await (await fetch(`${stack.apiUrl}/metrics`)).text());
      expect(firing.get('redial_alerts_firing{kind="queue_depth",severity="warning"}')).toBeUndefined();
      expect(firing.get('redial_alerts_firing{kind="fraud_report",severity="warning"}')).toBe(1);
    });
  });

  describe('queue board at /ops/queues', () => {
    it('opens with the bearer token, or with ?token= once (HttpOnly cookie, token out of the URL)', async () => {
      const page = await fetch(`${stack.apiUrl}/ops/queues`, { headers: op });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);

      const login = await fetch(`${stack.apiUrl}/ops/queues?token=${encodeURIComponent(stack.config.operatorToken)}`, { redirect: 'manual' });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/ops/queues');
      const setCookie = login.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^redial_ops=[^;]+; Path=\/ops\/queues; HttpOnly; SameSite=Strict; Max-Age=3600$/);
      expect(setCookie).not.toContain(stack.config.operatorToken);
      const cookie = setCookie.split(';')[0];
      const api = await fetch(`${stack.apiUrl}/ops/queues/api/queues?activeQueue=texts&status=completed&page=1`, { headers: { cookie } });
      expect(api.status).toBe(200);
      const body = (await api.json()) as { queues: Array<{ name: string; jobs: Array<{ data: unknown; name: string }> }> };
      expect(body.queues.map((q) => q.name).sort()).toEqual(['calls', 'texts', 'timers']);
      const texts = body.queues.find((q) => q.name === 'texts')!;
      expect(texts.jobs.length).toBeGreaterThan(0);
      for (const job of texts.jobs) expect(Object.keys(job.data as object).sort()).toEqual(expect.arrayContaining(['attemptNo', 'challengeId', 'step']));
    });

    it('POST /v1/ops/session (the dashboard at sign-in) opens a board session for the operator only; DELETE ends it', async () => {
      const refused = await stack.request('POST', '/v1/ops/session', undefined, stack.auth);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('set-cookie')).toBeNull();
      const opened = await stack.request('POST', '/v1/ops/session', undefined, op);
      expect(opened.status).toBe(204);
      const setCookie = opened.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^redial_ops=\d+\.[\w-]{43}; Path=\/ops\/queues; HttpOnly; SameSite=Strict; Max-Age=3600$/);
      const cookie = setCookie.split(';')[0];
      expect((await fetch(`${stack.apiUrl}/ops/queues/api/queues`, { headers: { cookie } })).status).toBe(200);
      // Only the board: the cookie opens no REST route.
      expect((await ops('/v1/ops/stats', { cookie })).status).toBe(401);
      // A session past half its life is renewed by the board's own requests; a younger one is left alone.
      const old = boardSessionCookie(stack.config, { now: Date.now() - 40 * 60_000 }).split(';')[0];
      const renewed = await fetch(`${stack.apiUrl}/ops/queues/api/queues`, { headers: { cookie: old } });
      expect(renewed.status).toBe(200);
      expect(renewed.headers.get('set-cookie')).toMatch(/^redial_ops=\d+\.[\w-]{43}; Path=\/ops\/queues; HttpOnly; SameSite=Strict; Max-Age=3600$/);
      expect((await fetch(`${stack.apiUrl}/ops/queues/api/queues`, { headers: { cookie } })).headers.get('set-cookie')).toBeNull();
      const expired = boardSessionCookie(stack.config, { now: Date.now() - 61 * 60_000 }).split(';')[0];
      expect((await fetch(`${stack.apiUrl}/ops/queues/api/queues`, { headers: { cookie: expired } })).status).toBe(401);
      const closed = await stack.request('DELETE', '/v1/ops/session', undefined, op);
      expect(closed.status).toBe(204);
      expect(closed.headers.get('set-cookie')).toBe('redial_ops=; Path=/ops/queues; HttpOnly; SameSite=Strict; Max-Age=0');
    });

    it('a browser without a session gets the operators\' sign-in page with the 401; an API client the JSON error', async () => {
      const browser = await fetch(`${stack.apiUrl}/ops/queues`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(browser.status).toBe(401);
      expect(browser.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await browser.text()).toMatch(/<div id="root">/);
      const client = await fetch(`${stack.apiUrl}/ops/queues/api/queues`, { headers: { accept: 'text/html' } });
      expect(client.status).toBe(401);
      expect(await client.json()).toMatchObject({ error: 'unauthorized' });
    });

    it('shows no phone number in any board API answer', async () => {
      const texts: string[] = [];
      for (const queue of ['calls', 'texts', 'timers']) {
        for (const status of ['latest', 'completed', 'failed', 'delayed', 'waiting', 'active']) {
          const res = await fetch(`${stack.apiUrl}/ops/queues/api/queues?activeQueue=${queue}&status=${status}&page=1&jobsPerPage=50`, { headers: op });
          expect(res.status).toBe(200);
          texts.push(await res.text());
        }
      }
      const failed = texts.join('\n');
      expect(failed).toContain('geo_blocked'); // frank's failed job is there…
      expect(failed).not.toMatch(/\+\d{7,15}/); // …but no E.164 number anywhere
      for (const e164 of numbers) expect(failed).not.toContain(e164.slice(1));
    });
  });

  it('GET /health stays exact; ?verbose=1 adds worker heartbeats and queue backlog', async () => {
    const plain = await stack.request('GET', '/health', undefined, {});
    expect(plain.status).toBe(200);
    expect(plain.body).toEqual({ status: 'ok', redis: 'up', database: 'up' });
    const verbose = await stack.request('GET', '/health?verbose=1', undefined, {});
    expect(verbose.status).toBe(200);
    expect(verbose.body).toMatchObject({ status: 'ok', redis: 'up', database: 'up', workers: { alive: 1, lastBeatMs: expect.any(Number) } });
    expect(Object.keys(verbose.body.queues).sort()).toEqual(['calls', 'texts', 'timers']);
    expect(verbose.body.queues.texts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1, oldestWaitingMs: 0 });
  });
});

/** `name{labels} value` lines → map; labels kept in exposition order. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
