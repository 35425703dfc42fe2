import type { Page } from 'playwright-core';
import { expectAccessible } from './support/axe';
import { byTestId, ensureWebBuilt, launchBrowser, shown, TestBrowser } from './support/browser';
import { registerVerified } from './support/flows';
import { LIVE_MODE_ENV } from './support/live-mode';
import { startStack, Stack } from './support/stack';

/**
 * "Try a sign-in" for an operator, in live mode (issue 15): the server hands out no API key there, so the settings
 * page's demo box acts as the operator signed in on /ops in the same tab (the token is in sessionStorage): it loads
 * a user with the operator token, shows the phones masked, and starts a sign-in whose status page reaches approval
 * (the sandbox, standing in for Twilio, answers the call and presses #). Without an operator session it asks for
 * an API key, as before, and says where operators sign in.
 */
describe('an operator tries a sign-in from the settings page, in live mode, in headless Chromium', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let n = 0;
  const phone = () => `+1203556${String(1000 + n++).padStart(4, '0')}`;

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
    stack = await startStack({ sandbox: true, worker: true, gateway: true, env: LIVE_MODE_ENV });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const text = async (page: Page, id: string): Promise<string> => ((await byTestId(page, id).first().textContent()) ?? '').replace(/\u00a0/g, ' ');

  it('without an operator session, live mode asks for an API key and says where operators sign in', async () => {
    const page = await browser.newPage('operator-try-no-session', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/?user=nobody-yet`);
    await shown(page, 'demo-actor', { actor: 'api-key' });
    await shown(page, 'api-key');
    expect(await text(page, 'demo-panel')).toMatch(/^Demo: your sign-in system/);
    expect(await byTestId(page, 'demo-panel').locator('a[href="/ops"]').textContent()).toBe('sign in on the dashboard');
    expect(await byTestId(page, 'switch-actor').count()).toBe(0);
    await expectAccessible(page, 'settings page, live mode, no API key and no operator session');
    await browser.screenshot(page, 'operator-try-no-session');
  }, 60_000);

  it('signed in on /ops, the operator loads a user (masked, no API key asked), clicks "Try a sign-in" and sees it approved', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'op-browser', { number: primary, method: 'call' }, [{ number: backup, method: 'sms', label: 'mobile' }]);

    const page = await browser.newPage('operator-try', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/ops`);
    await shown(page, 'ops-login');
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'queue-table');

    // The settings page in the same tab: the operator's session is this tab's.
    await byTestId(page, 'nav-settings').click();
    await shown(page, 'demo-actor', { actor: 'operator' });
    expect(await text(page, 'demo-panel')).toMatch(/^Demo: your sign-in system, as the signed-in operator/);
    expect(await byTestId(page, 'api-key').count()).toBe(0);
    await byTestId(page, 'user-id').fill('op-browser');
    await byTestId(page, 'load-settings').click();
    await shown(page, 'settings-status', { status: 'verified' });

    // Phones masked, as operators see them everywhere; nothing to edit or save without an API key.
    const phones = await byTestId(page, 'active-phones').locator('li').allTextContents();
    expect(phones.map((line) => line.replace(/\u00a0/g, ' '))).toEqual([`Primary: +1 ••• ••• ••${primary.slice(-2)} — call`, `Backup (mobile): +1 ••• ••• ••${backup.slice(-2)} — text`]);
    const shownText = await page.locator('main').innerText();
    for (const number of [primary, backup]) expect(shownText).not.toContain(number.slice(-7));
    expect(await byTestId(page, 'settings-form').count()).toBe(0);
    await expectAccessible(page, 'settings page, the operator demo box with a user loaded');
    await browser.screenshot(page, 'operator-try-settings');

    // "Use an API key instead" and back: the key's form appears, and goes again.
    await byTestId(page, 'switch-actor').click();
    await shown(page, 'api-key');
    await shown(page, 'settings-form');
    await byTestId(page, 'switch-actor').click();
    await shown(page, 'demo-actor', { actor: 'operator' });
    await shown(page, 'settings-status', { status: 'verified' });
    expect(await byTestId(page, 'settings-form').count()).toBe(0);

    await byTestId(page, 'try-sign-in').click();
    await page.waitForURL(/\/status\/[^/?]+\?token=/);
    await shown(page, 'person-header');
    // The sandbox answers the call to the primary and presses #: approved, live on the page.
    await shown(page, 'challenge-status', { status: 'approved' });
    await shown(page, 'final-panel', { status: 'approved' });
    expect(await text(page, 'status-title')).toBe("You're signed in");
    await shown(page, 'step-0', { status: 'succeeded', role: 'primary' });
    await expectAccessible(page, 'status page of an operator-started sign-in, approved');
  }, 60_000);
});
