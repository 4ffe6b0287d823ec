import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (CI installs it; `apt-get install chromium`). */
export const CHROMIUM = process.env.GXG_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Whether Chromium is here; outside CI a missing one skips the page tests, in CI it fails them. */
export function chromiumMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`Chromium is not installed at ${CHROMIUM} (CI installs Debian's chromium)`);
  return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

/** Headless Chromium as this machine runs it: no sandbox (root), no network beyond loopback. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
