/**
 * The handshake's content, without the session around it: what we announce about our chain,
 * and whether a peer's handshake can lead anywhere (protocol version, genesis). Refusing on
 * these is no penalty: the peer is of another network or version, not hostile.
 */
import { ZERO_HASH } from '../primitives/hash.js';
import type { RefusalCode } from './errors.js';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, type HandshakeMessage, type ObservedAddress } from './wire/index.js';

/** What we announce about our own chain. genesisHash is all-zero while the chain is empty. */
export interface LocalStatus {
  readonly genesisHash: Buffer;
  /** The only genesis we adopt (chain.genesisHash): compared with a peer's while our chain is empty. */
  readonly pinnedGenesis?: Buffer | undefined;
  readonly bestHeight: number;
  readonly chainWork: bigint;
}

/** Our handshake on a connection whose nonce is `nonce`; `observed` is that connection's remote address as our socket sees it. */
export function localHandshake(status: LocalStatus, nodeId: Buffer, listenPort: number, nonce: bigint, observed: ObservedAddress): HandshakeMessage {
  return {
    kind: 'handshake',
    version: PROTOCOL_VERSION,
    genesisHash: status.genesisHash,
    bestHeight: status.bestHeight,
    chainWork: status.chainWork,
    nodeId,
    listenPort,
    nonce,
    observed,
  };
}

/**
 * Why a session with the sender of `msg` cannot work, or undefined. An empty chain on either
 * side matches any genesis, except that ours, while empty, is the pinned one when there is one.
 */
export function handshakeIncompatibility(msg: HandshakeMessage, status: LocalStatus): { code: RefusalCode; reason: string } | undefined {
  if (msg.version < MIN_PROTOCOL_VERSION) {
    return { code: 'incompatible-version', reason: `peer speaks protocol version ${msg.version}, we need at least ${MIN_PROTOCOL_VERSION}` };
  }
  const ours = status.genesisHash.equals(ZERO_HASH) && status.pinnedGenesis ? status.pinnedGenesis : status.genesisHash;
  if (!ours.equals(ZERO_HASH) && !msg.genesisHash.equals(ZERO_HASH) && !ours.equals(msg.genesisHash)) {
    return { code: 'different-genesis', reason: `peer's genesis ${msg.genesisHash.toString('hex')} differs from ours ${ours.toString('hex')}` };
  }
  return undefined;
}
