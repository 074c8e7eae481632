import { base58, createBase58check } from '@scure/base';
import { KadchainError } from '../util/errors.js';
import { PUBKEY_HASH_BYTES, hash160, hash256, sha256 } from './hash.js';

/** Bitcoin mainnet P2PKH version byte: addresses start with "1". */
export const ADDRESS_VERSION = 0x00;

const base58check = createBase58check(sha256);
/** base58check's checksum: the first 4 bytes of hash256 of the version byte and the hash. */
const ADDRESS_CHECKSUM_BYTES = 4;
/** Version byte + public-key hash + 4-byte checksum. */
const ADDRESS_BYTES = 1 + PUBKEY_HASH_BYTES + ADDRESS_CHECKSUM_BYTES;
/** Base58's alphabet leaves out 0, O, I and l, which people confuse with each other. */
const NOT_BASE58 = /[^1-9A-HJ-NP-Za-km-z]/;

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
  const invalid = (reason: string): AddressError => new AddressError(`"${address}" is not a valid address: ${reason}`);
  // Say the most specific thing that is wrong: a bad character, then a wrong length (a part
  // missing or pasted twice), and only then the checksum (a slip inside a whole address).
  const bad = NOT_BASE58.exec(address);
  if (bad !== null) throw invalid(`${JSON.stringify(bad[0])} is not a base58 character (addresses never contain 0, O, I, l or punctuation)`);
  const raw = base58.decode(address);
  if (raw.length !== ADDRESS_BYTES) throw invalid(`it is ${raw.length < ADDRESS_BYTES ? 'too short' : 'too long'} (${address.length} character${address.length === 1 ? '' : 's'}; an address has 26 to 34: part of it missing or repeated?)`);
  // The checksum from the bytes already decoded: base58check.decode would decode the string again
  // (two base58 decodes per address were ~1.5 µs of each send RPC's two addresses).
  const payload = raw.subarray(0, ADDRESS_BYTES - ADDRESS_CHECKSUM_BYTES);
  const checksum = hash256(payload);
  for (let i = 0; i < ADDRESS_CHECKSUM_BYTES; i++) {
    if (checksum[i] !== raw[payload.length + i]) throw invalid('its checksum does not match (a typo?)');
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
