/**
 * `npm run screenshot`: starts a two-node devnet with a few blocks and payments, opens node A's
 * status page in headless Chromium and writes docs/status-page.png (shown in the README).
 */
import { fileURLToPath } from 'node:url';
import { chromiumPath, launchBrowser, NO_CHROMIUM_REASON } from '../helpers/browser.js';
import { mineBlocks, send } from '../integration/network-harness.js';
import { startDevnet } from '../integration/status-page-devnet.js';

const OUT = fileURLToPath(new URL('../../../docs/status-page.png', import.meta.url));
const VIEWPORT = { width: 1440, height: 1000 };

async function main(): Promise<void> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error(NO_CHROMIUM_REASON);
  const cleanups: Array<() => unknown> = [];
  try {
    const net = await startDevnet({ teardown: (fn) => cleanups.push(fn) }, 12);
    // A few more blocks with payments in them, so the charts have something to show.
    for (let i = 0; i < 6; i++) {
      await send(net.a.setup, net.walletAddresses[0]!, net.walletAddresses[0]!, 10 + i);
      await mineBlocks(net.a.setup, 1 + (i % 2));
    }
    await send(net.a.setup, net.walletAddresses[0]!, net.walletAddresses[0]!, 7);
    const browser = await launchBrowser(executablePath);
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.setViewport(VIEWPORT);
    await page.goto(`http://127.0.0.1:${net.a.setup.rpcPort}/`, { waitUntil: 'networkidle0' });
    await page.waitForFunction(() => document.querySelectorAll('#blocks-body tr').length > 5 && document.querySelectorAll('#peers-body tr td.mono').length > 0);
    await page.screenshot({ path: OUT, fullPage: true });
    console.log(`wrote ${OUT}`);
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

await main();
