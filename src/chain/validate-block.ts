/**
 * Block rules that need no UTXO set: header proof-of-work, size, coinbase shape, duplicate
 * transactions, merkle root, per-tx sanity; then the header's place after its parent (height,
 * median time past, clock) and signatures. UTXO rules live in connect.ts.
 */
import type { Block, BlockHeader } from '../primitives/block.js';
import { compactToTarget, hashMeetsTarget } from '../primitives/pow.js';
import { MEDIAN_TIME_SPAN_BLOCKS } from './constants.js';
import { ValidationCode as Code, ValidationError } from './errors.js';
import type { ChainParams } from './params.js';
import type { IndexEntry } from './store/codecs.js';
import { badSignatureError, checkTransactionSanity } from './validate-tx.js';
import { SignatureBatch, type VerifyPool } from './verify-pool/index.js';
import type { SignatureCache } from './signature-cache.js';

/** Context-free checks, cheapest first. Throws ValidationError. */
export function checkBlockSanity(block: Block, params: ChainParams): void {
  const { header } = block;
  if (header.bits !== params.powBits) {
    throw new ValidationError(Code.BadBits, `block ${header.hashHex} claims target bits 0x${header.bits.toString(16)}, but this network requires 0x${params.powBits.toString(16)}`);
  }
  if (!hashMeetsTarget(header.hash, compactToTarget(header.bits))) {
    throw new ValidationError(Code.BadPow, `block ${header.hashHex} hash is above its proof-of-work target`);
  }
  if (block.size > params.maxBlockBytes) {
    throw new ValidationError(Code.BlockTooLarge, `block ${header.hashHex} is ${block.size} bytes, more than the ${params.maxBlockBytes} allowed`);
  }
  const txs = block.transactions;
  const coinbase = txs[0];
  if (!coinbase || !coinbase.isCoinbase) throw new ValidationError(Code.NoCoinbase, `block ${header.hashHex} does not start with a coinbase transaction`);
  for (let i = 1; i < txs.length; i++) {
    if (txs[i]!.isCoinbase) throw new ValidationError(Code.MultipleCoinbase, `block ${header.hashHex} has a second coinbase at position ${i}`);
  }
  if (coinbase.coinbaseHeight !== header.height) {
    throw new ValidationError(Code.BadCoinbaseHeight, `block ${header.hashHex} at height ${header.height} has a coinbase committing to height ${coinbase.coinbaseHeight ?? 'none'}`);
  }
  // Before the merkle root: [a,b,c] and [a,b,c,c] share a root (CVE-2012-2459), so a root match
  // alone does not prove these are the transactions the header committed to.
  const seen = new Set<string>();
  for (const tx of txs) {
    const key = tx.txid.toString('latin1'); // a set key only: cheaper than hex
    if (seen.has(key)) throw new ValidationError(Code.DuplicateTx, `block ${header.hashHex} contains transaction ${tx.txidHex} twice`);
    seen.add(key);
  }
  if (!block.computeMerkleRoot().equals(header.merkleRoot)) {
    throw new ValidationError(Code.BadMerkleRoot, `block ${header.hashHex} transactions do not match the merkle root in its header`);
  }
  for (const tx of txs) checkTransactionSanity(tx);
}

/** Median timestamp of the last MEDIAN_TIME_SPAN_BLOCKS blocks ending at `parent` (inclusive). */
export function medianTimePast(parent: IndexEntry, getIndex: (hash: Buffer) => { readonly header: BlockHeader } | undefined): number {
  const times: number[] = [];
  let entry: { readonly header: BlockHeader } | undefined = parent;
  while (entry && times.length < MEDIAN_TIME_SPAN_BLOCKS) {
    times.push(entry.header.timestamp);
    entry = entry.header.height === 0 ? undefined : getIndex(entry.header.prevHash);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface HeaderContext {
  /** Undefined for a genesis block. */
  parent: IndexEntry | undefined;
  /** medianTimePast(parent); ignored for genesis. */
  medianTimePast: number;
  nowSec: number;
  params: ChainParams;
}

/** The header's fit after its parent, and the local clock. */
export function checkHeaderContext(header: BlockHeader, ctx: HeaderContext): void {
  if (ctx.parent) {
    const expected = ctx.parent.header.height + 1;
    if (header.height !== expected) throw new ValidationError(Code.BadHeight, `block ${header.hashHex} claims height ${header.height}, but its parent is at height ${expected - 1}`);
    if (header.timestamp <= ctx.medianTimePast) {
      throw new ValidationError(Code.BadTimestamp, `block ${header.hashHex} timestamp ${header.timestamp} is not after the median time ${ctx.medianTimePast} of the previous blocks`);
    }
  }
  const limit = ctx.nowSec + ctx.params.maxFutureBlockTimeSec;
  if (header.timestamp > limit) {
    throw new ValidationError(Code.TimeTooNew, `block ${header.hashHex} timestamp ${header.timestamp} is more than ${ctx.params.maxFutureBlockTimeSec}s ahead of this node's clock`);
  }
}

/**
 * Every input signature of every non-coinbase transaction. Signature validity depends only on
 * the transaction itself (the key is in the input, the owner check is in checkTransactionInputs),
 * so this can run before the UTXO set is touched, on `pool` when given (its workers and the
 * calling thread's free turns; inline otherwise). The first failing input in block order is reported, whichever thread found it.
 */
export async function verifyBlockSignatures(block: Block, pool?: VerifyPool, verified?: SignatureCache): Promise<void> {
  if (!pool) return verifyBlockSignaturesInline(block, verified);
  const batch = SignatureBatch.fromBlock(block, verified);
  const failed = await pool.verify(batch);
  if (failed >= 0) {
    const { tx, inputIndex } = batch.locate(failed);
    throw badSignatureError(tx, inputIndex);
  }
}

/**
 * verifyBlockSignatures on the calling thread, synchronously (for a block whose check was not
 * started early). `verified`: transactions already checked (the mempool's), skipped in both.
 */
export function verifyBlockSignaturesInline(block: Block, verified?: SignatureCache): void {
  const batch = SignatureBatch.fromBlock(block, verified);
  const failed = batch.firstInvalid();
  if (failed >= 0) {
    const { tx, inputIndex } = batch.locate(failed);
    throw badSignatureError(tx, inputIndex);
  }
}
