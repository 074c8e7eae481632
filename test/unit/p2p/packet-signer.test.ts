import test from 'ava';
import { SECP256K1_SIGNER, decodePacket, encodePacket } from '../../../src/p2p/discovery/packet.js';
import { generatePrivateKey, publicKeyOf } from '../../../src/primitives/secp256k1.js';

test('the cached public key follows the signing key: packets of alternating keys carry and verify with their own key', (t) => {
  const keys = [generatePrivateKey(), generatePrivateKey()];
  for (let i = 0; i < 6; i++) {
    const key = keys[i % 2];
    const packet = { type: 'find-node', target: Buffer.alloc(32, i), expiration: 2_000_000_000 } as const;
    const decoded = decodePacket(encodePacket(packet, key).bytes, 1_000_000_000);
    t.deepEqual(decoded.senderPubKey, publicKeyOf(key));
    t.deepEqual(SECP256K1_SIGNER.publicKeyOf(key), publicKeyOf(key));
  }
});

test('a signing key mutated in place after use does not get the old public key', (t) => {
  const key = generatePrivateKey();
  const first = SECP256K1_SIGNER.publicKeyOf(key);
  generatePrivateKey().copy(key);
  t.notDeepEqual(SECP256K1_SIGNER.publicKeyOf(key), first);
  t.deepEqual(SECP256K1_SIGNER.publicKeyOf(key), publicKeyOf(key));
});
