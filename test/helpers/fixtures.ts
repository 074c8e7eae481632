/**
 * Builders shared by unit tests: keys, signed transactions and mined blocks at an easy target.
 * They use the real primitives (no fakes), so a test that passes here exercises real encoding,
 * hashing and signatures.
 */
import type { ChainParams } from '../../src/chain/params.js';
import { publicKeyToAddress } from '../../src/primitives/address.js';
import { Block, BlockHeader } from '../../src/primitives/block.js';
import { ZERO_HASH, hash160 } from '../../src/primitives/hash.js';
import { merkleRoot } from '../../src/primitives/merkle.js';
import { compactToTarget, hashMeetsTarget } from '../../src/primitives/pow.js';
import { generatePrivateKey, publicKeyOf, sign } from '../../src/primitives/secp256k1.js';
import { type OutPoint, Transaction, type TxOutput } from '../../src/primitives/tx.js';

/** Regtest-like target: about one hash in two meets it, so tests mine instantly. */
export const EASY_POW_BITS = 0x207fffff;

export const TEST_PARAMS: ChainParams = {
  powBits: EASY_POW_BITS,
  blockRewardAmount: 1000n,
  maxBlockBytes: 1_000_000,
  maxFutureBlockTimeSec: 7200,
  /** Fixtures spend fresh rewards in the next block; maturity tests set their own. */
  coinbaseMaturity: 1,
};

export interface TestKey {
  privateKey: Buffer;
  publicKey: Buffer;
  pubKeyHash: Buffer;
  address: string;
}

export function makeKey(): TestKey {
  const privateKey = generatePrivateKey();
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, pubKeyHash: hash160(publicKey), address: publicKeyToAddress(publicKey) };
}

/** A transaction spending `prevouts` (all owned by `key`) to `outputs`, every input signed. */
export function spend(key: TestKey, prevouts: readonly OutPoint[], outputs: readonly TxOutput[]): Transaction {
  let tx = new Transaction(
    1,
    prevouts.map((prevout) => ({ prevout, publicKey: key.publicKey, signature: Buffer.alloc(0) })),
    outputs,
  );
  for (let i = 0; i < prevouts.length; i++) tx = tx.withSignature(i, sign(tx.sighash(i), key.privateKey));
  return tx;
}

export function pay(to: TestKey, amount: bigint): TxOutput {
  return { amount, pubKeyHash: to.pubKeyHash };
}

/** Searches nonces until the header meets its own target. */
export function mine(header: BlockHeader): BlockHeader {
  const target = compactToTarget(header.bits);
  for (let nonce = 0; ; nonce++) {
    const candidate = header.withNonce(nonce);
    if (hashMeetsTarget(candidate.hash, target)) return candidate;
  }
}

export interface BuildBlockOptions {
  /** Parent block; omit for a genesis block. */
  parent?: Block | BlockHeader;
  txs?: readonly Transaction[];
  /** Who gets the coinbase. */
  miner: TestKey;
  /** Coinbase amount; defaults to reward + `fees`. */
  coinbaseAmount?: bigint;
  fees?: bigint;
  params?: ChainParams;
  timestamp?: number;
  /** Distinguishes otherwise identical blocks (competing branches). */
  extraData?: Buffer;
  /** Skip mining (to build bad-PoW blocks). */
  unmined?: boolean;
  /** Override the header fields after the merkle root is computed. */
  headerOverrides?: Partial<ConstructorParameters<typeof BlockHeader>[0]>;
}

export function buildBlock(options: BuildBlockOptions): Block {
  const params = options.params ?? TEST_PARAMS;
  const parentHeader = options.parent instanceof Block ? options.parent.header : options.parent;
  const height = parentHeader ? parentHeader.height + 1 : 0;
  const amount = options.coinbaseAmount ?? params.blockRewardAmount + (options.fees ?? 0n);
  const coinbase = Transaction.coinbase(height, [pay(options.miner, amount)], options.extraData);
  const txs = [coinbase, ...(options.txs ?? [])];
  const header = new BlockHeader({
    version: 1,
    prevHash: parentHeader ? parentHeader.hash : ZERO_HASH,
    merkleRoot: merkleRoot(txs.map((tx) => tx.txid)),
    timestamp: options.timestamp ?? (parentHeader ? parentHeader.timestamp + 1 : Math.floor(Date.now() / 1000) - 3600),
    bits: params.powBits,
    height,
    nonce: 0,
    ...options.headerOverrides,
  });
  return new Block(options.unmined ? header : mine(header), txs);
}

/** Output `index` of `tx` as an outpoint. */
export function outpoint(tx: Transaction, index = 0): OutPoint {
  return { txid: tx.txid, index };
}
