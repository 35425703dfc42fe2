import type { Locator, Page, Response } from 'playwright-core';
import { OUTCOME_COUNTERS, type OutcomeCounter, type OutcomeCounts, zeroCounts } from '@redial/contracts';
import { expectAccessible } from './support/axe';
import { ensureWebBuilt, launchBrowser, TestBrowser } from './support/browser';
import { eventually, getChallenge, inbox, latestCode, registerVerified, setNumber, signIn, waitForStatus } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * The operators' pages and the phone simulator in headless Chromium against the whole stack (api serving
 * apps/web/dist, gateway, worker, sandbox): a known mix of outcomes, then the dashboard's tiles, the chart's
 * legend, the country table and /metrics must show the same numbers — the ones the sandbox says happened. Also
 * the live feed's backfill, a challenge's detail, the queue board's session, the HTML 404, and axe on each page
 * and state (Bull Board excluded: third-party). Every wait is on something the page or the stack shows.
 */
describe("operators' pages and the phone simulator in headless Chromium", () => {
  let stack: Stack;
  let browser: TestBrowser;
  let n = 0;
  const US = () => `+1201555${String(8000 + n++).padStart(4, '0')}`;
  const GB = () => `+4474001${String(23000 + n++).padStart(5, '0')}`;
  const digitsOf = (e164: string) => e164.replace(/\D/g, '');
  const P: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  const byTestId = (scope: Page | Locator, id: string, data: Record<string, string | number> = {}): Locator =>
    scope.locator([`[data-testid="${id}"]`, ...Object.entries(data).map(([k, v]) => `[data-${k}="${v}"]`)].join(''));
  const shown = (scope: Page | Locator, id: string, data: Record<string, string | number> = {}) => byTestId(scope, id, data).first().waitFor({ state: 'visible' });

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
    // The workers evaluate alerts on their own; one fraud report raises one.
    stack = await startStack({ sandbox: true, worker: true, gateway: true, env: { CALLS_PER_SECOND: '100', ALERT_INTERVAL_MS: '200', ALERT_FRAUD_REPORTS: '1' } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function signInToOps(page: Page): Promise<void> {
    await page.goto(`${stack.apiUrl}/ops`);
    await shown(page, 'ops-login');
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'queue-table');
    await shown(page, 'connection-state', { state: 'live' });
  }

  /** The page's content is no wider than its viewport (nothing to scroll sideways). */
  async function expectFitsWidth(page: Page): Promise<void> {
    const widths = await page.evaluate(() => ({ visible: document.documentElement.clientWidth, content: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) }));
    expect(widths.content).toBeLessThanOrEqual(widths.visible);
  }

  it('before any traffic: the sign-in and the empty dashboard, its feed one short line; both accessible', async () => {
    const page = await browser.newPage('ops-empty', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/ops`);
    await shown(page, 'ops-login');
    await expectAccessible(page, 'operators, sign-in');
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'connection-state', { state: 'live' });
    await shown(page, 'feed-empty');
    expect(await byTestId(page, 'feed-empty').textContent()).toBe('No events yet.');
    expect(await byTestId(page, 'feed-row').count()).toBe(0);
    // No tall blank box under it.
    expect((await byTestId(page, 'ops-feed').boundingBox())!.height).toBeLessThan(80);
    await shown(page, 'country-empty');
    await expectAccessible(page, 'operators, dashboard without data');
  }, 60_000);

  it('drives a known mix of outcomes: delivered, failed, failed over, fraud, skipped (and watches the interactive call in the simulator)', async () => {
    // alice (US, texts): a verification and a sign-in, both delivered and approved by code.
    P.alice = US();
    await registerVerified(stack, 'ops-alice', { number: P.alice, method: 'sms' });
    const alice = await signIn(stack, 'ops-alice');
    expect((await stack.request('POST', `/v1/challenges/${alice.id}/check`, { code: await latestCode(stack, P.alice, 1) })).body.status).toBe('approved');

    // bob (US call, busy) fails over to his UK text, approved by code: one failure, one failover.
    P.bob = US();
    P.bobBackup = GB();
    await registerVerified(stack, 'ops-bob', { number: P.bob, method: 'call' }, [{ number: P.bobBackup, method: 'sms', label: 'mobile' }]);
    await setNumber(stack, P.bob, { voice: 'busy' });
    ids.bob = (await signIn(stack, 'ops-bob')).id;
    expect((await stack.request('POST', `/v1/challenges/${ids.bob}/check`, { code: await latestCode(stack, P.bobBackup) })).body.status).toBe('approved');

    // carol (US call) reports fraud: answered, then denied — not a failure.
    P.carol = US();
    await registerVerified(stack, 'ops-carol', { number: P.carol, method: 'call' });
    await setNumber(stack, P.carol, { voice: 'report-fraud' });
    ids.carol = (await signIn(stack, 'ops-carol')).id;
    await waitForStatus(stack, ids.carol, 'denied');

    // erin (UK text) fails: her only phone, so the sign-in fails.
    P.erin = GB();
    await registerVerified(stack, 'ops-erin', { number: P.erin, method: 'sms' });
    await setNumber(stack, P.erin, { sms: 'failed' });
    ids.erin = (await signIn(stack, 'ops-erin')).id;
    await waitForStatus(stack, ids.erin, 'failed');

    // dave (US call, answered by hand in the simulator) skips to his backup text: "use a different option".
    P.dave = US();
    P.daveBackup = US();
    await registerVerified(stack, 'ops-dave', { number: P.dave, method: 'call' }, [{ number: P.daveBackup, method: 'sms' }]);
    await setNumber(stack, P.dave, { voice: 'interactive' });
    const dave = await signIn(stack, 'ops-dave');
    ids.dave = dave.id;
    tokens.dave = dave.token;
    await simulatorAgreesWithStatusPage(dave.id, dave.token);
    const advanced = await stack.request('POST', `/v1/challenges/${dave.id}/advance`, {}, { authorization: `Bearer ${dave.token}` });
    expect(advanced.status).toBe(200);
    expect((await stack.request('POST', `/v1/challenges/${dave.id}/check`, { code: await latestCode(stack, P.daveBackup) })).body.status).toBe('approved');
    const done = await getChallenge(stack, dave.id);
    expect(done.steps.map((s) => [s.status, s.reason])).toEqual([
      ['skipped', 'user_skipped'],
      ['succeeded', undefined],
    ]);
  }, 120_000);

  /**
   * The interactive call, answered and waiting for keys: the simulator and the status page say the same
   * ("answered"), and the counts read "0 texts · 2 calls". Quick: the call listens for 8 s, twice.
   */
  async function simulatorAgreesWithStatusPage(challengeId: string, token: string): Promise<void> {
    const status = await browser.newPage('sim-status', { width: 1024, height: 900 });
    await status.goto(`${stack.apiUrl}/status/${challengeId}?token=${encodeURIComponent(token)}`);
    await shown(status, 'step-0-attempt-1', { status: 'answered' });
    const sim = await browser.newPage('simulator-call', { width: 1280, height: 900 });
    await sim.goto(`${stack.apiUrl}/simulator`);
    const card = byTestId(sim, `sim-number-${digitsOf(P.dave)}`);
    await shown(card, 'sim-ringing');
    expect(await byTestId(byTestId(card, 'sim-call').first(), 'sim-call-state').textContent()).toBe('answered — waiting for keys');
    expect((await byTestId(status, 'step-0-attempt-1').textContent())?.toLowerCase()).toContain('answered');
    expect(await byTestId(card, `sim-counts-${digitsOf(P.dave)}`).textContent()).toBe('0 texts · 2 calls · network delay 20 ms');
    expect(await byTestId(sim, `sim-counts-${digitsOf(P.alice)}`).textContent()).toMatch(/^2 texts · 0 calls\b/);
    await browser.docScreenshot(sim, 'simulator.png');
    await expectAccessible(sim, 'phone simulator, a call waiting for keys');
  }

  it('the simulator with calls and texts: plurals, key caps and menus whole, accessible, at 1280 and 390 px', async () => {
    for (const width of [1280, 390]) {
      const sim = await browser.newPage(`simulator-${width}`, { width, height: 900 });
      await sim.goto(`${stack.apiUrl}/simulator`);
      const card = byTestId(sim, `sim-number-${digitsOf(P.daveBackup)}`);
      await shown(card, 'sim-message');
      expect(await byTestId(card, `sim-counts-${digitsOf(P.daveBackup)}`).textContent()).toMatch(/^1 text · 0 calls\b/);
      expect(await byTestId(sim, 'sim-call-state').allTextContents()).toEqual(expect.arrayContaining(['completed', 'busy']));
      // The calls menu shows its choice whole, and every row of key caps sits on one line.
      const cut = await sim.evaluate(() =>
        [...document.querySelectorAll<HTMLSelectElement>('.sim-card select')]
          .filter((select) => {
            const style = getComputedStyle(select);
            const ctx = document.createElement('canvas').getContext('2d')!;
            ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const text = select.options[select.selectedIndex]?.text ?? '';
            return ctx.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) > select.clientWidth;
          })
          .map((select) => `${select.id}: ${select.options[select.selectedIndex]?.text}`),
      );
      expect(cut).toEqual([]);
      const keyRows = await sim.evaluate(() => [...document.querySelectorAll('.keys')].map((k) => new Set([...k.querySelectorAll('kbd')].map((kbd) => Math.round(kbd.getBoundingClientRect().top))).size));
      expect(keyRows.length).toBeGreaterThan(0);
      expect(keyRows.every((lines) => lines === 1)).toBe(true);
      await expectFitsWidth(sim);
      await expectAccessible(sim, `phone simulator with calls and texts, ${width} px`);
    }
  }, 60_000);

  /** What the sandbox says happened, per destination country: the numbers every view must show. */
  async function expectedCounts(): Promise<{ total: OutcomeCounts; byCountry: Record<string, OutcomeCounts> }> {
    const byCountry: Record<string, OutcomeCounts> = { US: zeroCounts(), GB: zeroCounts() };
    for (const e164 of Object.values(P)) {
      const c = byCountry[e164.startsWith('+44') ? 'GB' : 'US'];
      const box = await inbox(stack, e164);
      c.sent += box.messages.length + box.calls.length;
      c.delivered += box.messages.filter((m) => m.status === 'delivered').length + box.calls.filter((call) => call.status === 'completed').length;
      c.failed += box.messages.filter((m) => ['failed', 'undelivered'].includes(m.status)).length + box.calls.filter((call) => ['busy', 'no-answer', 'failed'].includes(call.status)).length;
    }
    // Decided by Redial, not the network: bob's busy call failed over; carol reported fraud; dave skipped his call.
    byCountry.US.failedOver = 1;
    byCountry.US.fraud = 1;
    byCountry.US.skipped = 1;
    const total = zeroCounts();
    for (const counts of Object.values(byCountry)) for (const k of OUTCOME_COUNTERS) total[k] += counts[k];
    return { total, byCountry };
  }

  /** The dashboard's figures as the page shows them: the Outcomes tile, the chart's legend, the country table. */
  const readDashboard = (page: Page) =>
    page.evaluate((counters) => {
      const value = (el: Element | null): number => Number(el?.getAttribute('data-value') ?? NaN);
      const pick = (id: (c: string) => string) => Object.fromEntries(counters.map((c) => [c, value(document.querySelector(`[data-testid="${id(c)}"]`))]));
      const countries: Record<string, Record<string, number>> = {};
      for (const row of document.querySelectorAll('[data-testid="country-row"]')) {
        countries[row.getAttribute('data-country')!] = Object.fromEntries(counters.map((c) => [c, value(row.querySelector(`[data-counter="${c}"]`))]));
      }
      const reasons = [...document.querySelectorAll('[data-testid="tile-reasons"] [data-reason]')].reduce((sum, r) => sum + Number(r.querySelector('.num')?.textContent ?? 0), 0);
      return { tiles: pick((c) => `outcome-${c}`), legend: pick((c) => `legend-${c}`), countries, reasons };
    }, OUTCOME_COUNTERS as readonly string[]);

  /** /metrics' `redial_outcomes_recent{outcome,channel,country}`, summed per outcome and per country. */
  async function readMetrics(): Promise<{ total: OutcomeCounts; byCountry: Record<string, OutcomeCounts> }> {
    const text = await (await fetch(`${stack.apiUrl}/metrics`)).text();
    const total = zeroCounts();
    const byCountry: Record<string, OutcomeCounts> = {};
    for (const m of text.matchAll(/^redial_outcomes_recent\{outcome="(\w+)",channel="\w+",country="(\w+)"\} (\d+)$/gm)) {
      const [, outcome, country, count] = m as unknown as [string, OutcomeCounter, string, string];
      total[outcome] += Number(count);
      (byCountry[country] ??= zeroCounts())[outcome] += Number(count);
    }
    return { total, byCountry };
  }

  it("the operators' counters agree: tiles, chart legend, country table and /metrics show what happened", async () => {
    const expected = await expectedCounts();
    // What the mix was made of, so the comparison below cannot pass on empty figures.
    expect(expected.total).toMatchObject({ failed: 2, failedOver: 1, fraud: 1, skipped: 1 });
    expect(expected.total.delivered).toBeGreaterThanOrEqual(9);
    expect(expected.byCountry.GB.sent).toBe(3);

    const page = await browser.newPage('ops-counters', { width: 1280, height: 900 });
    await signInToOps(page);
    let shownNow = await readDashboard(page);
    // Figures arrive once a second; a mismatch that lasts is reported as a diff below.
    await eventually('the dashboard to show every outcome', async () => {
      shownNow = await readDashboard(page);
      return JSON.stringify(shownNow.tiles) === JSON.stringify(expected.total);
    }).catch(() => undefined);
    expect(shownNow.tiles).toEqual(expected.total);
    expect(shownNow.legend).toEqual(expected.total);
    expect(shownNow.countries).toEqual(expected.byCountry);
    expect(shownNow.reasons).toBe(expected.total.failed);
    expect(await readMetrics()).toEqual(expected);

    // The windows are said next to the figures.
    expect(await byTestId(page, 'tile-outcomes').getAttribute('aria-label')).toBe('Outcomes, last 60 min');
    expect(await page.locator('#chart-heading').textContent()).toBe('Per minute · last 60 min');
    expect(await page.locator('#countries-heading').textContent()).toBe('By country · last 60 min');

    // carol's fraud report raised an alert: the dashboard with data and an alert passes axe, and fits 390 px.
    await shown(page, 'alert', { kind: 'fraud_report' });
    await expectAccessible(page, 'operators, dashboard with data and an alert');
    await browser.docScreenshot(page, 'ops-dashboard.png');
    const mobile = await browser.newPage('ops-counters-390', { width: 390, height: 844 });
    await signInToOps(mobile);
    await shown(mobile, 'country-row', { country: 'GB' });
    await expectFitsWidth(mobile);
    await expectAccessible(mobile, 'operators, dashboard at 390 px');
  }, 60_000);

  it('a reloaded dashboard gets its live feed back: the last events, newest challenge first', async () => {
    const page = await browser.newPage('ops-feed', { width: 1280, height: 900 });
    await signInToOps(page);
    await page.reload();
    await shown(page, 'connection-state', { state: 'live' });
    // dave's sign-in changed last: it is in the backfill, with its final status.
    await shown(page, 'feed-row', { 'challenge-id': ids.dave, status: 'approved' });
    const rows = await byTestId(page, 'feed-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-challenge-id')));
    expect(rows[0]).toBe(ids.dave);
    expect(new Set(rows).size).toBe(rows.length);
    expect(await page.locator('[data-testid="ops-feed"]').textContent()).not.toMatch(/\+\d{7,}/);
  }, 60_000);

  it("a search result's detail opens in view, in the operator's words: steps, attempts, SIDs, error codes, reasons, times", async () => {
    for (const width of [1280, 390]) {
      const page = await browser.newPage(`ops-detail-${width}`, { width, height: 844 });
      await signInToOps(page);
      await byTestId(page, 'ops-search-input').fill(ids.bob);
      await byTestId(page, 'ops-search-submit').click();
      const result = byTestId(page, 'ops-result', { 'challenge-id': ids.bob });
      await result.click();
      const detail = byTestId(page, 'ops-detail', { 'challenge-id': ids.bob });
      await detail.waitFor();
      // In view and focused, wherever the page was scrolled.
      const box = (await detail.boundingBox())!;
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.y + box.height).toBeLessThanOrEqual(844);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('detail-heading');

      expect(await byTestId(detail, 'detail-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['failed', 'succeeded']);
      const [call, text] = await byTestId(detail, 'detail-attempt').all();
      expect(await byTestId(call, 'detail-sid').textContent()).toMatch(/^CA[0-9a-f]{32}$/);
      expect(await byTestId(call, 'detail-reason').textContent()).toBe('busy — The line was busy');
      expect(await byTestId(text, 'detail-sid').textContent()).toMatch(/^SM[0-9a-f]{32}$/);
      expect(await text.textContent()).toMatch(/Sent.*\(\+[\d.]+ m?s\).*Delivered.*\(\+[\d.]+ m?s\)/);
      const words = (await detail.textContent()) ?? '';
      expect(words).toContain(`+1 ••• ••• ••${P.bob.slice(-2)}`);
      expect(words).not.toContain(P.bob);
      await expectFitsWidth(page);
      await expectAccessible(page, `operators, search result with its detail open, ${width} px`);
      await browser.screenshot(page, `ops-detail-${width}`);

      // Escape closes it, and the focus goes back to the result.
      await page.keyboard.press('Escape');
      await detail.waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('ops-result');
    }

    // erin's failed text: its provider error code.
    const page = await browser.newPage('ops-detail-erin', { width: 1280, height: 900 });
    await signInToOps(page);
    await byTestId(page, 'ops-search-input').fill(ids.erin);
    await byTestId(page, 'ops-search-submit').click();
    await byTestId(page, 'ops-result', { 'challenge-id': ids.erin }).click();
    const attempt = byTestId(byTestId(page, 'ops-detail'), 'detail-attempt').first();
    await attempt.waitFor();
    expect(await byTestId(attempt, 'detail-error-code').textContent()).toMatch(/^\d{5}$/);
  }, 60_000);

  it('the Queue admin link opens Bull Board with the operator\'s session, and the board links back to /ops', async () => {
    const page = await browser.newPage('ops-board', { width: 1280, height: 900 });
    await signInToOps(page);
    await byTestId(page, 'bull-board-link').click();
    await page.waitForURL(`${stack.apiUrl}/ops/queues`);
    await page.getByText('Redial queues').first().waitFor();
    // The session: an HttpOnly, SameSite=Strict cookie for the board's path only, holding no token.
    const cookies = await browser.context.cookies(`${stack.apiUrl}/ops/queues`);
    const session = cookies.find((c) => c.name === 'redial_ops');
    expect(session).toMatchObject({ path: '/ops/queues', httpOnly: true, sameSite: 'Strict' });
    expect(session!.value).not.toContain(stack.config.operatorToken);
    // Bull Board's menu has the way back.
    await page.locator('header button[aria-haspopup="menu"]').last().click();
    await page.getByRole('menuitem', { name: "Back to the operators' dashboard" }).click();
    await page.waitForURL(`${stack.apiUrl}/ops`);
    await shown(page, 'queue-table');

    // Signing out ends the board session.
    await byTestId(page, 'ops-sign-out').click();
    await shown(page, 'ops-login');
    await eventually('the board session to end', async () => !(await browser.context.cookies(`${stack.apiUrl}/ops/queues`)).some((c) => c.name === 'redial_ops'));
  }, 60_000);

  it('opened without a session, the board answers the sign-in page (401), which opens the board once signed in', async () => {
    const context = browser.context;
    await context.clearCookies();
    const page = await browser.newPage('ops-board-direct', { width: 1280, height: 900 });
    const first = (await page.goto(`${stack.apiUrl}/ops/queues`)) as Response;
    expect(first.status()).toBe(401);
    await shown(page, 'ops-login');
    expect(await byTestId(page, 'ops-login-notice').textContent()).toContain('queue admin');
    await expectAccessible(page, 'queue board, not signed in');
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await page.getByText('Redial queues').first().waitFor();
    expect(new URL(page.url()).pathname).toBe('/ops/queues');
    // API clients still get the API's JSON error.
    const api = await fetch(`${stack.apiUrl}/ops/queues/api/queues`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'unauthorized' });
  }, 60_000);

  it('an unknown path: browsers get the HTML "Page not found" (404), API clients the JSON error', async () => {
    for (const path of ['/no-such-page', '/ops/no-such-page']) {
      const page = await browser.newPage(`not-found${path.replace(/\W/g, '-')}`, { width: 1280, height: 900 });
      const res = (await page.goto(`${stack.apiUrl}${path}`)) as Response;
      expect(res.status()).toBe(404);
      expect(res.headers()['content-type']).toMatch(/^text\/html/);
      await shown(page, 'not-found');
      expect(await page.locator('h1').textContent()).toBe('Page not found');
      expect(await byTestId(page, 'not-found').textContent()).toContain(path);
      await expectAccessible(page, `404 page for ${path}`);
    }
    // The check can fail: the same page with an image that says nothing to a screen reader does.
    const page = await browser.newPage('not-found-broken', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/no-such-page`);
    await shown(page, 'not-found');
    await page.evaluate(() => document.querySelector('[data-testid="not-found"]')!.append(Object.assign(document.createElement('img'), { src: '/favicon.ico' })));
    await expect(expectAccessible(page, 'a broken 404 page')).rejects.toThrow(/image-alt/);
    const api = await fetch(`${stack.apiUrl}/no-such-page`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await api.json()).toEqual({ error: 'not_found', message: expect.any(String) });
  }, 60_000);
});
