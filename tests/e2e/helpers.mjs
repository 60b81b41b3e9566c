// Shared helpers for the browser tests: Debian's chromium driven by playwright-core
// (never a downloaded browser), screenshots, and GB 11643 resident ID numbers.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.YIWANG_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = resolve(process.env.YIWANG_E2E_ARTIFACTS || 'build/e2e-artifacts');

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
    // Chinese UI locale for the browser itself (date pickers show 年/月/日 when Debian's chromium-l10n is installed).
    env: { ...process.env, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN:zh' },
  });
}

/** A new browser context with the Chinese locale; `device` is DESKTOP or PHONE. */
export async function newContext(browser, device = DESKTOP, extra = {}) {
  const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...device, ...extra });
  // The pages ask before an act that cannot be undone (data-confirm: 作出决定, 办结…); the tests answer yes.
  context.on('dialog', (dialog) => dialog.accept());
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

/**
 * Screenshots the page as it is now at desktop size and, in a second context sharing the same
 * cookies, at phone size; files go to build/e2e-artifacts/<name>-desktop.png and -phone.png.
 * `prepare(page)` re-creates the state on the phone page (default: reload the same URL).
 */
export async function screenshots(browser, page, name, prepare) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await fullShot(page, join(ARTIFACTS, `${name}-desktop.png`));
  const state = await page.context().storageState();
  const phone = await newContext(browser, PHONE, { storageState: state });
  try {
    const p = await phone.newPage();
    if (prepare) await prepare(p); else await p.goto(page.url());
    await fullShot(p, join(ARTIFACTS, `${name}-phone.png`));
  } finally {
    await phone.close();
  }
}

/** Full-page screenshot, cut at MAX_SHOT_HEIGHT CSS pixels (long lists like the audit trail). */
const MAX_SHOT_HEIGHT = 3200;
export async function fullShot(page, path) {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const width = page.viewportSize().width;
  if (height <= MAX_SHOT_HEIGHT) return page.screenshot({ path, fullPage: true });
  return page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width, height: MAX_SHOT_HEIGHT } });
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** GB 11643-1999 check character for a 17-digit prefix. */
export function idCheckDigit(prefix17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(prefix17[i]) * WEIGHTS[i];
  return '10X98765432'[sum % 11];
}

/** A valid 18-character resident ID number built from a 17-digit prefix. */
export function residentId(prefix17) { return prefix17 + idCheckDigit(prefix17); }

/** The same number with a wrong check character. */
export function wrongCheck(id) {
  const good = id[17];
  const bad = '0123456789X'.split('').find((c) => c !== good);
  return id.slice(0, 17) + bad;
}
