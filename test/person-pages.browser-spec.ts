import type { Page } from 'playwright-core';
import { PrismaService } from '@redial/database';
import { WorkerHost } from '../apps/worker/src/worker.host';
import { axeViolations, expectAccessible } from './support/axe';
import { byTestId, ensureWebBuilt, launchBrowser, pageWidths, shown, TestBrowser } from './support/browser';
import { eventually, latestCode, registerVerified, setNumber, signIn } from './support/flows';
import { startStack, Stack } from './support/stack';

/**
 * The person's pages (issue 15) in headless Chromium against the whole stack: "Try a sign-in" from the settings
 * page, the live status page in its own minimal layout and in every final state, an invalid link, the settings
 * page (demo box, formatted numbers, validation on blur, reordering, verifying a backup on demand), the keyboard
 * alone — and axe on each of those states, at 1280 and 390 px.
 */
describe('the person\'s pages in headless Chromium (try a sign-in, status outcomes, settings, keyboard, axe)', () => {
  let stack: Stack;
  let browser: TestBrowser;
  let n = 0;
  /** A fresh valid US number for each phone in this suite. */
  const phone = () => `+1201555${String(8000 + n++).padStart(4, '0')}`;
  const PHONE = { width: 390, height: 844 };

  beforeAll(async () => {
    ensureWebBuilt();
    browser = await launchBrowser();
    stack = await startStack({ sandbox: true, worker: true, gateway: true, env: { CALLS_PER_SECOND: '100' } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const statusUrl = (c: { id: string; token: string }) => `${stack.apiUrl}/status/${c.id}?token=${encodeURIComponent(c.token)}`;
  const text = async (page: Page, id: string): Promise<string> => ((await byTestId(page, id).first().textContent()) ?? '').replace(/\u00a0/g, ' ');
  const badge = async (page: Page, step: number): Promise<string> => (await byTestId(page, `step-${step}`).locator('.status').textContent()) ?? '';

  /** The status page of a person: the name only, no navigation into the demo, the simulator or the operators' pages. */
  async function expectPersonLayout(page: Page): Promise<void> {
    await shown(page, 'person-header');
    expect(await page.locator('nav, a[href="/ops"], a[href="/simulator"], a[href="/"]').count()).toBe(0);
  }

  /** A final state reads as final: its own heading (not "Signing you in"), its icon, no live indicator. */
  async function expectFinal(page: Page, status: string, title: string): Promise<void> {
    await shown(page, 'challenge-status', { status });
    await shown(page, 'final-panel', { status });
    expect(await text(page, 'status-title')).toBe(title);
    expect(await page.title()).toContain(title);
    expect(await byTestId(page, 'connection-state').count()).toBe(0);
    expect(await byTestId(page, 'final-icon').locator('svg').count()).toBe(1);
  }

  /** Every masked number on the page is kept on one line: joined by non-breaking spaces, and drawn that way. */
  async function maskedNumbersOnOneLine(page: Page): Promise<Array<{ text: string; lines: number }>> {
    return page.evaluate(() => {
      const found: Array<{ text: string; lines: number }> = [];
      const walker = document.createTreeWalker(document.querySelector('main') as Node, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of (node.textContent ?? '').matchAll(/\+\d{1,3}(?:[ \u00a0]•+)+\d*/g)) {
          const range = document.createRange();
          range.setStart(node, m.index ?? 0);
          range.setEnd(node, (m.index ?? 0) + m[0].length);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          found.push({ text: m[0], lines: tops.size });
        }
      }
      return found;
    });
  }
  async function expectMaskedNumbersUnbroken(page: Page): Promise<void> {
    const numbers = await maskedNumbersOnOneLine(page);
    expect(numbers.length).toBeGreaterThan(0);
    for (const { text: masked, lines } of numbers) expect({ masked, lines, spaces: masked.includes(' ') }).toEqual({ masked, lines: 1, spaces: false });
  }

  /** No sentence on the page is said twice ("4 attempts left" under the box and in the message above it). */
  async function expectNothingSaidTwice(page: Page): Promise<void> {
    const all = (await page.locator('main').innerText())
      .replace(/\u00a0/g, ' ')
      .split(/\n+|(?<=[.!?])\s+/)
      .map((s) => s.trim())
      .filter((s) => s.length >= 12);
    expect(all.filter((s, i) => all.indexOf(s) !== i)).toEqual([]);
  }

  /** Waits for the element with this id to hold the focus; on a timeout, names the element that holds it instead. */
  async function focusedOn(page: Page, id: string): Promise<void> {
    try {
      await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5_000 });
    } catch {
      expect(await page.evaluate(() => document.activeElement?.id ?? document.activeElement?.tagName)).toBe(id);
    }
  }

  /** Presses Tab until `selector` has the focus (keyboard only), within `max` presses. */
  async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`Tab never reached ${selector} in ${max} presses`);
  }

  it('"Try a sign-in" starts one for the loaded user; the status page follows a busy primary over to the backup, which approves', async () => {
    const primary = phone();
    const backup = phone();
    await registerVerified(stack, 'try-user', { number: primary, method: 'call' }, [{ number: backup, method: 'sms', label: 'mobile' }]);
    await setNumber(stack, primary, { voice: 'busy' });

    const page = await browser.newPage('try-sign-in', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/?user=try-user`);
    await shown(page, 'settings-status', { status: 'verified' });
    expect(await text(page, 'demo-panel')).toContain('Sandbox demo');
    await expectAccessible(page, 'settings page, filled and verified');
    await byTestId(page, 'try-sign-in').click();

    // The failover, live: the busy primary, then the code texted to the backup.
    await page.waitForURL(/\/status\/[^/?]+\?token=/);
    await expectPersonLayout(page);
    await shown(page, 'step-1', { status: 'active', role: 'backup' });
    await shown(page, 'step-1-attempt-1', { status: 'delivered' });
    await shown(page, 'connection-state', { state: 'live' });
    expect(await text(page, 'status-title')).toBe('Signing you in');
    expect(await text(page, 'challenge-headline')).toMatch(/^The line was busy on your primary phone, so we're waiting for the code we texted to your backup mobile phone \+1 ••• ••• ••\d\d\.$/);
    expect(await byTestId(page, 'advance-button').count()).toBe(0);
    expect((await page.locator('main').innerText()).match(/last verification option/g)).toHaveLength(1);
    await expectNothingSaidTwice(page);
    await expectAccessible(page, 'status page, in progress after a failover');

    await byTestId(page, 'code-input').fill(await latestCode(stack, backup));
    await byTestId(page, 'code-submit').click();
    await expectFinal(page, 'approved', "You're signed in");
    await shown(page, 'step-0', { status: 'failed', role: 'primary' });
    await shown(page, 'step-1', { status: 'succeeded', role: 'backup' });
    expect(await text(page, 'challenge-headline')).toMatch(/^Approved on your backup mobile phone \+1 ••• ••• ••\d\d\.$/);
    expect(await text(page, 'step-0-attempt-1')).toContain('The line was busy');
    expect(await badge(page, 0)).toBe("Didn't work");
    expect(await text(page, 'final-panel')).toBe('You can close this page.');
    await expectNothingSaidTwice(page);
    await expectMaskedNumbersUnbroken(page);
    await expectAccessible(page, 'status page, sign-in approved after a failover');

    // The same page on a 390 px phone: it fits, and the masked numbers still do not break.
    const mobile = await browser.newPage('try-sign-in-390', PHONE);
    await mobile.goto(page.url());
    await expectFinal(mobile, 'approved', "You're signed in");
    const widths = await pageWidths(mobile);
    expect(widths.content).toBeLessThanOrEqual(widths.visible);
    await expectMaskedNumbersUnbroken(mobile);
    await expectAccessible(mobile, 'status page at 390 px, approved');
    await browser.screenshot(mobile, 'person-approved-390px');
  }, 60_000);

  it('a denied sign-in (0# on the call) says so once, marks the phones never used "Not tried", and stops', async () => {
    const primary = phone();
    await registerVerified(stack, 'denied-user', { number: primary, method: 'call' }, [
      { number: phone(), method: 'sms', label: 'mobile' },
      { number: phone(), method: 'call', label: 'office' },
    ]);
    await setNumber(stack, primary, { voice: 'report-fraud' });
    const challenge = await signIn(stack, 'denied-user');

    const page = await browser.newPage('denied', { width: 1280, height: 900 });
    await page.goto(statusUrl(challenge));
    await expectPersonLayout(page);
    await expectFinal(page, 'denied', 'Sign-in denied');
    expect(await text(page, 'challenge-headline')).toMatch(
      /^Someone pressed 0 then # on the call to your primary phone \+1 ••• ••• ••\d\d to report it as fraud, so nobody was signed in\.$/,
    );
    expect(await byTestId(page, 'final-icon').locator('svg').getAttribute('data-icon')).toBe('stop');
    expect(await text(page, 'final-panel')).toBe("If that wasn't you, change your password: someone else may know it.Go back to the sign-in page and start again.");
    expect(await badge(page, 0)).toBe('Denied');
    for (const step of [1, 2]) {
      expect(await badge(page, step)).toBe('Not tried');
      expect(await text(page, `step-${step}-sentence`)).toMatch(/^Your backup (mobile|office) phone \+1 ••• ••• ••\d\d$/);
    }
    const main = await page.locator('main').innerText();
    expect(main).not.toMatch(/Not needed|Not yet|Signing you in|⛔|✓|×/);
    expect(await byTestId(page, 'advance-button').count()).toBe(0);
    await expectNothingSaidTwice(page);
    await expectMaskedNumbersUnbroken(page);
    await expectAccessible(page, 'status page, denied');
    await browser.docScreenshot(page, 'status-denied.png');
  }, 60_000);

  it('failed, expired, canceled and too many wrong codes each replace the heading and stop the live indicator', async () => {
    // Failed: the one phone is busy.
    const lonely = phone();
    await registerVerified(stack, 'failed-user', { number: lonely, method: 'call' });
    await setNumber(stack, lonely, { voice: 'busy' });
    const failed = await browser.newPage('failed', PHONE);
    await failed.goto(statusUrl(await signIn(stack, 'failed-user')));
    await expectFinal(failed, 'failed', "We couldn't reach you");
    expect(await text(failed, 'challenge-headline')).toMatch(/^Your primary phone \+1 ••• ••• ••\d\d couldn't be reached\.$/);
    expect(await text(failed, 'final-panel')).toBe('Go back to the sign-in page and start again.');
    await expectNothingSaidTwice(failed);
    await expectAccessible(failed, 'status page at 390 px, failed');

    // The others start from a text waiting for its code, live on the page (a user and number each: a phone
    // gets one text per SMS cool-down).
    const waiting = async (label: string) => {
      const texted = phone();
      await registerVerified(stack, `${label}-user`, { number: texted, method: 'sms' }, [{ number: phone(), method: 'call' }]);
      const c = await signIn(stack, `${label}-user`);
      const page = await browser.newPage(label, { width: 1280, height: 900 });
      await page.goto(statusUrl(c));
      await shown(page, 'code-form');
      await shown(page, 'step-0-attempt-1', { status: 'delivered' });
      await shown(page, 'connection-state', { state: 'live' });
      expect(await text(page, 'status-title')).toBe('Signing you in');
      return { c, page, texted };
    };

    // Expired: past its time, the reconciler expires it (as the expiry job would); the open page sees it live.
    const expiring = await waiting('expired');
    await stack.api.get(PrismaService).client.challenge.update({ where: { id: expiring.c.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await stack.worker!.get(WorkerHost).reconcileOnce();
    await expectFinal(expiring.page, 'expired', 'This sign-in expired');
    expect(await text(expiring.page, 'challenge-headline')).toBe("This sign-in wasn't completed in time.");
    await expectAccessible(expiring.page, 'status page, expired');

    // Canceled from the page itself.
    const canceling = await waiting('canceled');
    await expectAccessible(canceling.page, 'status page, in progress (a texted code)');
    await byTestId(canceling.page, 'cancel-button').click();
    await expectFinal(canceling.page, 'canceled', 'Sign-in canceled');
    expect(await text(canceling.page, 'challenge-headline')).toBe('No more calls or texts will be sent for this sign-in.');
    expect(await badge(canceling.page, 1)).toBe('Not tried');
    await expectNothingSaidTwice(canceling.page);
    await expectAccessible(canceling.page, 'status page, canceled');

    // Five wrong codes: the count is said once, under the box, and the page ends as final.
    const guessing = await waiting('max-attempts');
    const code = await latestCode(stack, guessing.texted, 1);
    const wrong = code === '000000' ? '111111' : '000000';
    await byTestId(guessing.page, 'code-input').fill(wrong);
    await byTestId(guessing.page, 'code-submit').click();
    await shown(guessing.page, 'attempts-left', { 'attempts-left': 4 });
    expect(await text(guessing.page, 'code-message')).toBe("That code didn't work. Check the text and try again.");
    expect((await guessing.page.locator('main').innerText()).match(/4 attempts left/g)).toHaveLength(1);
    await expectAccessible(guessing.page, 'status page, a wrong code entered');
    for (let i = 0; i < 4; i++) {
      const res = await stack.request('POST', `/v1/challenges/${guessing.c.id}/check`, { code: wrong }, { authorization: `Bearer ${guessing.c.token}` });
      expect(res.status).toBe(200);
    }
    await expectFinal(guessing.page, 'max_attempts_reached', 'Too many wrong codes');
    await expectAccessible(guessing.page, 'status page, too many wrong codes');
  }, 60_000);

  it('a link with a bad token, or none, says what to do next', async () => {
    const c = await (async () => {
      await registerVerified(stack, 'link-user', { number: phone(), method: 'sms' });
      return signIn(stack, 'link-user');
    })();
    for (const [label, url] of [
      ['a wrong token', `${stack.apiUrl}/status/${c.id}?token=${encodeURIComponent(`${c.token.slice(0, -4)}AAAA`)}`],
      ['no token', `${stack.apiUrl}/status/${c.id}`],
      ['an unknown challenge', `${stack.apiUrl}/status/00000000-0000-4000-8000-000000000000?token=x`],
    ] as const) {
      const page = await browser.newPage(`invalid-link-${label.replace(/\W+/g, '-')}`, PHONE);
      await page.goto(url);
      await shown(page, 'invalid-link');
      expect({ label, title: await page.locator('h1').textContent(), tab: await page.title() }).toEqual({ label, title: "This link doesn't work", tab: expect.stringContaining("This link doesn't work") });
      expect(await text(page, 'invalid-link-next')).toMatch(/^Go back to the sign-in page and start again\./);
      await expectPersonLayout(page);
      await expectAccessible(page, `invalid link (${label})`);
    }
  }, 60_000);

  it('settings: a labelled demo box, numbers as their country writes them, checks on blur, a caution clear of the add button, backups reordered and verified on demand', async () => {
    const primary = phone();
    const desk = phone();
    await registerVerified(stack, 'settings-user', { number: primary, method: 'call' }, [
      { number: '+44 20 7946 0958', method: 'call', label: 'office' },
      { number: desk, method: 'call', label: 'alternate' },
      { number: '+44 7400 123456', method: 'sms', label: 'mobile' },
    ]);
    const page = await browser.newPage('settings', { width: 1280, height: 1000 });
    await page.goto(`${stack.apiUrl}/?user=settings-user`);
    await shown(page, 'settings-status', { status: 'verified' });
    expect(await text(page, 'demo-panel')).toMatch(/^Sandbox demo: your sign-in system/);
    expect(await byTestId(page, 'primary-number').inputValue()).toBe(`(${primary.slice(2, 5)}) ${primary.slice(5, 8)}-${primary.slice(8)}`);
    expect(await byTestId(page, 'backups-0-number').inputValue()).toBe('+44 20 7946 0958');
    expect(await byTestId(page, 'backups-2-number').inputValue()).toBe('+44 7400 123456');
    expect(await byTestId(page, 'verified-primary').getAttribute('data-verified')).toBe('yes');
    expect(await byTestId(page, 'verified-backups-1').getAttribute('data-verified')).toBe('no');

    // The caution under the last backup (a text to a UK mobile) keeps its distance from the add button.
    const caution = await byTestId(page, 'intl-caution-backups-2').boundingBox();
    const add = await byTestId(page, 'add-backup').boundingBox();
    expect(caution && add && add.y - (caution.y + caution.height)).toBeGreaterThanOrEqual(16);
    expect(await page.locator('[data-testid="intl-notice"]').count()).toBe(0);

    // Validation on blur: a number too short is named as soon as the field is left, before any save.
    await byTestId(page, 'add-backup').click();
    await byTestId(page, 'backups-3-number').fill('555 01');
    await page.keyboard.press('Tab');
    await shown(page, 'error-backups-3-number');
    expect(await text(page, 'error-backups-3-number')).toBe('That number is too short for United States.');
    expect(await byTestId(page, 'backups-3-number').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'settings page, a field in error');
    await byTestId(page, 'remove-backups-3').click();

    // Reordered with the keyboard: the moved backup's button keeps the focus, and the order is saved.
    await byTestId(page, 'move-down-backups-0').focus();
    await page.keyboard.press('Enter');
    expect(await byTestId(page, 'backups-1-number').inputValue()).toBe('+44 20 7946 0958');
    await focusedOn(page, 'move-down-backups-1');
    expect(await text(page, 'backup-moved')).toBe('Backup phone 1 is now backup phone 2.');
    await page.keyboard.press('Enter');
    expect(await byTestId(page, 'backups-2-number').inputValue()).toBe('+44 20 7946 0958');
    await focusedOn(page, 'move-up-backups-2');
    await byTestId(page, 'save-settings').click();
    await page.waitForURL(/\/status\//);
    await expectFinal(page, 'approved', 'Phone verified');
    await byTestId(page, 'back-to-settings').click();
    await shown(page, 'settings-status', { status: 'verified' });
    expect(await byTestId(page, 'backups-0-number').inputValue()).toBe(`(${desk.slice(2, 5)}) ${desk.slice(5, 8)}-${desk.slice(8)}`);
    expect(await byTestId(page, 'backups-1-number').inputValue()).toBe('+44 7400 123456');
    expect(await byTestId(page, 'backups-2-number').inputValue()).toBe('+44 20 7946 0958');

    // "Verify this phone now": a challenge to that phone alone, then its verified date.
    await byTestId(page, 'verify-backups-2').click();
    await page.waitForURL(/\/status\//);
    expect(await text(page, 'step-0-sentence')).toMatch(/backup office phone \+44 [• ]+58$/);
    await expectFinal(page, 'approved', 'Phone verified');
    expect(await byTestId(page, 'timeline').locator('[data-testid^="step-"][data-role]').count()).toBe(1);
    expect(await text(page, 'final-panel')).toContain("We'll use this phone if your primary phone can't be reached.");
    await byTestId(page, 'back-to-settings').click();
    await shown(page, 'verified-backups-2', { verified: 'yes' });
    expect(await text(page, 'verified-backups-2')).toMatch(/Verified on [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
    expect(await byTestId(page, 'verified-backups-0').getAttribute('data-verified')).toBe('no');
    const settings = (await stack.request('GET', '/v1/users/settings-user/phones')).body;
    expect(settings.backups.map((b: { verifiedAt: string | null }) => b.verifiedAt !== null)).toEqual([false, false, true]);
    await expectAccessible(page, 'settings page, a backup verified');
    await browser.docScreenshot(page, 'settings.png');

    // At 390 px the page fits, demo box and all.
    const mobile = await browser.newPage('settings-390', PHONE);
    await mobile.goto(`${stack.apiUrl}/?user=settings-user`);
    await shown(mobile, 'settings-status', { status: 'verified' });
    const widths = await pageWidths(mobile);
    expect(widths.content).toBeLessThanOrEqual(widths.visible);
    await expectAccessible(mobile, 'settings page at 390 px');
    await browser.screenshot(mobile, 'person-settings-390px');

    // And a newcomer's empty page.
    const empty = await browser.newPage('settings-empty', PHONE);
    await empty.goto(`${stack.apiUrl}/?user=nobody-yet`);
    await shown(empty, 'settings-status', { status: 'none' });
    expect(await byTestId(empty, 'try-sign-in').count()).toBe(0);
    await expectAccessible(empty, 'settings page, empty');
  }, 60_000);

  it('settings → status → code entry with the keyboard alone (Tab, arrow keys, typing, Enter)', async () => {
    const number = phone();
    const page = await browser.newPage('keyboard', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/?user=keyboard-user`);
    await shown(page, 'settings-status', { status: 'none' });
    await tabTo(page, '#primary-number');
    await page.keyboard.type(`${number.slice(2, 5)} ${number.slice(5, 8)} ${number.slice(8)}`);
    await tabTo(page, 'input[type="radio"][value="call"]');
    await page.keyboard.press('ArrowRight');
    expect(await byTestId(page, 'primary-method-sms').isChecked()).toBe(true);
    await tabTo(page, '[data-testid="save-settings"]');
    await page.keyboard.press('Enter');

    await page.waitForURL(/\/status\//);
    await shown(page, 'code-form');
    await shown(page, 'step-0-attempt-1', { status: 'delivered' });
    await expectAccessible(page, 'status page, in progress (waiting for a code)');
    const code = await latestCode(stack, number);
    await tabTo(page, '#code');
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await expectFinal(page, 'approved', 'Phone verified');
    await expectAccessible(page, 'status page, approved');
    expect(await eventually('the settings to be active', async () => (await stack.request('GET', '/v1/users/keyboard-user/phones')).body.status === 'verified')).toBe(true);
  }, 60_000);

  it('the axe check fails when a violation is put on the page (an image without alt text, a button without a name)', async () => {
    const page = await browser.newPage('axe-canary', { width: 1280, height: 900 });
    await page.goto(`${stack.apiUrl}/status/00000000-0000-4000-8000-000000000000`);
    await shown(page, 'invalid-link');
    await expectAccessible(page, 'invalid link, before');
    await page.evaluate(() => {
      const main = document.querySelector('main') as HTMLElement;
      const img = document.createElement('img');
      img.src = '/nothing.png';
      main.append(img, document.createElement('button'));
    });
    expect((await axeViolations(page)).map((v) => v.rule).sort()).toEqual(['button-name', 'image-alt']);
    await expect(expectAccessible(page, 'invalid link, with violations')).rejects.toThrow(/2 serious\/critical violation\(s\)[\s\S]*button-name[\s\S]*image-alt|image-alt[\s\S]*button-name/);
  }, 60_000);
});
