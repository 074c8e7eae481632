import { sha256 } from '../primitives/hash.js';
import { publicKeyOf } from '../primitives/secp256k1.js';
import type { PacketSigner } from '../p2p/discovery/packet.js';

/**
 * A cheap stand-in for secp256k1 in the simulator only (docs/scale.md: ECDSA would dominate the
 * run time). The "signature" is sha256(publicKey ‖ digest) twice: it binds a packet to its sender
 * for honest simulated nodes, and anyone could forge it, which the simulated attacker does not try.
 */
export function standInSigner(): PacketSigner {
  const publicKeys = new Map<string, Buffer>();
  const mac = (digest: Buffer, publicKey: Buffer): Buffer => {
    const h = sha256(Buffer.concat([publicKey, digest]));
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
    verify: (signature, digest, publicKey) => mac(digest, publicKey).equals(signature),
    publicKeyOf: pub,
    isValidPublicKey: (publicKey) => publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3),
  };
}
