/**
 * Transaction policy with real node processes: an oversized tx from a peer is refused and mining
 * stays normal; a pool past its byte bound evicts the cheapest txs; block rewards mature.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hash160 } from '../../src/primitives/hash.js';
import { publicKeyOf } from '../../src/primitives/secp256k1.js';
import { spend, type TestKey } from '../helpers/fixtures.js';
import { RawPeer } from '../unit/p2p/raw-peer.js';
import { type NodeSetup, cli, createNodeSetup, getInfo, rpc, rpcError, sleep, waitFor } from './harness.js';
import { createAddress, genesis, mempoolTxids, mineBlocks, send, startNetNodeFrom } from './network-harness.js';

/** Merges `chain` settings into the node's config file (before it starts). */
async function setChainConfig(setup: NodeSetup, chain: Record<string, unknown>): Promise<void> {
  const config = JSON.parse(await readFile(setup.configFile, 'utf8')) as { chain: Record<string, unknown> };
  config.chain = { ...config.chain, ...chain };
  await writeFile(setup.configFile, JSON.stringify(config, null, 2));
}

/** The node's own key for `address`, read from its wallet file (the test plays a peer that holds it). */
async function walletKey(setup: NodeSetup, address: string): Promise<TestKey> {
  const wallet = JSON.parse(await readFile(join(setup.dataDir, 'wallet.json'), 'utf8')) as { keys: { privateKey: string; address: string }[] };
  const stored = wallet.keys.find((k) => k.address === address);
  if (!stored) throw new Error(`no key for ${address}`);
  const privateKey = Buffer.from(stored.privateKey, 'hex');
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, pubKeyHash: hash160(publicKey), address };
}

async function heightOf(setup: NodeSetup): Promise<number> {
  return (await getInfo(setup)).height ?? -1;
}

test('a ~1 MB transaction from a peer is refused with its reason, and mining stays normal', async (t) => {
  // txpool.size 1: under the old rule one pooled tx the template skips meant empty blocks for ever.
  const setup = await createNodeSetup(t, { txpoolSize: 1 });
  await setChainConfig(setup, { blockReward: 1_000_000 });
  const node = await startNetNodeFrom(t, setup, ['--no-discovery']);
  const owner = await genesis(setup);
  // A confirmed coin of 999,000 with a known txid: a payment to itself, auto-mined at once.
  const fundingTxid = await send(setup, owner, owner, 999_000);
  await waitFor('the funding block', async () => (await heightOf(setup)) === 1, 10_000);

  const key = await walletKey(setup, owner);
  const outputs = Array.from({ length: 35_700 }, () => ({ amount: 1n, pubKeyHash: key.pubKeyHash }));
  const huge = spend(key, [{ txid: Buffer.from(fundingTxid, 'hex'), index: 0 }], outputs);
  t.true(huge.size > 999_000 && huge.size < 1_000_000, `${huge.size} bytes: more than a block can hold next to its coinbase`);

  const genesisHash = Buffer.from((await getInfo(setup)).genesis!, 'hex');
  const peer = await RawPeer.connect(node.tcpPort);
  t.teardown(() => peer.destroy());
  // As a dialling node does: our handshake first; the node answers with its own (acked by RawPeer) and an ack.
  peer.sendHandshake({ genesisHash, bestHeight: 1 });
  await peer.waitFor('handshake-ack');
  peer.send({ kind: 'transaction', transaction: huge });

  const reason = new RegExp(`transaction ${huge.txidHex} is ${huge.size} bytes, more than the 100000 a standard transaction may have`);
  await waitFor('the refusal in the log', async () => reason.test(node.process.output()), 10_000);
  t.deepEqual(await mempoolTxids(setup), []);
  t.false(peer.closed, 'a policy refusal does not disconnect the peer');
  // No block for a tx that is not there: the height stays put for a few seconds.
  for (let i = 0; i < 6; i++) {
    await sleep(500);
    t.is(await heightOf(setup), 1);
  }
  // An ordinary payment is still mined, once.
  await send(setup, owner, await createAddress(setup), 10);
  await waitFor('the next block', async () => (await heightOf(setup)) === 2, 10_000);
  await sleep(1_500);
  t.is(await heightOf(setup), 2);
});

test('a pool past txpool.maxBytes evicts the lowest fee-rate transactions and keeps taking better ones', async (t) => {
  // Each 1-in-2-out payment counts 2,097 bytes (197 bytes + bookkeeping estimate): 13,000 holds six.
  const setup = await createNodeSetup(t, { txpoolSize: 1000, txpool: { maxBytes: 13_000 } });
  await startNetNodeFrom(t, setup, ['--no-discovery']);
  const g = await genesis(setup);
  const senders: string[] = [];
  for (let batch = 0; batch < 2; batch++) {
    for (let i = 0; i < 4; i++) {
      const address = await createAddress(setup);
      senders.push(address);
      await send(setup, g, address, 100);
    }
    await mineBlocks(setup, 1); // confirmed, independent coins for each sender
  }
  const pay = async (from: string, fee: number): Promise<string> =>
    ((await rpc(setup, 'send', { from, to: g, amount: '10', fee: String(fee) })) as { txid: string }).txid;

  const byFee = new Map<number, string>();
  for (let i = 0; i < 6; i++) byFee.set(i, await pay(senders[i]!, i)); // fees 0..5
  const full = (await rpc(setup, 'mempool')) as { size: number; usage: number; maxBytes: number; minFeeRate: number };
  t.is(full.size, 6);
  t.is(full.minFeeRate, 0);

  // A better-paying tx takes the place of the zero-fee one.
  const better = await pay(senders[6]!, 10);
  let pooled = await mempoolTxids(setup);
  t.false(pooled.includes(byFee.get(0)!), 'the lowest fee-rate tx was evicted');
  t.true(pooled.includes(better));
  t.is(pooled.length, 6);
  const after = (await rpc(setup, 'mempool')) as { usage: number; maxBytes: number; minFeeRate: number };
  t.true(after.usage <= after.maxBytes);
  t.true(after.minFeeRate >= 1, 'the minimum fee rate rose above what was evicted');

  // Zero fee is now below the pool's minimum; a fee no better than the cheapest pooled tx is refused.
  const zero = await rpcError(pay(senders[7]!, 0));
  t.is(zero.code, -26);
  t.regex(zero.message, /below the pool's current minimum/);
  const tie = await rpcError(pay(senders[0]!, 1));
  t.is(tie.code, -26);
  t.regex(tie.message, /the mempool is full .* does not beat/);
  t.deepEqual((await mempoolTxids(setup)).sort(), pooled.sort(), 'refusals evict nothing');

  // Paying more keeps working, each time at the expense of the cheapest.
  const best = await pay(senders[7]!, 20);
  pooled = await mempoolTxids(setup);
  t.true(pooled.includes(best));
  t.false(pooled.includes(byFee.get(1)!));
  t.true(pooled.includes(byFee.get(5)!));
  t.regex((await cli(setup, ['mempool'])).stdout, /^6 transaction\(s\) in the mempool/);
});

test('block rewards mature after chain.coinbaseMaturity confirmations; balance shows the immature part', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 1000, coinbaseMaturity: 3 });
  await startNetNodeFrom(t, setup, ['--no-discovery']);
  const g = await genesis(setup);
  const other = await createAddress(setup);
  // The genesis reward is spendable at once (the tutorial's first send).
  await send(setup, g, other, 100);
  const miner = ((await rpc(setup, 'getinfo')) as { miningAddress: string }).miningAddress;
  await mineBlocks(setup, 1); // height 1 pays `miner` (= g, the first key) 1000
  const balance = (await rpc(setup, 'balance', { address: miner })) as { confirmed: number; immature: number };
  t.is(balance.immature, 1000);
  t.is(balance.confirmed, 900);
  t.is((await cli(setup, ['balance', miner])).stdout, `${miner} balance is 900 (plus 1000 immature)`);
  // The wallet does not pick the immature reward.
  const refused = await rpcError(rpc(setup, 'send', { from: miner, to: other, amount: '1500' }));
  t.is(refused.code, -6);
  // Two more blocks (height 3): the height-1 reward has 3 confirmations counting the next block.
  await mineBlocks(setup, 1);
  await mineBlocks(setup, 1);
  const mature = (await rpc(setup, 'balance', { address: miner })) as { confirmed: number; immature: number };
  t.is(mature.confirmed, 1900);
  t.is(mature.immature, 2000);
  t.truthy(await send(setup, miner, other, 1500));
});

test('send refuses a payment that would need more inputs than a standard tx may have, saying what to do', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 1000, txpool: { maxTxInputs: 3 } });
  await startNetNodeFrom(t, setup, ['--no-discovery']);
  const g = await genesis(setup);
  const small = await createAddress(setup);
  for (let i = 0; i < 5; i++) await send(setup, g, small, 10); // five 10-coin coins
  await mineBlocks(setup, 1);
  const err = await rpcError(rpc(setup, 'send', { from: small, to: g, amount: '35' }));
  t.is(err.code, -4);
  t.is((err.data as { code: string }).code, 'tx-too-large');
  t.regex(err.message, /needs 4 of its coins as inputs .* \(3 inputs, 100000 bytes\); send at most 30 now, or consolidate first by sending 30 from \S+ to itself$/);
  t.deepEqual(await mempoolTxids(setup), [], 'nothing was sent');
  const cliResult = await cli(setup, ['send', '--from', small, '--to', g, '--amount', '35']);
  t.is(cliResult.code, 1);
  t.regex(cliResult.stderr, /consolidate first/);
  // Following the advice: consolidate three coins, then the payment fits.
  await send(setup, small, small, 30);
  await mineBlocks(setup, 1);
  t.truthy(await send(setup, small, g, 35));
});
