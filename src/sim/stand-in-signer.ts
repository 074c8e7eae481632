import { HASH_BYTES as DIGEST_BYTES, sha256, sha256Equals } from '../primitives/hash.js';
import { PACKET_PUBKEY_BYTES } from '../p2p/discovery/constants.js';
import { publicKeyOf } from '../primitives/secp256k1.js';
import type { PacketSigner } from '../p2p/discovery/packet.js';

/**
 * A cheap stand-in for secp256k1 in the simulator only (docs/scale.md: ECDSA would dominate the
 * run time). The "signature" is sha256(publicKey ‖ digest) twice: it binds a packet to its sender
 * for honest simulated nodes, and anyone could forge it, which the simulated attacker does not try.
 */
export function standInSigner(): PacketSigner {
  const publicKeys = new Map<string, Buffer>();
  // One scratch buffer for publicKey ‖ digest (keys are 33 bytes, digests 32): no concat per packet.
  const scratch = Buffer.alloc(PACKET_PUBKEY_BYTES + DIGEST_BYTES);
  /** publicKey ‖ digest, in the scratch buffer when the sizes fit. */
  const halfInput = (digest: Buffer, publicKey: Buffer): Buffer => {
    if (publicKey.length !== PACKET_PUBKEY_BYTES || digest.length !== DIGEST_BYTES) return Buffer.concat([publicKey, digest]);
    publicKey.copy(scratch, 0);
    digest.copy(scratch, PACKET_PUBKEY_BYTES);
    return scratch;
  };
  const half = (digest: Buffer, publicKey: Buffer): Buffer => sha256(halfInput(digest, publicKey));
  const mac = (digest: Buffer, publicKey: Buffer): Buffer => {
    const h = half(digest, publicKey);
    return Buffer.concat([h, h]);
  };
  const pub = (privateKey: Buffer): Buffer => {
    const key = privateKey.toString('latin1');
    let p = publicKeys.get(key);
    if (p === undefined) {
      p = publicKeyOf(privateKey);
      publicKeys.set(key, p);
    }
    return p;
  };
  return {
    sign: (digest, privateKey) => mac(digest, pub(privateKey)),
    verify: (signature, digest, publicKey) => {
      if (signature.length !== 2 * DIGEST_BYTES) return false;
      // Compared in place: a verify per datagram received allocated a digest and two views.
      const input = halfInput(digest, publicKey);
      return signature.compare(signature, 0, DIGEST_BYTES, DIGEST_BYTES) === 0 && sha256Equals(input, signature, 0);
    },
    publicKeyOf: pub,
    isValidPublicKey: (publicKey) => publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3),
  };
}
