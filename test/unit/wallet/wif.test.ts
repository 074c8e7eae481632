import test from 'ava';
import { createBase58check } from '@scure/base';
import { publicKeyToAddress } from '../../../src/primitives/address.js';
import { sha256 } from '../../../src/primitives/hash.js';
import { publicKeyOf } from '../../../src/primitives/secp256k1.js';
import { WalletError, decodeWalletWif, decodeWif, encodeWif } from '../../../src/wallet/index.js';

const base58check = createBase58check(sha256);
/** The Bitcoin wiki's WIF example key. */
const KEY = Buffer.from('0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d', 'hex');
const UNCOMPRESSED = '5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ';
const COMPRESSED = 'KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617';
/** secp256k1's group order n: keys must be 1 … n-1. */
const ORDER = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');

const wif = (bytes: number[] | Buffer): string => base58check.encode(Uint8Array.from(bytes));

test('known vectors: the wiki key encodes to its compressed and uncompressed WIF and back', (t) => {
  t.is(encodeWif(KEY), COMPRESSED);
  t.is(encodeWif(KEY, false), UNCOMPRESSED);
  t.deepEqual(decodeWif(COMPRESSED), { privateKey: KEY, compressed: true });
  t.deepEqual(decodeWif(UNCOMPRESSED), { privateKey: KEY, compressed: false });
  t.deepEqual(decodeWalletWif(` ${COMPRESSED}\n`), KEY, 'surrounding blanks are ignored');
  // The compressed key's P2PKH address, as any Bitcoin wallet shows it for this WIF.
  t.is(publicKeyToAddress(publicKeyOf(KEY)), '1LoVGDgRs9hTfTNJNuXKSpywcbdvwRXpmK');
});

test('every malformed WIF gets its own one-sentence reason', (t) => {
  const reason = (text: string): string => {
    const err = t.throws(() => decodeWalletWif(text), { instanceOf: WalletError });
    t.is(err?.code, 'invalid-key');
    t.log(err?.message);
    t.notRegex(err?.message ?? '', /\n/);
    return err?.message ?? '';
  };
  const typo = COMPRESSED.slice(0, 10) + (COMPRESSED[10] === 'a' ? 'b' : 'a') + COMPRESSED.slice(11);
  t.regex(reason(typo), /checksum does not match/);
  t.regex(reason('0OIl not base58'), /not base58check text/);
  t.regex(reason(wif([0xef, ...KEY, 0x01])), /version byte is 0xef, not 0x80/);
  t.regex(reason(wif([0x80, ...KEY, 0x02])), /compressed-key flag is 0x02, not 0x01/);
  t.regex(reason(wif([0x80, ...KEY.subarray(0, 31)])), /holds 31 bytes after the version byte/);
  t.regex(reason(wif([0x80, ...Buffer.alloc(32), 0x01])), /zero or not below the secp256k1 group order/);
  t.regex(reason(wif([0x80, ...ORDER, 0x01])), /zero or not below the secp256k1 group order/);
  t.regex(reason(UNCOMPRESSED), /uncompressed key \(WIF starting with 5\)/);
});

test('the largest valid key (n - 1) round-trips', (t) => {
  const max = Buffer.from(ORDER);
  max[31] = max[31]! - 1;
  t.deepEqual(decodeWalletWif(encodeWif(max)), max);
});
