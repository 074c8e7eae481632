import test from 'ava';
import { AddressError, addressToPubKeyHash, isValidAddress, pubKeyHashToAddress, publicKeyToAddress } from '../../../src/primitives/address.js';
import { PrefixHash256, hash160, hash256, ripemd160, sha256 } from '../../../src/primitives/hash.js';
import { merkleRoot, merkleRootChecked } from '../../../src/primitives/merkle.js';
import { compactToTarget, hashMeetsTarget, targetToCompact, workForTarget } from '../../../src/primitives/pow.js';
import { normalizeSignature, publicKeyOf, secp256k1IsNative, sign, verify } from '../../../src/primitives/secp256k1.js';
import { Transaction } from '../../../src/primitives/tx.js';
import { makeKey, outpoint, pay } from '../../helpers/fixtures.js';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const h = (s: string): Buffer => Buffer.from(s, 'hex');

test('hash known values of the empty string', (t) => {
  const empty = Buffer.alloc(0);
  t.is(sha256(empty).toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.is(hash256(empty).toString('hex'), '5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456');
  t.is(ripemd160(empty).toString('hex'), '9c1185a5c5e9fc54612808977ee8f548b2258d31');
  t.is(hash160(empty).toString('hex'), 'b472a266d0bd89c13706a4132ccfb16f7c3b9fcb');
});

test('merkle root of 1, 2 and 3 hashes (odd levels duplicate the last)', (t) => {
  const [a, b, c] = ['aa', 'bb', 'cc'].map((x) => hash256(Buffer.from(x)));
  const pair = (l: Buffer, r: Buffer): Buffer => hash256(Buffer.concat([l, r]));
  t.deepEqual(merkleRoot([a!]), a);
  t.deepEqual(merkleRoot([a!, b!]), pair(a!, b!));
  t.deepEqual(merkleRoot([a!, b!, c!]), pair(pair(a!, b!), pair(c!, c!)));
  t.deepEqual(merkleRoot([a!, b!, c!, c!]), merkleRoot([a!, b!, c!]), 'CVE-2012-2459: why blocks reject duplicate txs');
});

test('merkle root (built in place in one buffer) equals the level-by-level definition for 1 to 70 leaves, leaves untouched', (t) => {
  const pair = (l: Buffer, r: Buffer): Buffer => hash256(Buffer.concat([l, r]));
  const definition = (hashes: Buffer[]): Buffer => {
    let level = hashes;
    while (level.length > 1) level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => pair(level[2 * i]!, level[2 * i + 1] ?? level[2 * i]!));
    return level[0]!;
  };
  for (let count = 1; count <= 70; count++) {
    const leaves = Array.from({ length: count }, (_, i) => hash256(Buffer.from(`leaf ${count} ${i}`)));
    const copies = leaves.map((leaf) => Buffer.from(leaf));
    const root = merkleRoot(leaves);
    t.deepEqual(root, definition(copies), `${count} leaves`);
    t.deepEqual(leaves, copies, 'the leaves are not written to');
    t.is(root.length, 32);
  }
});

test('a mutated merkle tree (a repeated tail reaching an honest root, CVE-2012-2459) is flagged; honest trees of 1 to 70 leaves are not', (t) => {
  const leaf = (s: string): Buffer => hash256(Buffer.from(s));
  const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map(leaf) as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
  for (const [name, honest, twin] of [
    ['[a,b,c] / [a,b,c,c]', [a, b, c], [a, b, c, c]],
    ['six leaves, the last two repeated at level 1', [a, b, c, d, e, f], [a, b, c, d, e, f, e, f]],
    ['five leaves, the last one repeated', [a, b, c, d, e], [a, b, c, d, e, e]],
  ] as const) {
    const h = merkleRootChecked(honest);
    const m = merkleRootChecked(twin);
    t.deepEqual(m.root, h.root, `${name}: the same root`);
    t.false(h.mutated, `${name}: the honest list`);
    t.true(m.mutated, `${name}: the twin`);
  }
  t.true(merkleRootChecked([a, a]).mutated, 'two equal leaves');
  t.false(merkleRootChecked([a, b, a]).mutated, 'a repeat that is not a sibling gives another root, not a twin: the chain refuses it (duplicate txid)');
  for (let count = 1; count <= 70; count++) {
    const leaves = Array.from({ length: count }, (_, i) => leaf(`leaf ${count} ${i}`));
    const checked = merkleRootChecked(leaves);
    t.false(checked.mutated, `${count} distinct leaves`);
    t.deepEqual(checked.root, merkleRoot(leaves));
  }
});

test('merkle root of Bitcoin block 100000', (t) => {
  // Explorer hex is byte-reversed relative to the internal order the hashes are combined in.
  const internal = (display: string): Buffer => h(display).reverse();
  const txids = [
    '8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87',
    'fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4',
    '6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4',
    'e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d',
  ].map(internal);
  t.deepEqual(merkleRoot(txids), internal('f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766'));
});

test('compact bits 0x1d00ffff <-> ffff * 2^208, and its work', (t) => {
  const target = compactToTarget(0x1d00ffff);
  t.is(target, 0xffffn << 208n);
  t.is(targetToCompact(target), 0x1d00ffff);
  t.is(workForTarget(target), 0x100010001n, "Bitcoin's genesis chain work");
  t.is(targetToCompact(compactToTarget(0x207fffff)), 0x207fffff);
  t.throws(() => compactToTarget(0x1d80ffff), { instanceOf: RangeError }, 'sign bit set');
  t.true(hashMeetsTarget(Buffer.alloc(32, 0), target));
  t.false(hashMeetsTarget(Buffer.alloc(32, 0xff), target));
});

test('address of the Bitcoin wiki public key, and checksum errors', (t) => {
  const pub = h('0250863ad64a87ae8a2fe83c1af1a8403cb53f53e486d8511dad8a04887e5b2352');
  t.is(hash160(pub).toString('hex'), 'f54a5851e9372b87810a8e60cdd2e7cfd80b6e31');
  t.is(publicKeyToAddress(pub), '1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs');
  t.deepEqual(addressToPubKeyHash('1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs'), hash160(pub));
  t.is(pubKeyHashToAddress(hash160(pub)), '1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs');
  const typo = '1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAt';
  const err = t.throws(() => addressToPubKeyHash(typo), { instanceOf: AddressError });
  t.is(err?.code, 'invalid-address');
  t.regex(err?.message ?? '', /checksum/);
  t.false(isValidAddress(typo));
  t.false(isValidAddress('0OIl'));
  t.true(isValidAddress(makeKey().address));
});

test('an invalid address says what is wrong with it: a character, the length, or the checksum', (t) => {
  const reason = (address: string): string => t.throws(() => addressToPubKeyHash(address), { instanceOf: AddressError })?.message ?? '';
  const good = '1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs';
  t.is(reason('1BadAddr'), '"1BadAddr" is not a valid address: it is too short (8 characters; an address has 26 to 34: part of it missing or repeated?)');
  t.regex(reason(good.slice(0, -3)), /too short \(31 characters/);
  t.regex(reason(`${good}s`), /too long \(35 characters/);
  t.regex(reason(`${good.slice(0, -1)}0`), /"0" is not a base58 character/);
  t.regex(reason(`${good} `), /" " is not a base58 character/);
  t.regex(reason(`${good.slice(0, -1)}t`), /its checksum does not match \(a typo\?\)$/);
});

test('sign / verify: native, low-S only, bound to key, digest and input index', (t) => {
  t.true(secp256k1IsNative);
  const key = makeKey();
  const other = makeKey();
  t.deepEqual(publicKeyOf(key.privateKey), key.publicKey);
  const prev = Transaction.coinbase(1, [pay(key, 10n)]);
  const tx = new Transaction(
    1,
    [0, 1].map((index) => ({ prevout: { ...outpoint(prev), index }, publicKey: key.publicKey, signature: Buffer.alloc(0) })),
    [pay(other, 5n)],
  );
  const digest0 = tx.sighash(0);
  const sig0 = sign(digest0, key.privateKey);
  t.true(verify(sig0, digest0, key.publicKey));
  t.false(verify(sig0, tx.sighash(1), key.publicKey), 'a signature for input 0 is not valid for input 1');
  t.false(verify(sig0, digest0, other.publicKey));
  t.false(verify(sig0.subarray(0, 63), digest0, key.publicKey));

  // s' = n - s is the same signature in high-S form: third parties could flip it, so it is refused.
  const s = BigInt(`0x${sig0.subarray(32).toString('hex')}`);
  const highS = Buffer.concat([sig0.subarray(0, 32), h((SECP256K1_N - s).toString(16).padStart(64, '0'))]);
  t.true(SECP256K1_N - s > SECP256K1_N / 2n);
  t.false(verify(highS, digest0, key.publicKey));
  t.deepEqual(normalizeSignature(highS), sig0, 'it is the same signature, only high-S');

  const signed = tx.withSignature(0, sig0).withSignature(1, sign(tx.sighash(1), key.privateKey));
  t.deepEqual(signed.sighash(0), digest0, 'signatures are not part of what is signed');
  t.notDeepEqual(signed.txid, tx.txid);
});

test('PrefixHash256: hash256(prefix ‖ suffix) for each suffix, the prefix hashed once, whatever the sizes and order', (t) => {
  for (const prefixBytes of [0, 1, 55, 63, 64, 65, 1_023, 1_024, 5_000]) {
    const prefix = Buffer.alloc(prefixBytes, prefixBytes & 0xff);
    const hasher = new PrefixHash256(prefix);
    for (const suffixBytes of [4, 0, 100, 4]) {
      const suffix = Buffer.alloc(suffixBytes, 0xa5 ^ suffixBytes);
      t.deepEqual(hasher.digest(suffix), hash256(Buffer.concat([prefix, suffix])), `${prefixBytes} + ${suffixBytes}`);
    }
  }
});
