/**
 * Polls an expression over the app's test view (window.__netcity, named v) until it holds.
 * Playwright's waitForFunction evaluates strings with eval, which the app's CSP forbids (as it
 * should); page.evaluate goes through the DevTools protocol and is not affected.
 */
import type { Page } from 'playwright-core';

export async function waitForApp(page: Page, expr: string, timeout = 20_000, interval = 100): Promise<void> {
  const end = Date.now() + timeout;
  let last: unknown;
  let loadedWithoutHooks: number | undefined;
  while (Date.now() < end) {
    try {
      const r = (await page.evaluate(`(() => { const v = window.__netcity; if (!v) return document.readyState === 'complete' && !!document.querySelector('header') ? 'no-hooks' : false; return !!(${expr}); })()`)) as boolean | 'no-hooks';
      if (r === true) return;
      // The app is up but has no test view: it was built for users, not for the tests.
      if (r === 'no-hooks') {
        loadedWithoutHooks ??= Date.now();
        if (Date.now() - loadedWithoutHooks > 5_000)
          throw new Error('the app has no test hooks (window.__netcity): it was built without them. Build with `node scripts/build-test.mjs` (npm test and npm run test:e2e do).');
      }
    } catch (err) {
      if ((err as Error).message.startsWith('the app has no test hooks')) throw err;
      last = err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout} ms waiting for: ${expr}${last ? ` (${(last as Error).message})` : ''}`);
}
