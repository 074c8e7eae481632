/**
 * What a peer session (peer.ts) is given by the peer set, the peer set's checks and log levels
 * included, and the events it emits back.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RandomSource } from '../util/random-source.js';
import type { NodeKey } from './discovery/node-key.js';
import type { RefusalCode } from './errors.js';
import type { LocalStatus } from './handshake.js';
import type { MisbehaviourCode } from './misbehaviour.js';
import type { Peer } from './peer.js';
import type { PeerStream } from './tcp-transport.js';
import type { HandshakeMessage, WireMessage } from './wire/index.js';

export type PeerDirection = 'inbound' | 'outbound';

export interface PeerOptions {
  socket: PeerStream;
  direction: PeerDirection;
  nodeKey: NodeKey;
  /** Our TCP listen port, sent in the handshake (0: do not dial us, nobody can). */
  listenPort: number;
  /** Node id (hex) of the peer that relayed the punch which made this connection. */
  punchedVia?: string | undefined;
  pingIntervalMs: number;
  /** A ping not answered with its pong within this drops the peer ('ping-timeout'). */
  peerTimeoutMs: number;
  /** The handshake and its ack must be done by then, however many bytes arrive ('handshake-timeout'). */
  handshakeTimeoutMs: number;
  /** A frame whose first byte arrived must be complete by then ('frame-timeout'); default DEFAULT_FRAME_TIMEOUT_MS. */
  frameTimeoutMs?: number;
  /** Unsent bytes beyond this drop the peer ('send-buffer-full'); default DEFAULT_MAX_SEND_BUFFER_BYTES. */
  maxSendBufferBytes?: number;
  /** Clock of the per-peer rate limits (tests); default the clock's nowMs. */
  now?: () => number;
  /** Time and timers of the session (the simulator's virtual clock); default SYSTEM_CLOCK. */
  clock?: Clock | undefined;
  /** The handshake and ping nonces (the simulator's seeded source); default CRYPTO_RANDOM. */
  random?: RandomSource | undefined;
  status: () => LocalStatus;
  /** The peer set's checks on the peer's handshake (self-connection, a banned claimed id). */
  admit: (peer: Peer, handshake: HandshakeMessage) => { code: RefusalCode; reason: string } | undefined;
  /** Its checks once the ack proved the node id, before 'ready' (one connection per node id). */
  admitProven: (peer: Peer) => { code: RefusalCode; reason: string } | undefined;
  /** Log level of a refusal with `code` (the peer set throttles repeats to debug); default warn. */
  faultLevel?: (peer: Peer, code: string) => 'warn' | 'debug';
  /** Log level of the 'peer ready' line (the peer set throttles inbound repeats to debug); default info. */
  readyLevel?: (peer: Peer) => 'info' | 'debug';
  logger: Logger;
}

export interface PeerEvents {
  /** Both acks verified: the session is open. */
  ready: [];
  /** A message of an open session (handshake messages and rejects are handled here). */
  message: [msg: WireMessage];
  /** The peer reported its best chain (ping or pong). */
  status: [];
  /** The first frame of an inbound connection was a dial-back probe (the connection is then closed). */
  probe: [nonce: bigint];
  /** A fault the policy (misbehaviour.ts) discourages; the peer set decides whether the address is exempt. */
  misbehaviour: [code: MisbehaviourCode, reason: string];
  close: [reason: string];
}
