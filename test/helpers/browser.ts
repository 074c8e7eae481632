/**
 * Headless Chromium for the status page tests: Debian's `chromium` (or CHROMIUM_PATH) driven by
 * puppeteer-core. Undefined when no browser is installed, so a test can skip with the reason.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function chromiumPath(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

export const NO_CHROMIUM_REASON = `no Chromium found (looked for CHROMIUM_PATH and ${CANDIDATES.join(', ')}); install Debian's chromium package to run the status page browser test`;

export async function launchBrowser(executablePath: string): Promise<Browser> {
  // Chromium refuses to start its sandbox as root (CI containers run as root).
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return puppeteer.launch({ executablePath, headless: true, args: [...args, '--disable-gpu', '--no-first-run', '--no-default-browser-check'] });
}
