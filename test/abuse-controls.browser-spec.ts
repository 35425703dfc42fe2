import { PumpingStore } from '@redial/guard';
import { byTestId, ensureWebBuilt, launchBrowser, shown, TestBrowser } from './support/browser';
import { eventually } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * Issue 13 in the browser: the settings page says which countries can be texted and called and shows a geo
 * refusal in plain words under the number; the ops dashboard lists suspended number ranges and releases one.
 */
describe('abuse controls in headless Chromium (geo permissions on the settings page, suspensions on the dashboard)', () => {
  let stack: Stack;
  let browser: TestBrowser;

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
    stack = await startStack({ sandbox: true, worker: true, env: { SMS_ALLOWED_COUNTRIES: 'GB,CA', CALL_ALLOWED_COUNTRIES: 'GB,CA,DE' } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the settings page says where texts and calls can go, and refuses a text to Germany in plain words', async () => {
    const page = await browser.newPage('geo-settings');
    await page.goto(`${stack.apiUrl}/?user=web-geo-user`);
    await shown(page, 'allowed-countries');
    expect(await byTestId(page, 'allowed-countries-sms').textContent()).toBe('Texts: phones in Canada, United Kingdom and United States.');
    expect(await byTestId(page, 'allowed-countries-call').textContent()).toBe('Calls: phones in Canada, Germany, United Kingdom and United States.');

    await byTestId(page, 'primary-number').fill('+49 1512 3456789');
    await byTestId(page, 'primary-method-sms').check();
    await byTestId(page, 'save-settings').click();
    await shown(page, 'error-primary-number');
    expect(await byTestId(page, 'error-primary-number').textContent()).toContain('This service doesn\'t send texts to phones in Germany (DE). Choose "Call me" instead.');
    expect(page.url()).not.toMatch(/\/status\//);
    await browser.screenshot(page, 'geo-refused');
  }, 60_000);

  it('the ops dashboard shows what texts cost today, by channel and by country', async () => {
    // One verification text to a UK mobile: priced from the table, counted in the shared spend.
    const saved = await stack.request('PUT', '/v1/users/spend-user/phones', { primary: { number: '+447400123456', method: 'sms' } });
    expect({ status: saved.status, body: saved.body }).toMatchObject({ status: 200 });
    await eventually('the text to be priced', async () => ((await stack.request('GET', '/v1/ops/stats', undefined, { authorization: `Bearer ${stack.config.operatorToken}` })).body.spend?.today.totalUsd ?? 0) > 0);
    const page = await browser.newPage('ops-spend', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/ops`);
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'spend');
    await page.waitForFunction(() => /[1-9]/.test(document.querySelector('[data-testid="spend-today-sms"]')?.textContent ?? ''));
    expect(await byTestId(page, 'spend-today-call').textContent()).toMatch(/\$0(\.0+)?\b/);
    expect(await byTestId(page, 'tile-spend-countries').textContent()).toContain('United Kingdom');
  }, 60_000);

  it('the ops dashboard lists a suspended number range and an operator releases it', async () => {
    await stack.api.get(PumpingStore).suspend('44-740', { sent: 40, verified: 1 });
    const page = await browser.newPage('ops-suspensions', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/ops`);
    await byTestId(page, 'operator-token').fill(stack.config.operatorToken);
    await byTestId(page, 'ops-login-submit').click();
    await shown(page, 'suspension-44-740');
    expect(await byTestId(page, 'suspension-44-740').textContent()).toContain('+44 740…');
    expect(await byTestId(page, 'suspension-44-740').textContent()).toContain('1 of 40');

    // A release is audited: the dashboard asks who releases it.
    await byTestId(page, 'release-44-740').click();
    await shown(page, 'error-release-operator');
    await byTestId(page, 'release-operator').fill('ops-bob');
    await byTestId(page, 'release-44-740').click();
    await shown(page, 'suspension-released');
    expect(await byTestId(page, 'suspension-released').textContent()).toContain('released by ops-bob');
    await shown(page, 'no-suspensions');
    expect(await stack.api.get(PumpingStore).list()).toEqual([]);
  }, 60_000);
});
