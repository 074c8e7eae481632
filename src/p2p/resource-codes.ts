/**
 * Why a peer was dropped for a resource reason. Two kinds, so the misbehaviour policy can map
 * them: a DisconnectCode is a peer that is slow, dead or overwhelmed (disconnect only, as for
 * a timeout: it may be an honest peer on a bad link); a FloodCode is a peer that asked us for
 * more work than any honest one would (misbehaviour: Peer.punish).
 */
export type DisconnectCode =
  /** No completed handshake (and ack) within handshakeTimeoutMs, whether silent or trickling bytes. */
  | 'handshake-timeout'
  /** A ping not answered with its pong within peerTimeoutMs. */
  | 'ping-timeout'
  /** A started frame not completed within frameTimeoutMs. */
  | 'frame-timeout'
  /** More than maxSendBufferBytes unsent to the peer: it does not read. */
  | 'send-buffer-full'
  /** More than MAX_SERVE_QUEUE_ITEMS requests waiting to be served: it asks and does not read. */
  | 'serve-queue-full'
  /** Held the block a sync needed next past blockStallTimeoutMs while other peers could serve it (Core drops stallers too). */
  | 'block-stall';

export type FloodCode =
  /** Announcements (inv items) above INV_ITEMS_PER_SEC beyond the burst. */
  | 'inv-flood'
  /** Requests for data we do not have above UNKNOWN_REQUESTS_PER_SEC beyond the burst. */
  | 'unknown-data-flood'
  /** More than MAX_UNCONNECTING_HEADERS_MSGS headers messages in a row that connect to nothing. */
  | 'unconnecting-headers'
  /** More than MAX_FRUITLESS_SYNCS_IN_A_ROW syncs in a row that gained nothing while it claimed more work. */
  | 'fruitless-sync';
