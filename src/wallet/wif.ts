/**
 * Wallet Import Format, as Bitcoin writes private keys: base58check of 0x80 | 32-byte key, with a
 * trailing 0x01 when the key's public key is used compressed. This node's addresses are hashes of
 * compressed public keys, so it writes and accepts only compressed WIFs (K… or L…): an
 * uncompressed one (5…) stands for a different address, which this wallet could not sign for.
 */
import { createBase58check } from '@scure/base';
import { sha256 } from '../primitives/hash.js';
import { PRIVATE_KEY_BYTES, isValidPrivateKey } from '../primitives/secp256k1.js';
import { WalletError } from './errors.js';

/** Bitcoin mainnet's private-key version byte (WIFs start with 5, K or L), the network our addresses (version 0) belong to. */
export const WIF_VERSION = 0x80;
/** Suffix byte marking a key whose public key is used compressed. */
export const WIF_COMPRESSED_FLAG = 0x01;

const base58check = createBase58check(sha256);

export interface DecodedWif {
  privateKey: Buffer;
  compressed: boolean;
}

export function encodeWif(privateKey: Uint8Array, compressed = true): string {
  if (privateKey.length !== PRIVATE_KEY_BYTES) throw new WalletError('invalid-key', `a private key is ${PRIVATE_KEY_BYTES} bytes, got ${privateKey.length}`);
  const payload = new Uint8Array(1 + PRIVATE_KEY_BYTES + (compressed ? 1 : 0));
  payload[0] = WIF_VERSION;
  payload.set(privateKey, 1);
  if (compressed) payload[1 + PRIVATE_KEY_BYTES] = WIF_COMPRESSED_FLAG;
  return base58check.encode(payload);
}

/** Decodes any well-formed mainnet WIF (compressed or not); every problem is one sentence. */
export function decodeWif(wif: string): DecodedWif {
  const invalid = (reason: string): WalletError => new WalletError('invalid-key', `that is not a usable private key: ${reason}`);
  let payload: Uint8Array;
  try {
    payload = base58check.decode(wif.trim());
  } catch (err) {
    throw invalid(/checksum/i.test((err as Error).message) ? 'its checksum does not match (a typo?)' : 'it is not base58check text (WIF keys start with K, L or 5)');
  }
  if (payload[0] !== WIF_VERSION) {
    throw invalid(`its version byte is 0x${(payload[0] ?? 0).toString(16).padStart(2, '0')}, not 0x80 (a key of another network or not a private key at all)`);
  }
  let compressed: boolean;
  if (payload.length === 1 + PRIVATE_KEY_BYTES) compressed = false;
  else if (payload.length === 2 + PRIVATE_KEY_BYTES) {
    if (payload[1 + PRIVATE_KEY_BYTES] !== WIF_COMPRESSED_FLAG) throw invalid(`its compressed-key flag is 0x${payload[1 + PRIVATE_KEY_BYTES]!.toString(16).padStart(2, '0')}, not 0x01`);
    compressed = true;
  } else {
    throw invalid(`it holds ${payload.length - 1} bytes after the version byte, a WIF key holds ${PRIVATE_KEY_BYTES} (or ${PRIVATE_KEY_BYTES + 1} with the compressed flag)`);
  }
  const privateKey = Buffer.from(payload.subarray(1, 1 + PRIVATE_KEY_BYTES));
  if (!isValidPrivateKey(privateKey)) throw invalid('the number it holds is zero or not below the secp256k1 group order');
  return { privateKey, compressed };
}

/** A compressed WIF's key, as this wallet can use it; an uncompressed one is refused with why. */
export function decodeWalletWif(wif: string): Buffer {
  const { privateKey, compressed } = decodeWif(wif);
  if (!compressed) {
    throw new WalletError('invalid-key', 'that is an uncompressed key (WIF starting with 5): its address is not one this node can sign for, so import the compressed form (starting with K or L)');
  }
  return privateKey;
}
