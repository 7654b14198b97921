/**
 * Polls an expression over the app's test view (window.__netcity, named v) until it holds.
 * Playwright's waitForFunction evaluates strings with eval, which the app's CSP forbids (as it
 * should); page.evaluate goes through the DevTools protocol and is not affected.
 */
import type { Page } from 'playwright-core';

export async function waitForApp(page: Page, expr: string, timeout = 20_000, interval = 100): Promise<void> {
  const end = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await page.evaluate(`(() => { const v = window.__netcity; return !!v && !!(${expr}); })()`)) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for: ${expr}${last ? ` (${(last as Error).message})` : ''}`);
}
