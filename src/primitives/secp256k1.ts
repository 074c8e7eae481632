import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type * as Secp256k1 from 'secp256k1';
import { KadchainError } from '../util/errors.js';

type Secp = typeof Secp256k1;
const require = createRequire(import.meta.url);

export const PRIVATE_KEY_BYTES = 32;
export const PUBLIC_KEY_BYTES = 33;
export const SIGNATURE_BYTES = 64;

/**
 * The `secp256k1` package silently falls back to pure JS (40-100x slower) when its native
 * binding fails to load. Load the binding explicitly so that failure is loud, and only use
 * the JS fallback when KADCHAIN_ALLOW_JS_SECP256K1=1 says the user accepts it.
 */
function loadSecp256k1(): { lib: Secp; native: boolean } {
  try {
    return { lib: require('secp256k1/bindings') as Secp, native: true };
  } catch (err) {
    if (process.env.KADCHAIN_ALLOW_JS_SECP256K1 === '1') {
      return { lib: require('secp256k1/elliptic') as Secp, native: false };
    }
    throw new KadchainError(
      'secp256k1-native-missing',
      `the native libsecp256k1 binding failed to load (${(err as Error).message}); reinstall with "npm ci", or set KADCHAIN_ALLOW_JS_SECP256K1=1 to run 40x slower`,
    );
  }
}

const loaded = loadSecp256k1();
const secp = loaded.lib;
export const secp256k1IsNative: boolean = loaded.native;

export function generatePrivateKey(): Buffer {
  for (;;) {
    const key = randomBytes(PRIVATE_KEY_BYTES);
    if (secp.privateKeyVerify(key)) return key;
  }
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  return key.length === PRIVATE_KEY_BYTES && secp.privateKeyVerify(key);
}

/** Compressed (33-byte) public key. */
export function publicKeyOf(privateKey: Uint8Array): Buffer {
  return Buffer.from(secp.publicKeyCreate(privateKey, true));
}

export function isValidPublicKey(publicKey: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_BYTES && secp.publicKeyVerify(publicKey);
}

/** 64-byte compact signature (r || s); libsecp256k1 always produces low-S. */
export function sign(digest32: Uint8Array, privateKey: Uint8Array): Buffer {
  return Buffer.from(secp.ecdsaSign(digest32, privateKey).signature);
}

/**
 * Verifies a compact signature. libsecp256k1's verify rejects high-S signatures, which is
 * exactly the low-S rule that stops third parties from changing a txid by flipping S.
 * Malformed keys or signatures return false rather than throw.
 */
export function verify(signature: Uint8Array, digest32: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return secp.ecdsaVerify(signature, digest32, publicKey);
  } catch {
    return false;
  }
}

/** Converts a signature to its low-S form (used by tests to build high-S variants). */
export function normalizeSignature(signature: Uint8Array): Buffer {
  return Buffer.from(secp.signatureNormalize(Uint8Array.from(signature)));
}
