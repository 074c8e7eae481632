import { BufferReader, BufferWriter } from '../../../primitives/encoding.js';
import { sha256 } from '../../../primitives/hash.js';
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES, isValidPublicKey, publicKeyOf, sign, verify } from '../../../primitives/secp256k1.js';
import { MAGIC } from '../constants.js';

/**
 * Accepts the peer's handshake and proves our node id: the handshake's nodeId is only a claim,
 * and bans and the one-connection-per-node rule key on it, so without proof anyone could
 * squat an honest node's id. The ack carries the node public key (sha256 of it must equal the
 * nodeId we claimed) and a signature over the nonce of the handshake being acknowledged —
 * chosen at random by the verifier, so a recorded ack cannot be replayed on another connection.
 */
export interface HandshakeAckMessage {
  readonly kind: 'handshake-ack';
  readonly publicKey: Buffer;
  readonly signature: Buffer;
}

/** publicKey[33] | signature[64] */
export const HANDSHAKE_ACK_BYTES = PUBLIC_KEY_BYTES + SIGNATURE_BYTES;
const ACK_DOMAIN = Buffer.from('handshake-ack', 'ascii');

/** sha256(MAGIC ‖ "handshake-ack" ‖ nonce u64 LE): starts with "KADC", so it never equals a discovery packet digest (type 1–4 first). */
export function handshakeAckDigest(peerNonce: bigint): Buffer {
  return sha256(new BufferWriter(32).bytes(MAGIC).bytes(ACK_DOMAIN).u64(peerNonce).finish());
}

/** The ack we send for a peer handshake carrying `peerNonce`, signed with our node key. */
export function createHandshakeAck(nodePrivateKey: Buffer, peerNonce: bigint): HandshakeAckMessage {
  return { kind: 'handshake-ack', publicKey: publicKeyOf(nodePrivateKey), signature: sign(handshakeAckDigest(peerNonce), nodePrivateKey) };
}

/**
 * True when the ack proves the peer owns `claimedNodeId` (from its handshake) and answers our
 * handshake with `ownNonce`. `nodeIdOf` is the discovery node-id function (sha256 of the key).
 */
export function verifyHandshakeAck(ack: HandshakeAckMessage, claimedNodeId: Buffer, ownNonce: bigint, nodeIdOf: (publicKey: Buffer) => Buffer = sha256): boolean {
  return (
    isValidPublicKey(ack.publicKey) &&
    nodeIdOf(ack.publicKey).equals(claimedNodeId) &&
    verify(ack.signature, handshakeAckDigest(ownNonce), ack.publicKey)
  );
}

export function encodeHandshakeAck(msg: HandshakeAckMessage): Buffer {
  if (msg.publicKey.length !== PUBLIC_KEY_BYTES || msg.signature.length !== SIGNATURE_BYTES) {
    throw new RangeError(`handshake-ack needs a ${PUBLIC_KEY_BYTES}-byte key and a ${SIGNATURE_BYTES}-byte signature`);
  }
  return Buffer.concat([msg.publicKey, msg.signature]);
}

/** Only the sizes are checked here; verifyHandshakeAck does the cryptography. */
export function decodeHandshakeAck(payload: Buffer): HandshakeAckMessage {
  const r = new BufferReader(payload);
  const msg: HandshakeAckMessage = {
    kind: 'handshake-ack',
    publicKey: r.bytes(PUBLIC_KEY_BYTES, 'handshake-ack public key'),
    signature: r.bytes(SIGNATURE_BYTES, 'handshake-ack signature'),
  };
  r.end('handshake-ack');
  return msg;
}
