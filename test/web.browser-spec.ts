import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { eventually, latestCode, registerVerified, setNumber, signIn } from './support/flows';
import { byTestId, ensureWebBuilt, launchBrowser, pageWidths, shown, TestBrowser, WEB_DIR } from './support/browser';
import { startStack, Stack } from './support/stack';

/**
 * The single-page UI as a person uses it, in headless Chromium against the whole stack (api serving
 * apps/web/dist, gateway, worker, sandbox). Every wait is on something the page shows; nothing sleeps.
 */
describe('web UI in headless Chromium (settings, live status, phone simulator, ops dashboard)', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let n = 0;
  /** A fresh valid US number for each phone in this suite. */
  const phone = () => `+1201555${String(7000 + n++).padStart(4, '0')}`;
  const digitsOf = (e164: string) => e164.replace(/\D/g, '');
  /** `+12015557000` → `(201) 555-7000`, as a person types it with the country set to United States. */
  const national = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

  /** Every step and attempt entry on the timeline, in page order. */
  const timelineEntries = (page: Page): Promise<string[]> =>
    page.locator('[data-testid="timeline"] [data-testid^="step-"]:not([data-testid$="-sentence"])').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-testid') ?? ''),
    );

  const sandboxBehaviour = async (e164: string): Promise<{ voice?: string; sms?: string }> => {
    const res = await fetch(`${stack.sandboxUrl}/sandbox/numbers/${encodeURIComponent(e164)}`);
    return ((await res.json()) as { behaviour: { voice?: string; sms?: string } }).behaviour;
  };

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
    stack = await startStack({ sandbox: true, worker: true, gateway: true, env: { CALLS_PER_SECOND: '100' } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Opens the phone simulator and makes it answer `number`'s calls by hand (the interactive behaviour). */
  async function answerByHand(tab: string, number: string) {
    const digits = digitsOf(number);
    const sim = await browser.newPage(tab);
    await sim.goto(`${stack.apiUrl}/simulator`);
    await byTestId(sim, 'sim-add-input').fill(number);
    await byTestId(sim, 'sim-add-submit').click();
    const card = byTestId(sim, `sim-number-${digits}`);
    await card.waitFor();
    await byTestId(card, `sim-voice-${digits}`).selectOption('interactive');
    await eventually('the sandbox to take the interactive behaviour', async () => (await sandboxBehaviour(number)).voice === 'interactive');
    return { sim, card };
  }

  it('the web bundle carries the contracts\' types and constants, not their server-side schemas (no zod)', () => {
    const assets = join(WEB_DIR, 'dist', 'assets');
    const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of scripts) expect(readFileSync(join(assets, file), 'utf8')).not.toMatch(/\bzod\b/);
  });

  it('saving settings calls the phone; # pressed in the phone simulator approves, live on the status page', async () => {
    const number = phone();

    // Tab 1: the phone simulator answers this number's calls by hand.
    const { sim, card } = await answerByHand('call-simulator', number);

    // Tab 2: the settings page, first visit for this user.
    const page = await browser.newPage('call-settings');
    await page.goto(`${stack.apiUrl}/?user=web-call-user`);
    await shown(page, 'settings-status', { status: 'none' });
    expect(await byTestId(page, 'primary-country').inputValue()).toBe('US');
    await byTestId(page, 'primary-number').fill(national(number));
    expect(await byTestId(page, 'primary-method-call').isChecked()).toBe(true);
    await shown(page, 'no-backup-notice');
    await browser.screenshot(page, '01-settings-filled');
    await byTestId(page, 'save-settings').click();

    await page.waitForURL(/\/status\/[^/?]+\?token=/);
    await shown(page, 'connection-state', { state: 'live' });
    await shown(page, 'step-0', { method: 'call', role: 'primary' });
    await shown(page, 'call-help');

    // The call rings in the simulator, waiting in its Gather; the status page says so.
    const ringing = byTestId(card, 'sim-ringing');
    await ringing.waitFor();
    await page.waitForFunction(() => /^(ringing|on the line with) your primary phone/i.test(document.querySelector('[data-testid="challenge-headline"]')?.textContent ?? ''));
    expect(await byTestId(page, 'challenge-status').getAttribute('data-status')).toBe('pending');
    await browser.screenshot(sim, '02-simulator-ringing');
    await browser.screenshot(page, '03-status-calling');

    await byTestId(ringing, 'keypad-approve').click();
    await shown(page, 'challenge-status', { status: 'approved' });
    await shown(page, 'final-panel', { status: 'approved' });
    await shown(page, 'step-0', { status: 'succeeded' });
    await byTestId(card, 'sim-ringing').waitFor({ state: 'detached' });
    await byTestId(card, 'sim-call').filter({ hasText: 'pressed #' }).waitFor();
    await browser.screenshot(page, '04-status-approved');

    // Back on the settings page, the new phone is the one in force.
    await byTestId(page, 'back-to-settings').click();
    await shown(page, 'settings-status', { status: 'verified' });
    expect(await byTestId(page, 'active-phones').textContent()).toContain(`••${number.slice(-2)}`);
    await browser.screenshot(page, '05-settings-verified');
  }, 60_000);

  it('on the simulator keypad, 0 then # — two key presses, as a handset sends them — denies and reports fraud', async () => {
    const number = phone();
    await registerVerified(stack, 'web-fraud-user', { number, method: 'call' });
    const { card } = await answerByHand('fraud-simulator', number);

    const challenge = await signIn(stack, 'web-fraud-user');
    const ringing = byTestId(card, 'sim-ringing');
    await ringing.waitFor();
    await byTestId(ringing, 'keypad-key-0').click();
    // The 0 alone is not a report: the call asks for # to confirm.
    await eventually('the 0 to be heard', async () => (await stack.request('GET', `/v1/challenges/${challenge.id}`)).body.status === 'pending' && (await byTestId(card, 'keypad-typed').textContent())?.includes('0'));
    expect((await stack.request('GET', `/v1/challenges/${challenge.id}`)).body.status).toBe('pending');
    await byTestId(ringing, 'keypad-key-pound').click();
    const done = await eventually('the challenge to be denied', async () => {
      const res = await stack.request('GET', `/v1/challenges/${challenge.id}`);
      return res.body.status === 'denied' ? res.body : undefined;
    });
    expect(done.steps[0]).toMatchObject({ status: 'failed', reason: 'fraud_reported' });
    await byTestId(card, 'sim-ringing').waitFor({ state: 'detached' });
  }, 60_000);

  it('a texted code read from the simulator approves; a refresh mid-challenge resumes without duplicates', async () => {
    const number = phone();
    const digits = digitsOf(number);
    const page = await browser.newPage('sms-settings');
    await page.goto(`${stack.apiUrl}/?user=web-sms-user`);
    await shown(page, 'settings-status', { status: 'none' });
    await byTestId(page, 'primary-number').fill(national(number));
    await byTestId(page, 'primary-method-sms').check();
    await byTestId(page, 'save-settings').click();

    await page.waitForURL(/\/status\/[^/?]+\?token=/);
    const statusUrl = page.url();
    await shown(page, 'code-form');
    await shown(page, 'step-0-attempt-1', { status: 'delivered' });

    const sim = await browser.newPage('sms-simulator');
    await sim.goto(`${stack.apiUrl}/simulator`);
    const message = byTestId(byTestId(sim, `sim-messages-${digits}`), 'sim-message').first();
    await message.waitFor();
    const code = ((await byTestId(message, 'sim-code').textContent()) ?? '').trim();
    expect(code).toMatch(/^\d{6}$/);
    expect(await message.getAttribute('data-code')).toBe(code);
    await browser.screenshot(sim, '06-simulator-text');

    // Refresh mid-challenge: the page comes back from the socket's snapshot with the same entries, once each.
    const before = await timelineEntries(page);
    expect(before).toEqual(['step-0', 'step-0-attempt-1']);
    await page.reload();
    await shown(page, 'connection-state', { state: 'live' });
    await shown(page, 'challenge-status', { status: 'pending' });
    await shown(page, 'step-0-attempt-1', { status: 'delivered' });
    expect(page.url()).toBe(statusUrl);
    expect(await timelineEntries(page)).toEqual(before);
    expect(await byTestId(page, 'attempts-left').getAttribute('data-attempts-left')).toBe('5');

    // A wrong code costs an attempt; the right one, typed from the simulator, approves.
    const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
    await byTestId(page, 'code-input').fill(wrong);
    await byTestId(page, 'code-submit').click();
    await shown(page, 'attempts-left', { 'attempts-left': 4 });
    expect(await byTestId(page, 'code-message').textContent()).toMatch(/didn't work/);
    await byTestId(page, 'code-input').pressSequentially(code);
    await byTestId(page, 'code-submit').click();
    await shown(page, 'challenge-status', { status: 'approved' });
    await shown(page, 'step-0', { status: 'succeeded' });
    expect(await timelineEntries(page)).toEqual(before);
    await browser.screenshot(page, '07-status-sms-approved');
  }, 60_000);

  it('a failover shows on the status page: busy primary call, then the backup text (and fits a 390 px phone)', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'web-failover-user', { number: primary, method: 'call' }, [{ number: backup, method: 'sms', label: 'mobile' }]);
    await setNumber(stack, primary, { voice: 'busy' });
    const challenge = await signIn(stack, 'web-failover-user');
    const url = `${stack.apiUrl}/status/${challenge.id}?token=${encodeURIComponent(challenge.token)}`;

    const page = await browser.newPage('failover-status', { width: 1024, height: 900 });
    await page.goto(url);
    await shown(page, 'step-0', { status: 'failed', method: 'call', role: 'primary' });
    await shown(page, 'step-1', { status: 'active', method: 'sms', role: 'backup' });
    await shown(page, 'step-1-attempt-1', { status: 'delivered' });
    await shown(page, 'code-form');
    await shown(page, 'connection-state', { state: 'live' });
    expect(await byTestId(page, 'challenge-headline').textContent()).toMatch(/busy on your primary phone, so we're waiting for the code/i);
    expect(await byTestId(page, 'step-0-attempt-1').textContent()).toMatch(/The line was busy/);
    expect(await byTestId(page, 'challenge-status').getAttribute('data-status')).toBe('pending');
    await browser.docScreenshot(page, 'status-failover.png');

    // The same page on a 390×844 phone: everything fits the width.
    const mobile = await browser.newPage('failover-status-mobile', { width: 390, height: 844 });
    await mobile.goto(url);
    await shown(mobile, 'step-1', { status: 'active' });
    await shown(mobile, 'code-form');
    const widths = await pageWidths(mobile);
    expect(widths.viewport).toBe(390);
    expect(widths.content).toBeLessThanOrEqual(widths.visible);
    await browser.screenshot(mobile, '08-status-failover-390px');

    // The code from the backup phone approves; both tabs see it live.
    const code = await latestCode(stack, backup);
    await byTestId(mobile, 'code-input').fill(code);
    await byTestId(mobile, 'code-submit').click();
    for (const p of [mobile, page]) {
      await shown(p, 'challenge-status', { status: 'approved' });
      await shown(p, 'step-1', { status: 'succeeded' });
      await shown(p, 'step-0', { status: 'failed' });
    }
    expect(await timelineEntries(page)).toEqual(['step-0', 'step-0-attempt-1', 'step-1', 'step-1-attempt-1']);
    await browser.screenshot(page, '09-status-failover-approved');
  }, 60_000);

  it('the ops dashboard signs in with the operator token and its counts move live', async () => {
    const page = await browser.newPage('ops-dashboard', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/ops`);
    await shown(page, 'ops-login');
    await byTestId(page, 'operator-token').fill(`${stack.config.operatorToken}-wrong`);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'error-operator-token');
    expect(await byTestId(page, 'error-operator-token').textContent()).toMatch(/wasn't accepted/);
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'queue-table');
    await shown(page, 'connection-state', { state: 'live' });
    // Figures have arrived once the cells carry values.
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-texts-completed"]')?.getAttribute('data-value') !== '');

    const figure = (id: string): Promise<number> =>
      page.evaluate((testId) => {
        const el = document.querySelector(`[data-testid="${testId}"]`);
        return Number(el?.getAttribute('data-value') ?? el?.textContent?.replace(/[^\d]/g, ''));
      }, id);
    const textsBefore = await figure('queue-texts-completed');
    const approvedBefore = await figure('challenges-approved');
    expect(Number.isFinite(textsBefore)).toBe(true);
    expect(Number.isFinite(approvedBefore)).toBe(true);

    // A sign-in by text, approved: the feed, the texts queue and the approvals move without a reload.
    const number = phone();
    await registerVerified(stack, 'web-ops-user', { number, method: 'sms' });
    const challenge = await signIn(stack, 'web-ops-user');
    await shown(page, 'feed-row', { 'challenge-id': challenge.id });
    const code = await latestCode(stack, number, 1);
    const checked = await stack.request('POST', `/v1/challenges/${challenge.id}/check`, { code });
    expect(checked.body.status).toBe('approved');
    await shown(page, 'feed-row', { 'challenge-id': challenge.id, status: 'approved' });
    await page.waitForFunction(
      ([texts, approved]) => {
        const value = (id: string) => {
          const el = document.querySelector(`[data-testid="${id}"]`);
          return Number(el?.getAttribute('data-value') ?? el?.textContent?.replace(/[^\d]/g, ''));
        };
        // Two texts (settings verification, sign-in) and two approvals since the first figures.
        return value('queue-texts-completed') >= texts + 2 && value('challenges-approved') >= approved + 2;
      },
      [textsBefore, approvedBefore] as const,
      { timeout: 15_000 },
    );
    expect(await byTestId(page, 'ops-error').count()).toBe(0);
    // The README's dashboard screenshot comes from test/ops-pages.browser-spec.ts (a known mix of outcomes).
    await browser.screenshot(page, '10-ops-dashboard');
  }, 60_000);
});
