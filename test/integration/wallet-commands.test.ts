/**
 * mine [n], listunspent, balance, dumpprivkey/importprivkey and help with a real node process and
 * the real CLI, with their error paths.
 */
import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWif } from '../../src/wallet/wif.js';
import { makeKey } from '../helpers/fixtures.js';
import { RpcFailure, cli, createNodeSetup, rpc, startNode } from './harness.js';

/** pino's info level. */
const PINO_INFO = 30;

interface Unspent {
  txid: string;
  vout: number;
  address: string;
  amount: number;
  confirmations: number;
  coinbase: boolean;
  mature: boolean;
  spendable: boolean;
}

test('mine n prints one line per block and the node logs each mined block once at info; bad counts are refused', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 100 });
  const node = await startNode(t, setup);
  t.is((await cli(setup, ['genesis_block'])).code, 0);

  const mined = await cli(setup, ['mine', '3']);
  t.is(mined.code, 0, mined.stderr);
  t.log(mined.stdout);
  const lines = mined.stdout.split('\n');
  t.is(lines.length, 3);
  const hashes = lines.map((line, i) => new RegExp(`^Mined block ${i + 1} ([0-9a-f]{64}) with 1 transaction\\(s\\)$`).exec(line)?.[1]);
  t.true(hashes.every((h) => h !== undefined), mined.stdout);
  t.is((await cli(setup, ['mine'])).stdout.split('\n').length, 1, 'mine without n mines one block');

  const json = JSON.parse((await cli(setup, ['mine', '2', '--json'])).stdout) as { height: number; hash: string; blocks: Array<{ height: number; hash: string; rewardAddress: string }> };
  t.deepEqual(json.blocks.map((b) => b.height), [5, 6]);
  t.is(json.height, 6, 'the last block\'s fields stay at the top');

  // Each mined block: one info line (the miner's "mined a block"; the chain's line for it is debug).
  for (const hash of hashes) {
    const infoLines = node
      .output()
      .split('\n')
      .filter((l) => l.includes(hash!))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level >= PINO_INFO);
    t.deepEqual(infoLines.map((l) => l.msg), ['mined a block'], `block ${hash}`);
  }

  // The CLI checks the form (exit 2); the upper bound is the node's (an RPC error, exit 1).
  for (const [arg, code, message] of [
    ['0', 2, '<n> must be a number of blocks, 1 or more, got "0" (see: ./kadchain mine --help)'],
    ['x', 2, '<n> must be a number of blocks, 1 or more, got "x" (see: ./kadchain mine --help)'],
    ['1001', 1, 'error -32602: parameter "count" must be between 1 and 1000 blocks, got 1001'],
  ] as const) {
    const refused = await cli(setup, ['mine', arg]);
    t.is(refused.code, code, arg);
    t.is(refused.stderr, message);
  }
  t.regex((await cli(setup, ['mine', '1', '2'])).stderr, /^mine takes \[n\], got "1 2"/);
  t.is(((await rpc(setup, 'getinfo')) as { height: number }).height, 6, 'refused counts mined nothing');
});

test('listunspent, balance with immature and unconfirmed parts, dumpprivkey/importprivkey without a rescan', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 100, coinbaseMaturity: 3 });
  await startNode(t, setup);
  const a = /Genesis Wallet is: (\S+)/.exec((await cli(setup, ['genesis_block'])).stdout)?.[1];
  t.truthy(a);
  const g = a!;

  // Only the (exempt) genesis reward: no immature or unconfirmed part to show.
  t.is((await cli(setup, ['balance', g])).stdout, `${g} balance is 1000`);

  // An outside key: coins sent to it, mined, then its key imported; no rescan, it can spend at once.
  const outside = makeKey();
  const sent = await cli(setup, ['send', '--from', g, '--to', outside.address, '--amount', '250']);
  t.is(sent.code, 0, sent.stderr);
  const pending = JSON.parse((await cli(setup, ['listunspent', outside.address, '--json'])).stdout) as Unspent[];
  t.deepEqual(pending.map((c) => [c.amount, c.confirmations, c.spendable]), [[250, 0, false]], 'a mempool output: 0 confirmations, not this wallet\'s key');
  t.is((await cli(setup, ['balance', outside.address])).stdout, `${outside.address} balance is 0 (250 counting unconfirmed transactions)`);
  t.is((await cli(setup, ['mine'])).code, 0); // height 1: its reward goes to g (the first key), immature for 3 blocks

  const balance = JSON.parse((await cli(setup, ['balance', g, '--json'])).stdout) as Record<string, unknown>;
  t.deepEqual(balance, { address: g, confirmed: 750, immature: 1000, unconfirmed: 750 }, '--json amounts are integers');
  t.is((await cli(setup, ['balance', g])).stdout, `${g} balance is 750 (plus 1000 immature)`);

  const mine = JSON.parse((await cli(setup, ['listunspent', '--json'])).stdout) as Unspent[];
  t.log((await cli(setup, ['listunspent'])).stdout);
  t.deepEqual(
    mine.map((c) => [c.address, c.amount, c.confirmations, c.coinbase, c.mature, c.spendable]).sort((x, y) => Number(x[1]) - Number(y[1])),
    [
      [g, 750, 1, false, true, true],
      [g, 1000, 1, true, false, false],
    ],
    'the wallet\'s coins: the change of the send and the immature reward',
  );

  const imported = await cli(setup, ['importprivkey', encodeWif(outside.privateKey)]);
  t.is(imported.code, 0, imported.stderr);
  t.is(imported.stdout, `Imported the key of ${outside.address}; its coins count at once`);
  t.is((await cli(setup, ['importprivkey', encodeWif(outside.privateKey)])).stdout, `The wallet already holds the key of ${outside.address}`, 'idempotent');
  t.is((await cli(setup, ['importprivkey', encodeWif(outside.privateKey), '--label', 'paper wallet'])).stdout, `The wallet already holds the key of ${outside.address} (label "paper wallet")`);
  t.regex((await cli(setup, ['listunspent', outside.address])).stdout, new RegExp(`${outside.address} \\(paper wallet\\)`));
  const longLabel = await cli(setup, ['importprivkey', encodeWif(outside.privateKey), '--label', 'x'.repeat(101)]);
  t.is(longLabel.code, 1);
  t.is(longLabel.stderr, 'error -32602: a label may have at most 100 characters, this one has 101');
  const walletFile = join(setup.dataDir, 'wallet.json');
  const stored = JSON.parse(readFileSync(walletFile, 'utf8')) as { keys: Array<{ address: string }> };
  t.deepEqual(stored.keys.map((k) => k.address), [g, outside.address], 'on disk once, after the existing key');
  t.is((statSync(walletFile).mode & 0o777).toString(8), '600');
  t.truthy((JSON.parse((await cli(setup, ['listunspent', '--json'])).stdout) as Unspent[]).find((c) => c.address === outside.address && c.amount === 250 && c.spendable));
  const spent = await cli(setup, ['send', '--from', outside.address, '--to', g, '--amount', '50']);
  t.is(spent.code, 0, `the imported key spends at once: ${spent.stderr}`);
  t.is(((await rpc(setup, 'getinfo')) as { miningAddress: string }).miningAddress, g, 'the mining address stays the first key');

  // dumpprivkey: the key on stdout, the warning on stderr; the key round-trips.
  const dumped = await cli(setup, ['dumpprivkey', outside.address]);
  t.is(dumped.code, 0, dumped.stderr);
  t.is(dumped.stdout, encodeWif(outside.privateKey));
  t.is(dumped.stderr, `warning: anyone who sees this key can spend the coins of ${outside.address}; never paste it into a website, a chat or a shared terminal`);
  const dumpedJson = await cli(setup, ['dumpprivkey', g, '--json']);
  t.regex((JSON.parse(dumpedJson.stdout) as { privateKey: string }).privateKey, /^[KL]/, '--json keeps stdout pure JSON');
  t.regex(dumpedJson.stderr, /^warning: anyone who sees this key can spend the coins of /);

  // Error paths: one sentence each, exit 1, the RPC code behind it.
  const stranger = makeKey().address;
  const unknown = await cli(setup, ['dumpprivkey', stranger]);
  t.is(unknown.code, 1);
  t.is(unknown.stderr, `error -4: this wallet holds no key for ${stranger}; see its addresses with the printwallet method`);
  const wif = encodeWif(makeKey().privateKey);
  const typo = `${wif.slice(0, -1)}${wif.endsWith('1') ? '2' : '1'}`;
  const cases: Array<[string, RegExp]> = [
    [typo, /its checksum does not match \(a typo\?\)$/],
    [encodeWif(outside.privateKey, false), /uncompressed key \(WIF starting with 5\)/],
    [g, /version byte is 0x00, not 0x80/],
  ];
  for (const [key, message] of cases) {
    const refused = await cli(setup, ['importprivkey', key]);
    t.is(refused.code, 1, key);
    t.regex(refused.stderr, message);
    t.log(refused.stderr);
  }
  const rpcError = await rpc(setup, 'importprivkey', { privateKey: typo }).catch((err: unknown) => err);
  t.true(rpcError instanceof RpcFailure && rpcError.code === -5, 'a bad key is -5, as in Bitcoin Core');
  t.is((JSON.parse(readFileSync(walletFile, 'utf8')) as { keys: unknown[] }).keys.length, 2, 'refused keys leave the wallet as it was');
  t.is((await cli(setup, ['listunspent', '1bad'])).code, 1);
});

test('help lists every method, help <method> gives its usage, a near miss gets "did you mean"', async (t) => {
  const setup = await createNodeSetup(t);
  await startNode(t, setup);
  const list = (await rpc(setup, 'help')) as { methods: Array<{ name: string; usage: string; summary: string }> };
  t.log(`${list.methods.length} methods`);
  for (const name of ['mine', 'listunspent', 'dumpprivkey', 'importprivkey', 'help', 'getinfo', 'send']) t.truthy(list.methods.find((m) => m.name === name), name);
  const mine = (await rpc(setup, 'help', { command: 'mine' })) as { usage: string; params: Array<{ name: string; optional: boolean }> };
  t.is(mine.usage, 'mine [count]');
  const near = await rpc(setup, 'help', { command: 'listunspnt' }).catch((err: unknown) => err);
  t.true(near instanceof RpcFailure && near.code === -32601);
  t.is((near as RpcFailure).message, 'unknown method "listunspnt"; did you mean "listunspent"? (the help method lists them all)');
  const call = await rpc(setup, 'dumprivkey', { address: 'x' }).catch((err: unknown) => err);
  t.is((call as RpcFailure).message, 'unknown method "dumprivkey"; did you mean "dumpprivkey"? (the help method lists them all)');
});
