/**
 * The status page in a real browser (headless Chromium) against two real node processes: live
 * height without a reload, block → tx navigation and Back, surviving a node restart, no wallet
 * address on the page, no console errors and no failed requests.
 */
import test from 'ava';
import type { Page } from 'puppeteer-core';
import { chromiumPath, launchBrowser, NO_CHROMIUM_REASON } from '../helpers/browser.js';
import { getInfo, rpc, startNode, stopNode } from './harness.js';
import { mineBlocks } from './network-harness.js';
import { startDevnet } from './status-page-devnet.js';

const executablePath = chromiumPath();
if (executablePath === undefined) console.log(`status page browser test skipped: ${NO_CHROMIUM_REASON}`);
const browserTest = executablePath === undefined ? test.skip : test;

interface Problems {
  console: string[];
  failed: string[];
  /** Set while the node is down on purpose: refused reconnects are expected then. */
  restarting: boolean;
  expectedWhileDown: string[];
}

function watch(page: Page): Problems {
  const p: Problems = { console: [], failed: [], restarting: false, expectedWhileDown: [] };
  const isReconnectNoise = (text: string): boolean => /WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/ws' failed|ERR_CONNECTION_REFUSED/.test(text);
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warn') return;
    const text = `${msg.type()}: ${msg.text()}`;
    if (p.restarting && isReconnectNoise(text)) p.expectedWhileDown.push(text);
    else p.console.push(text);
  });
  page.on('pageerror', (err) => p.console.push(`pageerror: ${String(err)}`));
  page.on('requestfailed', (req) => {
    const text = `${req.url()} ${req.failure()?.errorText ?? ''}`;
    if (p.restarting && isReconnectNoise(text)) p.expectedWhileDown.push(text);
    else p.failed.push(text);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) p.failed.push(`${res.url()} ${res.status()}`);
  });
  return p;
}

const heightOnPage = (page: Page): Promise<string> => page.$eval('#chain-height', (el) => el.textContent ?? '');

browserTest('the status page follows the chain live, navigates blocks and txs, and survives a node restart', async (t) => {
  t.timeout(180_000);
  const net = await startDevnet(t);
  const browser = await launchBrowser(executablePath!);
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems = watch(page);
  // Every /ws frame the page receives, to check no wallet address is ever sent.
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  const frames: string[] = [];
  cdp.on('Network.webSocketFrameReceived', (e) => frames.push(e.response.payloadData));

  const url = `http://127.0.0.1:${net.a.setup.rpcPort}/`;
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction((h) => document.getElementById('chain-height')?.textContent === String(h), { timeout: 15_000 }, net.height);
  await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live');
  await page.waitForFunction(() => document.querySelectorAll('#blocks-body a').length > 0 && document.querySelectorAll('#peers-body td.mono').length > 0 && document.querySelectorAll('#pool-body a').length > 0);
  t.is(await heightOnPage(page), String(net.height));

  // Nothing of the node's wallet on the page or in its feed (nobody searched for it).
  const pageText = await page.evaluate(() => document.documentElement.outerHTML);
  for (const address of net.walletAddresses) {
    t.false(pageText.includes(address), `wallet address ${address} on the page`);
    t.false(frames.some((f) => f.includes(address)), `wallet address ${address} in the /ws feed`);
  }
  t.true(frames.length > 0);

  // Mining on the OTHER node: the page shows N+1 without a reload, within a second of the mine answer.
  await page.evaluate((next) => {
    const el = document.getElementById('chain-height')!;
    const w = window as unknown as { seenAt?: number };
    new MutationObserver(() => {
      if (el.textContent === String(next) && w.seenAt === undefined) w.seenAt = Date.now();
    }).observe(el, { childList: true, characterData: true, subtree: true });
  }, net.height + 1);
  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  const minedOnB = (await rpc(net.b.setup, 'mine')) as { height: number };
  const answeredAt = Date.now();
  t.is(minedOnB.height, net.height + 1);
  await page.waitForFunction(() => (window as unknown as { seenAt?: number }).seenAt !== undefined, { timeout: 10_000 });
  const seenAt = await page.evaluate(() => (window as unknown as { seenAt: number }).seenAt);
  const latencyMs = seenAt - answeredAt;
  t.log(`block mined on node B (mine answered) → height ${net.height + 1} on node A's page: ${latencyMs} ms (negative: the page changed before the mine answer reached the test)`);
  t.true(latencyMs < 1_000, `the page took ${latencyMs} ms`);
  t.deepEqual(navigations, [], 'no reload');

  // Recent blocks → the block with the payment → the payment.
  const paid = (await rpc(net.a.setup, 'getblock', { ref: net.paidHeight })) as { hash: string };
  await page.click(`#blocks-body a[href="#/block/${paid.hash}"]`);
  await page.waitForFunction((h) => document.querySelector('#detail-body h2')?.textContent === `Block ${h}`, {}, net.paidHeight);
  const blockText = await page.$eval('#detail-body', (el) => el.textContent ?? '');
  t.regex(blockText, /Transactions \(2\)/);
  t.true(blockText.includes(paid.hash));
  t.is(page.url(), `${url}#/block/${paid.hash}`);
  await page.click(`#detail-body a[href="#/tx/${net.paidTxid}"]`);
  await page.waitForFunction(() => document.querySelector('#detail-body h2')?.textContent === 'Transaction');
  const txText = await page.$eval('#detail-body', (el) => el.textContent ?? '');
  t.true(txText.includes(net.paidTxid));
  t.regex(txText, /Inputs \(1\)/);
  t.regex(txText, /Outputs \(2\)/);
  const confirmations = await page.$eval('#tx-confirmations', (el) => el.textContent);
  t.is(confirmations, String(net.height + 1 - net.paidHeight + 1));
  await page.goBack();
  await page.waitForFunction((h) => document.querySelector('#detail-body h2')?.textContent === `Block ${h}`, {}, net.paidHeight);
  await page.goBack();
  await page.waitForFunction(() => !document.getElementById('home')!.hidden);

  // The search box: an address shows its balance and history (the payee is node B's, searched for).
  await page.type('#search-input', net.payee);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#detail-body h2')?.textContent === 'Address');
  const addressText = await page.$eval('#detail-body', (el) => el.textContent ?? '');
  t.true(addressText.includes(net.payee));
  // Amounts are numbers (strings before the JSON amounts change): the page shows them with separators.
  const view = (await rpc(net.a.setup, 'getaddress', { address: net.payee })) as { confirmed: number | string; unconfirmed: number | string; txs: unknown[] };
  const shown = (a: number | string): string => BigInt(a).toLocaleString('en-US');
  t.true(addressText.includes(`Confirmed${shown(view.confirmed)}`), `the same balance as getaddress (${view.confirmed})`);
  t.true(addressText.includes(`Unconfirmed${shown(view.unconfirmed)}`));
  t.is(await page.$$eval('#detail-body tbody tr', (rows) => rows.length), view.txs.length, 'the same history as getaddress');
  t.true(view.txs.length >= 3, 'the payment, the pending one and node B\'s block reward');
  t.is(page.url(), `${url}#/address/${net.payee}`);
  await page.goBack();
  await page.waitForFunction(() => !document.getElementById('home')!.hidden);

  // The node restarts: the page says so, reconnects by itself and shows the new data.
  problems.restarting = true;
  t.is(await stopNode(net.a.process), 0);
  await page.waitForFunction(() => document.getElementById('conn')?.textContent?.startsWith('reconnecting…') === true, { timeout: 10_000 });
  await startNode(t, net.a.setup);
  await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', { timeout: 20_000 });
  problems.restarting = false;
  const after = await mineBlocks(net.a.setup, 1);
  await page.waitForFunction((h) => document.getElementById('chain-height')?.textContent === String(h), { timeout: 10_000 }, after);
  t.is((await getInfo(net.a.setup)).height, after);
  t.log(`while node A was down the browser logged ${problems.expectedWhileDown.length} refused reconnect(s) (expected; it retries with backoff)`);

  t.deepEqual(problems.console, [], 'console errors');
  t.deepEqual(problems.failed, [], 'failed requests');
});
