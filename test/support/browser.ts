import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

/**
 * Headless Chromium for the browser suites: Debian's /usr/bin/chromium driven by playwright-core (which never
 * downloads a browser of its own), with a fresh profile per launch. Screenshots go to test-artifacts/web
 * (git-ignored); the README's screenshots to docs/screenshots.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const ROOT = resolve(__dirname, '..', '..');
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts', 'web');
export const DOC_SCREENSHOTS_DIR = join(ROOT, 'docs', 'screenshots');
export const WEB_DIR = join(ROOT, 'apps', 'web');
const WEB_INDEX = join(WEB_DIR, 'dist', 'index.html');
/** What the bundle is built from: a change here makes apps/web/dist stale. */
const WEB_SOURCES = [join(WEB_DIR, 'src'), join(WEB_DIR, 'index.html'), join(WEB_DIR, 'vite.config.ts'), join(ROOT, 'libs', 'contracts', 'src')];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

/**
 * Builds apps/web/dist when it is missing (a clean checkout) or older than its sources, so the suite tests
 * the UI as it is in the tree. Must run before the api app is created: it reads index.html at start.
 */
export function ensureWebBuilt(): void {
  const built = existsSync(WEB_INDEX) ? statSync(WEB_INDEX).mtimeMs : 0;
  const sources = Math.max(...WEB_SOURCES.map(newestMtime));
  if (built > 0 && built >= sources) return;
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB_DIR, 'vite.config.ts'), '--logLevel', 'warn'], {
      cwd: ROOT,
      // Jest sets NODE_ENV=test, and Vite honours an inherited NODE_ENV: without this the bundle would be
      // React's development build (StrictMode mounting every effect twice), not what `npm run build:web` ships.
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(`Building the web UI (vite build --config apps/web/vite.config.ts) failed:\n${e.stderr?.toString() || e.stdout?.toString() || e.message}`);
  }
  if (!existsSync(WEB_INDEX)) throw new Error(`vite build finished but ${relative(ROOT, WEB_INDEX)} is missing`);
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab; its console errors, page errors and failed requests are kept in test-artifacts/web/<label>.log. */
  newPage(label: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** A full-page screenshot in test-artifacts/web/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>;
  /**
   * A screenshot for the README (docs/screenshots/<file>, committed): written when missing or when
   * UPDATE_SCREENSHOTS=1, so an ordinary test run leaves the tree clean. Always kept in the artifacts too.
   */
  docScreenshot(page: Page, file: string): Promise<void>;
  close(): Promise<void>;
}

/** Launches Chromium, or fails with what to install: browser suites must never pass by skipping. */
export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Browser tests need Chromium at ${CHROMIUM_PATH}, which is missing. Install it with \`apt-get install -y chromium\` ` +
        '(CI installs it), or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'redial-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
      reducedMotion: 'reduce',
      timeout: 30_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium at ${CHROMIUM_PATH} did not start: ${(err as Error).message}`);
  }

  // A stuck wait fails with Playwright's own message, well before the test's 60 s timeout.
  context.setDefaultTimeout(20_000);
  context.setDefaultNavigationTimeout(20_000);

  const logs = new Map<string, string[]>();
  const writeLogs = (): void => {
    for (const [label, lines] of logs) writeFileSync(join(ARTIFACTS_DIR, `${label}.log`), lines.join('\n') + '\n');
  };

  const screenshot = async (page: Page, name: string): Promise<string> => {
    const path = join(ARTIFACTS_DIR, `${name}.png`);
    await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
    return path;
  };

  return {
    context,
    async newPage(label, viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const lines: string[] = [];
      logs.set(label, lines);
      const log = (line: string): void => {
        lines.push(`${new Date().toISOString()} ${line}`);
      };
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') log(`console.${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
      page.on('requestfailed', (r) => {
        // Aborted requests are the app cancelling its own polls on navigation; not interesting.
        if (!/ERR_ABORTED/.test(r.failure()?.errorText ?? '')) log(`requestfailed: ${r.method()} ${r.url()} ${r.failure()?.errorText ?? ''}`);
      });
      page.on('websocket', (ws) => {
        log(`websocket open: ${ws.url()}`);
        ws.on('close', () => log(`websocket closed: ${ws.url()}`));
      });
      page.on('response', (r) => {
        if (r.status() >= 400) log(`http ${r.status()}: ${r.request().method()} ${r.url()}`);
      });
      return page;
    },
    screenshot,
    async docScreenshot(page, file) {
      const artifact = await screenshot(page, `docs-${file.replace(/\.png$/, '')}`);
      const target = join(DOC_SCREENSHOTS_DIR, file);
      if (existsSync(target) && process.env.UPDATE_SCREENSHOTS !== '1') return;
      mkdirSync(DOC_SCREENSHOTS_DIR, { recursive: true });
      copyFileSync(artifact, target);
    },
    async close() {
      try {
        writeLogs();
      } finally {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** An element by data-testid and, optionally, the data-* attributes it must have. */
export const byTestId = (scope: Page | Locator, id: string, data: Record<string, string | number> = {}): Locator =>
  scope.locator([`[data-testid="${id}"]`, ...Object.entries(data).map(([k, v]) => `[data-${k}="${v}"]`)].join(''));

/** Waits until that element is visible. */
export const shown = (scope: Page | Locator, id: string, data: Record<string, string | number> = {}, timeout?: number): Promise<void> =>
  byTestId(scope, id, data).first().waitFor({ state: 'visible', timeout });

/** The page's widths: nothing may be wider than what is visible (no sideways scrolling on a phone). */
export function pageWidths(page: Page): Promise<{ viewport: number; visible: number; content: number }> {
  return page.evaluate(() => ({
    viewport: window.innerWidth,
    visible: document.documentElement.clientWidth,
    content: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
  }));
}
