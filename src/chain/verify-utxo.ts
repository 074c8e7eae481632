/**
 * verifychain's last step (verify-chain.ts): the UTXO set the replay rebuilt against the stored one,
 * coin by coin and by digest, then the address index against the coins' owners. Both sides are
 * walked in key order, yielding between slices (`pause`).
 */
import { HASH_BYTES, PUBKEY_HASH_BYTES } from '../primitives/hash.js';
import { outPointFromKey } from '../primitives/tx.js';
import { errorMessage } from '../util/errors.js';
import { CHECK_SLICE_MS } from './constants.js';
import type { MemoryUtxo } from './memory-utxo.js';
import { decodeCoin } from './store/codecs.js';
import { ADDR_KEY_OUTPOINT_OFFSET } from './store/layout.js';
import type { ChainSnapshot } from './store/snapshot.js';
import { UtxoHasher, type UtxoSetStats, scanCoins, scanEntries } from './utxo-digest.js';
import type { VerifyChainResult, VerifyFailure } from './verify-chain.js';

/** Stored keys: an outPointKey (txid ‖ u32 index). */
const COIN_KEY_BYTES = HASH_BYTES + 4;

/** A coin's name for a message: txid:index, or the raw key when it is not an outPointKey. */
function coinName(key: Buffer): string {
  if (key.length !== COIN_KEY_BYTES) return `with malformed key ${key.toString('hex')}`;
  const { txid, index } = outPointFromKey(key);
  return `${txid.toString('hex')}:${index}`;
}

/** Walks the stored coins and the replayed ones side by side, both in key order: digests, and the first difference. */
export async function compareUtxo(
  snapshot: ChainSnapshot,
  utxo: MemoryUtxo,
  options: { pause: () => Promise<void>; shouldStop: (() => boolean) | undefined },
  done: (failure: VerifyFailure | undefined, expected?: UtxoSetStats, actual?: UtxoSetStats) => VerifyChainResult,
): Promise<VerifyChainResult> {
  // Sorted in runs with yields, merged as the stored coins are walked (sorted-cursor.ts): a set of
  // millions of coins is never sorted or hashed in one synchronous piece.
  const replayed = await utxo.sortedKeys(options.pause);
  const expectedHasher = new UtxoHasher();
  const actualHasher = new UtxoHasher();
  /** Takes the next replayed coin into the expected digest; returns its key. */
  const take = (): Buffer => {
    const key = replayed.take()!;
    const keyBytes = Buffer.from(key, 'latin1');
    expectedHasher.add(keyBytes, utxo.recordAtKey(key)!);
    return keyBytes;
  };
  let first: string | undefined;
  await scanCoins(
    snapshot,
    (key, value) => {
      if (key.length !== COIN_KEY_BYTES) {
        first ??= `the stored UTXO set holds a coin ${coinName(key)}`;
        return;
      }
      try {
        actualHasher.add(key, value);
      } catch (err) {
        first ??= `the stored coin ${coinName(key)} does not decode: ${errorMessage(err)}`;
        return;
      }
      if (first !== undefined) return;
      const stored = key.toString('latin1');
      const mine = replayed.peek();
      if (mine !== undefined && mine < stored) {
        first = `coin ${coinName(Buffer.from(mine, 'latin1'))} is missing from the stored UTXO set`;
        return;
      }
      if (mine !== stored) first = `the stored UTXO set holds coin ${coinName(key)}, which the blocks never created or already spent`;
      else if (!utxo.recordAtKey(mine)!.equals(value)) first = `the stored coin ${coinName(key)} differs from the one its block created (amount, owner, height or coinbase flag)`;
      else take();
    },
    options.shouldStop,
  );
  const left = replayed.peek();
  if (first === undefined && left !== undefined) first = `coin ${coinName(Buffer.from(left, 'latin1'))} is missing from the stored UTXO set`;
  // The rest of the replayed coins into the expected digest, yielding as the scan did.
  for (let sliceStart = Date.now(); replayed.peek() !== undefined; ) {
    take();
    if (Date.now() - sliceStart >= CHECK_SLICE_MS) {
      await options.pause();
      sliceStart = Date.now();
    }
  }
  const expected = expectedHasher.finish();
  const actual = actualHasher.finish();
  if (first === undefined && !expected.hash.equals(actual.hash)) first = 'the stored UTXO set digest differs from the replayed one';
  if (first === undefined) first = await checkAddressIndex(snapshot, utxo, options.shouldStop);
  if (first === undefined) return done(undefined, expected, actual);
  return done({ reason: `${first} (stored: ${actual.txouts} coins, ${actual.totalAmount} total; replayed from the blocks: ${expected.txouts} coins, ${expected.totalAmount} total)` }, expected, actual);
}

/** Every address-index entry names a coin of that owner, and every coin has one. Undefined when so. */
async function checkAddressIndex(snapshot: ChainSnapshot, utxo: MemoryUtxo, shouldStop: (() => boolean) | undefined): Promise<string | undefined> {
  let entries = 0;
  let problem: string | undefined;
  await scanEntries(
    snapshot,
    'addrs',
    (key) => {
      entries++;
      if (problem !== undefined) return;
      if (key.length !== ADDR_KEY_OUTPOINT_OFFSET + COIN_KEY_BYTES) {
        problem = `the address index holds a malformed key ${key.toString('hex')}`;
        return;
      }
      const owner = key.subarray(0, PUBKEY_HASH_BYTES);
      const height = key.readUInt32BE(PUBKEY_HASH_BYTES);
      const coinKey = key.subarray(ADDR_KEY_OUTPOINT_OFFSET);
      const record = utxo.recordAt(coinKey);
      const coin = record && decodeCoin(record);
      if (!coin || !coin.pubKeyHash.equals(owner) || coin.height !== height) {
        problem = `the address index lists coin ${coinName(coinKey)} of height ${height} for owner ${owner.toString('hex')}, which the UTXO set does not give it`;
      }
    },
    shouldStop,
  );
  if (problem === undefined && entries !== utxo.size) problem = `the address index holds ${entries} entries for ${utxo.size} coins`;
  return problem;
}
