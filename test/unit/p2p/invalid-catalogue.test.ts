/**
 * The invalid-object catalogue (issue #9 item 2): every row is one invalid block or transaction,
 * built from a small valid chain, delivered over the wire by a scripted peer after a valid
 * handshake. Each row says which code the node answers with (a `reject`, or the documented
 * behaviour for penalty-free races and unparseable bytes) and what it costs the sender
 * (src/p2p/misbehaviour.ts). For every row the tip and the coins are unchanged, nothing enters
 * the mempool, and — where a valid form exists — the same object arriving afterwards from an
 * honest peer is accepted (a refused mutated block must not poison its hash).
 */
import test from 'ava';
import { pino } from 'pino';
import type { ChainParams } from '../../../src/chain/params.js';
import { MAX_MONEY } from '../../../src/chain/validate-tx.js';
import { isMisbehaviourCode, penaltyFor } from '../../../src/p2p/misbehaviour.js';
import { MessageType, encodeFrame } from '../../../src/p2p/wire/index.js';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { ZERO_HASH } from '../../../src/primitives/hash.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import { compactToTarget, hashMeetsTarget } from '../../../src/primitives/pow.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { TEST_PARAMS, buildBlock, makeKey, mine, outpoint, pay, spend } from '../../helpers/fixtures.js';
import { type TestNode, startNode, tipHash, waitFor } from './net-helpers.js';
import { RawPeer } from './raw-peer.js';

/** Block rewards need 3 confirmations here, so a height-1 reward is still immature at height 3. */
const PARAMS: ChainParams = { ...TEST_PARAMS, coinbaseMaturity: 3 };
/** secp256k1 group order: s and N - s verify the same maths; libsecp256k1 accepts only the low one. */
const CURVE_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const owner = makeKey();
const alice = makeKey();
const bob = makeKey();
// The valid chain every row starts from: genesis → b1 (t1 spends the genesis reward) → b2.
const genesis = buildBlock({ miner: owner });
const t1 = spend(owner, [outpoint(genesis.transactions[0]!)], [pay(alice, 600n), pay(owner, 300n)]);
const b1 = buildBlock({ parent: genesis, miner: owner, txs: [t1], fees: 100n });
const b2 = buildBlock({ parent: b1, miner: owner });
const aliceCoin = outpoint(t1, 0); // 600, mature
const ownerCoin = outpoint(t1, 1); // 300, mature
const b1Reward = outpoint(b1.transactions[0]!); // 1100 at height 1: immature until height 4
const spentCoin = outpoint(genesis.transactions[0]!); // spent by t1

/** A block on `parent` with exactly `txs` (no coinbase added), the merkle root matching, mined. */
function assemble(parent: Block, txs: readonly Transaction[], overrides: Partial<ConstructorParameters<typeof BlockHeader>[0]> = {}): Block {
  const header = new BlockHeader({
    version: 1,
    prevHash: parent.hash,
    merkleRoot: merkleRoot(txs.map((tx) => tx.txid)),
    timestamp: parent.header.timestamp + 1,
    bits: PARAMS.powBits,
    height: parent.header.height + 1,
    nonce: 0,
    ...overrides,
  });
  return new Block(mine(header), txs);
}

const coinbase = (height: number, amount = 1000n, tag = ''): Transaction => Transaction.coinbase(height, [pay(owner, amount)], Buffer.from(tag));
/** The next block on b2 carrying `txs` (fees go to the miner). */
const next = (txs: readonly Transaction[] = [], fees = 0n, tag = 'n'): Block => buildBlock({ parent: b2, miner: owner, txs, fees, extraData: Buffer.from(tag) });

function highS(signature: Buffer): Buffer {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((CURVE_N - s).toString(16).padStart(64, '0'), 'hex')]);
}

function withInputKey(tx: Transaction, publicKey: Buffer): Transaction {
  return new Transaction(tx.version, tx.inputs.map((input, i) => (i === 0 ? { ...input, publicKey } : input)), tx.outputs);
}

/** A header that does NOT meet its target (about one nonce in two does). */
function unminedBlock(): Block {
  for (let i = 0; ; i++) {
    const block = buildBlock({ parent: b2, miner: owner, unmined: true, headerOverrides: { nonce: i } });
    if (!hashMeetsTarget(block.hash, compactToTarget(block.header.bits))) return block;
  }
}

/** The tx encoding with its input count written as a 3-byte varint (0xfd 0x01 0x00): same value, non-minimal form. */
function nonCanonicalTxBytes(tx: Transaction): Buffer {
  const bytes = tx.encode();
  if (bytes[4] !== 1) throw new Error('expected one input');
  return Buffer.concat([bytes.subarray(0, 4), Buffer.from([0xfd, 0x01, 0x00]), bytes.subarray(5)]);
}

type Sent = Block | Transaction | { readonly frame: Buffer; readonly hash: Buffer };
type Penalty = 'discourage' | 'none';
/**
 * 'reject': a reject naming `code` arrives. 'silent-close': unparseable bytes, no reject (nothing
 * we say would be understood), connection closed. 'orphan-block' / 'orphan-tx': held, the
 * missing parents are asked of the sender, no reject.
 */
type Behaviour = 'reject' | 'silent-close' | 'orphan-block' | 'orphan-tx';

/** Which typed error carries the code: the chain's ValidationError, the pool's MempoolError (policy), the decoder's WireError. */
type Source = 'validation' | 'mempool' | 'wire';

interface Row {
  readonly name: string;
  /**
   * `prime`: an invalid block the node was handed locally first (so it is on record as invalid);
   * `honestFirst`: what the honest peer sends before the valid form (an orphan's parent).
   */
  readonly build: () => { bad: Sent; valid?: Block | Transaction; honestFirst?: Block; prime?: Block };
  readonly code: string;
  readonly source: Source;
  readonly behaviour: Behaviour;
  readonly penalty: Penalty;
}

const validSpend = (): Transaction => spend(alice, [aliceCoin], [pay(bob, 500n)]);

const CATALOGUE: readonly Row[] = [
  // ---- block header rules
  { name: 'bad proof of work', code: 'bad-pow', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const bad = unminedBlock();
    return { bad, valid: new Block(mine(bad.header), bad.transactions) };
  } },
  { name: 'bits other than the network target', code: 'bad-bits', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: buildBlock({ parent: b2, miner: owner, headerOverrides: { bits: 0x207ffffe } }), valid: next(),
  }) },
  { name: 'merkle root not matching the transactions (mutated block, same hash)', code: 'bad-merkle-root', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const valid = next([validSpend()], 100n);
    return { bad: new Block(valid.header, [valid.transactions[0]!]), valid };
  } },
  { name: 'duplicate transaction (CVE-2012-2459, same merkle root and hash)', code: 'bad-txns-duplicate', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const a = validSpend();
    const b = spend(owner, [ownerCoin], [pay(bob, 200n)]);
    const valid = next([a, b], 200n);
    return { bad: new Block(valid.header, [...valid.transactions, b]), valid };
  } },
  { name: 'two coinbases', code: 'bad-cb-multiple', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([coinbase(3, 1n, 'second')]), valid: next(),
  }) },
  { name: 'no coinbase', code: 'bad-cb-missing', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: assemble(b2, [validSpend()]), valid: next([validSpend()], 100n),
  }) },
  { name: 'coinbase paying more than reward + fees', code: 'bad-cb-amount', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: buildBlock({ parent: b2, miner: owner, coinbaseAmount: 1001n }), valid: next(),
  }) },
  { name: 'coinbase committing to another height', code: 'bad-cb-height', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: assemble(b2, [coinbase(7)]), valid: next(),
  }) },
  { name: 'coinbase data shorter than the height', code: 'bad-cb-height', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const short = new Transaction(1, [{ prevout: { txid: ZERO_HASH, index: 0xffff_ffff }, publicKey: Buffer.from([3, 0]), signature: Buffer.alloc(0) }], [pay(owner, 1000n)]);
    return { bad: assemble(b2, [short]), valid: next() };
  } },
  { name: 'coinbase data longer than 100 bytes', code: 'bad-cb-height', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const data = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.alloc(97, 7)]);
    const long = new Transaction(1, [{ prevout: { txid: ZERO_HASH, index: 0xffff_ffff }, publicKey: data, signature: Buffer.alloc(0) }], [pay(owner, 1000n)]);
    return { bad: assemble(b2, [long]), valid: next() };
  } },
  { name: 'another genesis block (a peer of another network: refused, not punished)', code: 'bad-genesis', source: 'validation', behaviour: 'reject', penalty: 'none', build: () => ({
    bad: buildBlock({ miner: bob }), valid: next(),
  }) },
  { name: 'timestamp not after the median time past', code: 'bad-timestamp', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: buildBlock({ parent: b2, miner: owner, timestamp: b1.header.timestamp }), valid: next(),
  }) },
  { name: 'timestamp too far in the future (maybe our clock: not punished)', code: 'time-too-new', source: 'validation', behaviour: 'reject', penalty: 'none', build: () => ({
    bad: buildBlock({ parent: b2, miner: owner, timestamp: Math.floor(Date.now() / 1000) + PARAMS.maxFutureBlockTimeSec + 600 }), valid: next(),
  }) },
  { name: 'oversize block', code: 'bad-blk-length', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    // 36,000 outputs × 28 bytes > maxBlockBytes (1 MB), well under the 4 MiB frame limit.
    const outputs = Array.from({ length: 36_000 }, () => pay(bob, 1n));
    const big = new Transaction(1, [{ prevout: aliceCoin, publicKey: alice.publicKey, signature: Buffer.alloc(64, 1) }], outputs);
    return { bad: next([big]), valid: next() };
  } },
  { name: 'height not parent + 1', code: 'bad-height', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: assemble(b2, [coinbase(5)], { height: 5 }), valid: next(),
  }) },
  { name: 'non-genesis block with an all-zero previous hash', code: 'bad-prevhash', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: assemble(b2, [coinbase(3)], { prevHash: ZERO_HASH }), valid: next(),
  }) },
  { name: 'unknown parent (orphan: held, parent asked for, not punished)', code: 'unknown-parent', source: 'validation', behaviour: 'orphan-block', penalty: 'none', build: () => {
    const c1 = next([], 0n, 'c1');
    const c2 = buildBlock({ parent: c1, miner: owner });
    return { bad: c2, valid: c2, honestFirst: c1 };
  } },
  { name: 'a block already found invalid, sent again', code: 'duplicate-invalid', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const bad = buildBlock({ parent: b2, miner: owner, coinbaseAmount: 1001n });
    return { bad, prime: bad, valid: next() };
  } },
  { name: 'a block building on an invalid block', code: 'bad-prevblk', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const parent = buildBlock({ parent: b2, miner: owner, coinbaseAmount: 1001n });
    return { bad: buildBlock({ parent, miner: owner }), prime: parent, valid: next() };
  } },
  // ---- transactions inside a block (consensus: the block sender is punished)
  { name: 'block: public key not on the curve (its signature cannot verify)', code: 'bad-txns-signature', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([withInputKey(validSpend(), Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 0xff)]))], 100n), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: the same input twice', code: 'bad-txns-inputs-duplicate', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(alice, [aliceCoin, aliceCoin], [pay(bob, 1000n)])], 200n), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: a transaction with no outputs', code: 'bad-txns-vout-empty', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(alice, [aliceCoin], [])], 600n), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: bad signature', code: 'bad-txns-signature', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const tx = validSpend();
    const sig = Buffer.from(tx.inputs[0]!.signature);
    sig[10] ^= 1;
    return { bad: next([tx.withSignature(0, sig)], 100n), valid: next([tx], 100n) };
  } },
  { name: 'block: high-S signature', code: 'bad-txns-signature', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const tx = validSpend();
    return { bad: next([tx.withSignature(0, highS(tx.inputs[0]!.signature))], 100n), valid: next([tx], 100n) };
  } },
  { name: "block: signed by a key that does not own the output", code: 'bad-txns-pubkey-mismatch', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(bob, [aliceCoin], [pay(bob, 500n)])], 100n), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: inputs below outputs', code: 'bad-txns-in-belowout', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(alice, [aliceCoin], [pay(bob, 601n)])]), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: spend of an already spent coin', code: 'bad-txns-inputs-missingorspent', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(owner, [spentCoin], [pay(bob, 500n)])], 500n), valid: next(),
  }) },
  { name: 'block: premature spend of a block reward', code: 'bad-txns-premature-spend-of-coinbase', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(owner, [b1Reward], [pay(bob, 1000n)])], 100n), valid: next(),
  }) },
  { name: 'block: zero-value output', code: 'bad-txns-vout-zero', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([spend(alice, [aliceCoin], [pay(bob, 500n), pay(bob, 0n)])], 100n), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: two transactions spending the same coin', code: 'bad-txns-inputs-missingorspent', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([validSpend(), spend(alice, [aliceCoin], [pay(owner, 400n)])], 300n), valid: next([validSpend()], 100n),
  }) },
  { name: 'block: a transaction before the one whose output it spends', code: 'bad-txns-inputs-missingorspent', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const parent = validSpend();
    const child = spend(bob, [outpoint(parent)], [pay(alice, 400n)]);
    return { bad: next([child, parent], 200n), valid: next([parent, child], 200n) };
  } },
  { name: 'block: a transaction already confirmed (t1 again)', code: 'bad-txns-inputs-missingorspent', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: next([t1], 100n), valid: next(),
  }) },
  // ---- loose transactions
  { name: 'tx: signature of the wrong length', code: 'bad-txns-signature', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const tx = validSpend();
    return { bad: tx.withSignature(0, tx.inputs[0]!.signature.subarray(0, 63)), valid: tx };
  } },
  { name: 'tx: already confirmed (t1 again; policy, not punished)', code: 'txn-already-known', source: 'mempool', behaviour: 'reject', penalty: 'none', build: () => ({
    bad: t1, valid: validSpend(),
  }) },
  { name: 'tx: bad signature', code: 'bad-txns-signature', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const tx = validSpend();
    const sig = Buffer.from(tx.inputs[0]!.signature);
    sig[40] ^= 1;
    return { bad: tx.withSignature(0, sig), valid: tx };
  } },
  { name: 'tx: high-S signature', code: 'bad-txns-signature', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => {
    const tx = validSpend();
    return { bad: tx.withSignature(0, highS(tx.inputs[0]!.signature)), valid: tx };
  } },
  { name: 'tx: signed by a key that does not own the output', code: 'bad-txns-pubkey-mismatch', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(bob, [aliceCoin], [pay(bob, 500n)]), valid: validSpend(),
  }) },
  { name: 'tx: public key not on the curve', code: 'bad-txns-pubkey-invalid', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: withInputKey(validSpend(), Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 0xff)])), valid: validSpend(),
  }) },
  { name: 'tx: public key of the wrong length', code: 'bad-txns-pubkey-invalid', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: withInputKey(validSpend(), alice.publicKey.subarray(0, 32)), valid: validSpend(),
  }) },
  { name: 'tx: inputs below outputs', code: 'bad-txns-in-belowout', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [aliceCoin], [pay(bob, 601n)]), valid: validSpend(),
  }) },
  { name: 'tx: the same input twice', code: 'bad-txns-inputs-duplicate', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [aliceCoin, aliceCoin], [pay(bob, 1000n)]), valid: validSpend(),
  }) },
  { name: 'tx: premature spend of a block reward (a race, not punished)', code: 'bad-txns-premature-spend-of-coinbase', source: 'mempool', behaviour: 'reject', penalty: 'none', build: () => ({
    bad: spend(owner, [b1Reward], [pay(bob, 1000n)]), valid: validSpend(),
  }) },
  { name: 'tx: spend of a coin spent in a block (orphan-like, not punished)', code: 'bad-txns-inputs-missingorspent', source: 'validation', behaviour: 'orphan-tx', penalty: 'none', build: () => ({
    bad: spend(owner, [spentCoin], [pay(bob, 500n)]), valid: validSpend(),
  }) },
  { name: 'tx: zero-value output', code: 'bad-txns-vout-zero', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [aliceCoin], [pay(bob, 0n)]), valid: validSpend(),
  }) },
  { name: 'tx: one output above the money supply', code: 'bad-txns-txouttotal-toolarge', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [aliceCoin], [pay(bob, MAX_MONEY + 1n)]), valid: validSpend(),
  }) },
  { name: 'tx: outputs adding up above the money supply', code: 'bad-txns-txouttotal-toolarge', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [aliceCoin], [pay(bob, MAX_MONEY), pay(bob, MAX_MONEY)]), valid: validSpend(),
  }) },
  { name: 'tx: no inputs', code: 'bad-txns-vin-empty', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: new Transaction(1, [], [pay(bob, 1n)]), valid: validSpend(),
  }) },
  { name: 'tx: no outputs', code: 'bad-txns-vout-empty', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [aliceCoin], []), valid: validSpend(),
  }) },
  { name: 'tx: a coinbase outside a block (policy, not punished)', code: 'coinbase-not-allowed', source: 'mempool', behaviour: 'reject', penalty: 'none', build: () => ({
    bad: coinbase(3, 1000n, 'loose'),
  }) },
  { name: 'tx: null prevout outside a coinbase', code: 'bad-txns-unexpected-coinbase', source: 'validation', behaviour: 'reject', penalty: 'discourage', build: () => ({
    bad: spend(alice, [{ txid: ZERO_HASH, index: 0 }], [pay(bob, 1n)]), valid: validSpend(),
  }) },
  // ---- encodings
  { name: 'block with trailing bytes', code: 'malformed-payload', source: 'wire', behaviour: 'silent-close', penalty: 'discourage', build: () => {
    const valid = next([validSpend()], 100n);
    return { bad: { frame: encodeFrame(MessageType.Block, Buffer.concat([valid.encode(), Buffer.from([0])])), hash: valid.hash }, valid };
  } },
  { name: 'tx with trailing bytes', code: 'malformed-payload', source: 'wire', behaviour: 'silent-close', penalty: 'discourage', build: () => {
    const valid = validSpend();
    return { bad: { frame: encodeFrame(MessageType.Transaction, Buffer.concat([valid.encode(), Buffer.from([0])])), hash: valid.txid }, valid };
  } },
  { name: 'tx with a non-canonical varint', code: 'malformed-payload', source: 'wire', behaviour: 'silent-close', penalty: 'discourage', build: () => {
    const valid = validSpend();
    return { bad: { frame: encodeFrame(MessageType.Transaction, nonCanonicalTxBytes(valid)), hash: valid.txid }, valid };
  } },
];

function hashOf(sent: Block | Transaction): Buffer {
  return sent instanceof Block ? sent.hash : sent.txid;
}

function send(peer: RawPeer, sent: Sent): void {
  if (sent instanceof Block) peer.send({ kind: 'block', block: sent });
  else if (sent instanceof Transaction) peer.send({ kind: 'transaction', transaction: sent });
  else peer.socket.write(sent.frame);
}

async function readyPeer(node: TestNode, localAddress?: string): Promise<RawPeer> {
  const before = node.net.peers().filter((p) => p.ready).length;
  const peer = await RawPeer.connect(node.net.tcpPort, localAddress);
  peer.sendHandshake({ genesisHash: genesis.hash, bestHeight: 2 });
  await waitFor(() => node.net.peers().filter((p) => p.ready).length > before, 'the raw peer to be ready');
  return peer;
}

/** Tip, the coins the rows play with, and the pool: none of it may change. */
function snapshot(node: TestNode): unknown {
  const coin = (o: { txid: Buffer; index: number }): string | undefined => {
    const c = node.chain.getCoin(o);
    return c ? `${c.amount}@${c.height}` : undefined;
  };
  return { tip: tipHash(node), height: node.chain.tip?.height, coins: [aliceCoin, ownerCoin, b1Reward, spentCoin].map(coin), pool: node.mempool.size };
}

test('the catalogue has at least 25 distinct rows, each penalty as misbehaviour.ts says', (t) => {
  t.true(CATALOGUE.length >= 25, `${CATALOGUE.length} rows`);
  t.is(new Set(CATALOGUE.map((r) => r.name)).size, CATALOGUE.length);
  for (const row of CATALOGUE) {
    // A MempoolError is policy and an orphan a race: neither costs anything. Everything else
    // costs what the one penalty table says.
    const expected: string = row.source === 'mempool' || row.behaviour.startsWith('orphan') ? 'none' : isMisbehaviourCode(row.code) ? penaltyFor(row.code).action : 'unlisted';
    t.is(row.penalty as string, expected, row.name);
  }
});

for (const row of CATALOGUE) {
  test(`catalogue: ${row.name} → ${row.code} (${row.penalty})`, async (t) => {
    const { bad, valid, honestFirst, prime } = row.build();
    const logLines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
    const node = await startNode(t, { genesis, blocks: [b1, b2], params: PARAMS, logger });
    if (prime) await t.throwsAsync(node.chain.processBlock(prime), undefined, 'the primed block is invalid');
    const before = snapshot(node);
    t.is(node.chain.tip?.hash.toString('hex'), b2.hash.toString('hex'));
    const raw = await readyPeer(node);
    t.teardown(() => raw.destroy());
    send(raw, bad);
    const badHash = bad instanceof Block || bad instanceof Transaction ? hashOf(bad) : bad.hash;

    if (row.behaviour === 'reject') {
      const reject = await raw.waitFor('reject');
      if (reject.kind !== 'reject') throw new Error('not a reject');
      t.is(reject.code, row.code, reject.reason);
      t.is(reject.messageType, bad instanceof Block ? MessageType.Block : MessageType.Transaction);
      t.true(reject.hash.equals(badHash), 'the reject names the object');
    } else if (row.behaviour === 'silent-close') {
      await raw.waitClosed();
      t.false(raw.has('reject'), 'nothing we say would be understood');
    } else if (row.behaviour === 'orphan-block') {
      await raw.waitFor('get-blocks');
      await waitFor(() => node.net.stats().orphans === 1, 'the orphan to be held');
    } else {
      await raw.waitFor('get-data');
      t.false(raw.has('reject'));
    }

    if (row.penalty === 'discourage') {
      await raw.waitClosed();
      t.true(node.net.isDiscouraged('127.0.0.1'), 'the sender is discouraged');
      if (row.behaviour === 'silent-close') t.true(node.net.discouraged().some((d) => d.reason.includes(row.code)), JSON.stringify(node.net.discouraged()));
    } else {
      await new Promise((resolve) => setTimeout(resolve, 150));
      t.false(raw.closed, 'a penalty-free refusal keeps the connection');
      t.false(node.net.isDiscouraged('127.0.0.1'), 'and costs nothing');
    }
    t.deepEqual(snapshot(node), before, 'tip, coins and mempool unchanged');
    if (!row.behaviour.startsWith('orphan')) t.true(logLines.some((line) => line.includes(row.code)), `the node logs ${row.code}`);
    if (bad instanceof Transaction) t.false(node.mempool.has(bad.txid));

    if (!valid) return;
    // The same object in valid form from an honest peer (another loopback address) is accepted.
    const honest = await readyPeer(node, '127.0.0.2');
    t.teardown(() => honest.destroy());
    if (honestFirst) send(honest, honestFirst);
    send(honest, valid);
    if (valid instanceof Block) {
      await waitFor(() => tipHash(node) === valid.hash.toString('hex'), `the valid block ${valid.hashHex} to connect`);
    } else {
      await waitFor(() => node.mempool.has(valid.txid), 'the valid tx to enter the mempool');
    }
    t.false(honest.closed);
    t.false(node.net.isDiscouraged('127.0.0.2'));
  });
}
