import fc from 'fast-check';
import { Block, BlockHeader } from '../../../src/primitives/block.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import { generatePrivateKey, publicKeyOf, sign } from '../../../src/primitives/secp256k1.js';
import { MAX_INPUT_FIELD_BYTES, Transaction, type TxInput, type TxOutput } from '../../../src/primitives/tx.js';
import { bytesArb, hashArb, u32Arb, u64Arb } from './fuzz-helpers.js';

/** A few real keys: generating one per run would dominate the run time. */
export const KEYS: readonly Buffer[] = Array.from({ length: 4 }, () => generatePrivateKey());
export const PUBKEYS: readonly Buffer[] = KEYS.map((k) => publicKeyOf(k));

const outputArb: fc.Arbitrary<TxOutput> = fc.record({ amount: u64Arb, pubKeyHash: bytesArb(20, 20) });

/** Any decodable input (fields up to the decoding bound), not necessarily a valid spend. */
const rawInputArb: fc.Arbitrary<TxInput> = fc.record({
  prevout: fc.record({ txid: hashArb, index: u32Arb }),
  publicKey: bytesArb(0, MAX_INPUT_FIELD_BYTES),
  signature: bytesArb(0, MAX_INPUT_FIELD_BYTES),
});

/** Inputs spent with real keys and signed over the sighash, as a wallet builds them. */
const signedTxArb: fc.Arbitrary<Transaction> = fc
  .record({
    version: u32Arb,
    spends: fc.array(fc.record({ txid: hashArb, index: u32Arb, key: fc.nat(KEYS.length - 1) }), { minLength: 1, maxLength: 3 }),
    outputs: fc.array(outputArb, { minLength: 0, maxLength: 3 }),
  })
  .map(({ version, spends, outputs }) => {
    let tx = new Transaction(version, spends.map((s) => ({ prevout: { txid: s.txid, index: s.index }, publicKey: PUBKEYS[s.key]!, signature: Buffer.alloc(0) })), outputs);
    spends.forEach((s, i) => {
      tx = tx.withSignature(i, sign(tx.sighash(i), KEYS[s.key]!));
    });
    return tx;
  });

const rawTxArb: fc.Arbitrary<Transaction> = fc
  .record({ version: u32Arb, inputs: fc.array(rawInputArb, { maxLength: 3 }), outputs: fc.array(outputArb, { maxLength: 3 }) })
  .filter(({ inputs, outputs }) => inputs.length + outputs.length > 0)
  .map(({ version, inputs, outputs }) => new Transaction(version, inputs, outputs));

const coinbaseArb: fc.Arbitrary<Transaction> = fc
  .tuple(u32Arb, fc.array(outputArb, { minLength: 1, maxLength: 2 }), bytesArb(0, 16))
  .map(([height, outputs, extra]) => Transaction.coinbase(height, outputs, extra));

export const txArb: fc.Arbitrary<Transaction> = fc.oneof(signedTxArb, rawTxArb, coinbaseArb);

export const headerArb: fc.Arbitrary<BlockHeader> = fc
  .record({ version: u32Arb, prevHash: hashArb, merkleRoot: hashArb, timestamp: u32Arb, bits: u32Arb, height: u32Arb, nonce: u32Arb })
  .map((fields) => new BlockHeader(fields));

/** A block whose header commits to its transactions (coinbase first). */
export const blockArb: fc.Arbitrary<Block> = fc
  .tuple(headerArb, coinbaseArb, fc.array(txArb, { maxLength: 2 }))
  .map(([header, coinbase, rest]) => {
    const txs = [coinbase, ...rest];
    return new Block(new BlockHeader({ ...header.fields(), merkleRoot: merkleRoot(txs.map((tx) => tx.txid)) }), txs);
  });
