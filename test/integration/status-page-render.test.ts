/**
 * The page's rendering in headless Chromium against the status page server with a fake node:
 * hostile strings stay text, the sync bar follows sync-progress, a coalesced block event makes
 * the page fetch the blocks it missed.
 */
import test from 'ava';
import { chromiumPath, launchBrowser, NO_CHROMIUM_REASON } from '../helpers/browser.js';
import { FAKE_TIP_HEIGHT, summary } from '../unit/web/fake-source.js';
import { startWebServer } from '../unit/web/web-server.js';

const executablePath = chromiumPath();
if (executablePath === undefined) console.log(`status page render test skipped: ${NO_CHROMIUM_REASON}`);
const browserTest = executablePath === undefined ? test.skip : test;

const HOSTILE = '<img src=x onerror="window.pwned=1">';

browserTest('hostile values are shown as text, the sync bar follows sync-progress, skipped blocks are fetched', async (t) => {
  t.timeout(60_000);
  let tip = FAKE_TIP_HEIGHT;
  const { port, fake } = await startWebServer(t, {}, {
    status: () => ({ node: { nodeId: 'ee'.repeat(32) }, chain: { height: tip, tip: summary(tip).hash, work: '0'.repeat(62) + '10', time: summary(tip).time, genesis: summary(0).hash }, mempool: { count: 0, bytes: 0 }, peers: { count: 1, inbound: 1, outbound: 0 }, sync: { syncing: false }, nat: null }),
    blocks: (start, count) => {
      const out = [];
      for (let h = start; h <= tip && out.length < count; h++) out.push(summary(h));
      return out;
    },
    peers: () => [{ id: HOSTILE, nodeId: HOSTILE, address: HOSTILE, direction: 'inbound', ready: true, manual: false, height: 1, pingMs: 3, punched: { relay: HOSTILE } }],
  });
  const browser = await launchBrowser(executablePath!);
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelectorAll('#peers-body td').length > 0 && document.getElementById('conn')?.textContent === 'live');

  const peerCell = await page.$eval('#peers-body td.mono', (el) => el.textContent);
  t.is(peerCell, HOSTILE);
  t.is(await page.$$eval('#peers-body img', (imgs) => imgs.length), 0, 'no element made from data');
  t.is(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);

  t.true(await page.$eval('#sync', (el) => (el as HTMLElement).hidden));
  fake.emit('sync-progress', () => ({ syncing: true, height: 1200, headers: 5000, targetHeight: 5000, progress: 0.24, initialBlockDownload: true, blocksPerSec: 3100, peer: '127.0.0.1:41001', startedAt: null }));
  await page.waitForFunction(() => !(document.getElementById('sync') as HTMLElement).hidden);
  t.is(await page.$eval('#sync-text', (el) => el.textContent), 'Syncing: block 1,200 of 5,000 (24.0 %) from 127.0.0.1:41001');
  t.is(await page.$eval('#sync-rate', (el) => el.textContent), '3,100 blocks/s');
  t.is(await page.$eval('#sync-bar', (el) => (el as HTMLElement).style.width), '24%');
  fake.emit('sync-progress', () => ({ syncing: false, height: 5000, headers: 5000, targetHeight: 5000, progress: 1, initialBlockDownload: false, blocksPerSec: null, peer: null, startedAt: null }));
  await page.waitForFunction(() => (document.getElementById('sync') as HTMLElement).hidden);

  // Three blocks arrive but the page sees only the last (coalesced): it asks for what it missed.
  tip += 3;
  fake.emit('block-connected', () => summary(tip));
  await page.waitForFunction((h) => document.getElementById('chain-height')?.textContent === String(h), {}, tip);
  await page.waitForFunction((h) => document.querySelector('#blocks-body tr a')?.textContent === String(h), {}, tip);
  const heights = await page.$$eval('#blocks-body tr td:first-child', (tds) => tds.slice(0, 4).map((td) => td.textContent));
  t.deepEqual(heights, [tip, tip - 1, tip - 2, tip - 3].map(String));
  t.deepEqual(errors, []);
});
