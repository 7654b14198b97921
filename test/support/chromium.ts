/** Debian's Chromium driven by playwright-core, found and flagged as the exporters do (no downloads, no sandbox as root). */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_FLAGS, findChromium } from '../../main/export/rasterize.js';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_FLAGS, '--disable-quic'], headless: true });
}
