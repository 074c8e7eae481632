import { createBase58check } from '@scure/base';
import { KadchainError } from '../util/errors.js';
import { PUBKEY_HASH_BYTES, hash160, sha256 } from './hash.js';

/** Bitcoin mainnet P2PKH version byte: addresses start with "1". */
export const ADDRESS_VERSION = 0x00;

const base58check = createBase58check(sha256);

export class AddressError extends KadchainError {
  constructor(message: string) {
    super('invalid-address', message);
  }
}

export function pubKeyHashToAddress(pubKeyHash: Uint8Array): string {
  if (pubKeyHash.length !== PUBKEY_HASH_BYTES) throw new AddressError(`a public-key hash is ${PUBKEY_HASH_BYTES} bytes, got ${pubKeyHash.length}`);
  const payload = new Uint8Array(1 + PUBKEY_HASH_BYTES);
  payload[0] = ADDRESS_VERSION;
  payload.set(pubKeyHash, 1);
  return base58check.encode(payload);
}

export function publicKeyToAddress(publicKey: Uint8Array): string {
  return pubKeyHashToAddress(hash160(publicKey));
}

/** Decodes a `1...` address to its 20-byte public-key hash, or throws AddressError saying what is wrong. */
export function addressToPubKeyHash(address: string): Buffer {
  if (typeof address !== 'string' || address.length === 0) throw new AddressError('the address is empty');
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address);
  } catch (err) {
    const reason = /checksum/i.test((err as Error).message) ? 'its checksum does not match (a typo?)' : 'it is not valid base58check';
    throw new AddressError(`"${address}" is not a valid address: ${reason}`);
  }
  if (payload.length !== 1 + PUBKEY_HASH_BYTES || payload[0] !== ADDRESS_VERSION) {
    throw new AddressError(`"${address}" is not a valid address: expected a version-0 pay-to-public-key-hash address starting with "1"`);
  }
  return Buffer.from(payload.subarray(1));
}

export function isValidAddress(address: string): boolean {
  try {
    addressToPubKeyHash(address);
    return true;
  } catch {
    return false;
  }
}
