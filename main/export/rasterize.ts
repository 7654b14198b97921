/**
 * Turning SVG into PNG and HTML into PDF needs a browser engine. The exporters only see the
 * Rasterizer interface: the CLI and tests use headless Chromium through playwright-core; the
 * Electron app can plug in its own offscreen window instead.
 */
import { existsSync } from 'node:fs';

export interface PngOptions {
  width: number;
  height: number;
  /** Device pixel ratio, 1-4. */
  scale: number;
  background: 'white' | 'transparent';
}

export interface PdfOptions {
  landscape?: boolean;
  format?: 'A4' | 'Letter';
}

export interface Rasterizer {
  svgToPng(svg: string, opts: PngOptions): Promise<Buffer>;
  htmlToPdf(html: string, opts?: PdfOptions): Promise<Buffer>;
  close(): Promise<void>;
}

/** Chromium refuses bitmaps above this many pixels per side. */
export const MAX_PNG_SIDE = 16384;

export class RasterizerUnavailableError extends Error {
  override name = 'RasterizerUnavailableError';
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const DEFAULT_CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary to drive: $NETCITY_CHROMIUM if set (and it must exist), else the usual paths. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string {
  const fromEnv = env.NETCITY_CHROMIUM;
  if (fromEnv) {
    if (exists(fromEnv)) return fromEnv;
    throw new RasterizerUnavailableError(
      `PNG/PDF export: NETCITY_CHROMIUM=${fromEnv} does not exist; point it at a Chromium binary or unset it to use ${DEFAULT_CHROMIUM_PATHS[0]}`,
    );
  }
  const found = DEFAULT_CHROMIUM_PATHS.find((p) => exists(p));
  if (found) return found;
  throw new RasterizerUnavailableError(
    `PNG/PDF export needs Chromium and none was found (tried ${DEFAULT_CHROMIUM_PATHS.join(', ')}): install it (Debian/Ubuntu: apt-get install chromium) ` +
      `or set NETCITY_CHROMIUM to its path; SVG, HTML, DOT, Mermaid, CSV and JSON exports work without it`,
  );
}

export function checkPngSize(o: PngOptions): void {
  if (!Number.isFinite(o.scale) || o.scale < 1 || o.scale > 4) throw new RangeError(`PNG scale ${o.scale}: use 1 to 4`);
  const w = Math.ceil(o.width * o.scale), h = Math.ceil(o.height * o.scale);
  if (w > MAX_PNG_SIDE || h > MAX_PNG_SIDE) {
    const fit = Math.floor((MAX_PNG_SIDE / Math.max(o.width, o.height)) * 10) / 10;
    throw new RangeError(
      `PNG ${w}x${h} px exceeds Chromium's ${MAX_PNG_SIDE} px per side; ` +
        (fit >= 1 ? `use a scale of at most ${fit}, ` : '') + `export a selection, or export SVG (vector, any size)`,
    );
  }
}

type PlaywrightBrowser = import('playwright-core').Browser;

/** Headless Chromium via playwright-core. Launched on first use; close() when done. */
export class ChromiumRasterizer implements Rasterizer {
  private browser?: Promise<PlaywrightBrowser>;
  constructor(private readonly executablePath: string = findChromium()) {}

  private async launch(): Promise<PlaywrightBrowser> {
    this.browser ??= (async () => {
      const { chromium } = await import('playwright-core');
      try {
        return await chromium.launch({ executablePath: this.executablePath, args: CHROMIUM_FLAGS, headless: true });
      } catch (e) {
        throw new RasterizerUnavailableError(
          `PNG/PDF export: Chromium at ${this.executablePath} did not start (${(e as Error).message.split('\n')[0]}); check the binary or set NETCITY_CHROMIUM`,
        );
      }
    })();
    return this.browser;
  }

  /** A page that can load nothing from the network: exports are self-contained by design. */
  private async page(viewport: { width: number; height: number }, scale: number) {
    const browser = await this.launch();
    const context = await browser.newContext({ viewport, deviceScaleFactor: scale, javaScriptEnabled: false });
    await context.route('**/*', (route) => route.abort());
    const page = await context.newPage();
    return { page, done: () => context.close() };
  }

  async svgToPng(svg: string, o: PngOptions): Promise<Buffer> {
    checkPngSize(o);
    const width = Math.ceil(o.width), height = Math.ceil(o.height);
    const { page, done } = await this.page({ width, height }, o.scale);
    try {
      const body = svg.replace(/^<\?xml[^>]*\?>\s*/, '');
      const bg = o.background === 'white' ? '#FFFFFF' : 'transparent';
      await page.setContent(`<!DOCTYPE html><html><head><style>html,body{margin:0;padding:0;background:${bg}}svg{display:block}</style></head><body>${body}</body></html>`);
      return await page.screenshot({ type: 'png', omitBackground: o.background === 'transparent', clip: { x: 0, y: 0, width, height } });
    } finally {
      await done();
    }
  }

  async htmlToPdf(html: string, o: PdfOptions = {}): Promise<Buffer> {
    const { page, done } = await this.page({ width: 1240, height: 1754 }, 1);
    try {
      await page.setContent(html);
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({ format: o.format ?? 'A4', landscape: o.landscape ?? false, printBackground: true, preferCSSPageSize: true });
    } finally {
      await done();
    }
  }

  /** Full-page screenshot of an HTML document (used to check reports by eye). */
  async htmlToPng(html: string, viewport = { width: 1280, height: 900 }): Promise<Buffer> {
    const { page, done } = await this.page(viewport, 1);
    try {
      await page.setContent(html);
      return await page.screenshot({ type: 'png', fullPage: true });
    } finally {
      await done();
    }
  }

  async close(): Promise<void> {
    const b = this.browser;
    this.browser = undefined;
    if (b) await (await b.catch(() => undefined))?.close();
  }
}
