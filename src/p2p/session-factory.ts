/**
 * How the peer set makes a session (peer.ts) of a connected socket: the session's deadlines and
 * buffer cap from the p2p config, the set's checks at the handshake and once the ack proved the
 * node id (proven-peers.ts), and its log levels — a refusal's from peer-faults.ts, and the
 * 'peer ready' line at debug for a connection that routinely replaced another to the same node
 * and for an inbound address seen ready within INBOUND_READY_LOG_INTERVAL_MS. What the set does
 * with the session's events is its own business (peers.ts).
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { RandomSource } from '../util/random-source.js';
import type { P2PConfig } from './config.js';
import { INBOUND_READY_LOG_INTERVAL_MS, INBOUND_READY_LOG_KEYS } from './constants.js';
import type { NodeKey } from './discovery/node-key.js';
import type { LocalStatus } from './handshake.js';
import { LogThrottle } from './log-throttle.js';
import { Peer, type PeerDirection } from './peer.js';
import type { PeerFaults } from './peer-faults.js';
import type { ProvenPeers } from './proven-peers.js';
import type { PeerStream } from './tcp-transport.js';

export interface SessionFactoryOptions {
  readonly config: P2PConfig;
  readonly nodeKey: NodeKey;
  readonly status: () => LocalStatus;
  /** The port the peer set's server is bound to (0 before it listens). */
  readonly boundPort: () => number;
  readonly provenPeers: ProvenPeers;
  readonly faults: PeerFaults;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
}

export class SessionFactory {
  private readonly options: SessionFactoryOptions;
  /** Inbound 'peer ready' lines: info once per address per interval, repeats at debug. */
  private readonly readyLog: LogThrottle;
  /** What handshakes announce as our listen port when NAT mapped another external one. */
  private advertisedPort: number | undefined;

  constructor(options: SessionFactoryOptions) {
    this.options = options;
    this.readyLog = new LogThrottle(INBOUND_READY_LOG_KEYS, INBOUND_READY_LOG_INTERVAL_MS, options.clock.nowMs);
  }

  /** The listen port new sessions announce (a NAT's external port); undefined = the bound one. */
  setAdvertisedListenPort(port: number | undefined): void {
    this.advertisedPort = port;
  }

  /** A session of `socket`, not started (the set wires its events first). */
  create(socket: PeerStream, direction: PeerDirection, punchedVia: string | undefined): Peer {
    const { config, nodeKey, status, provenPeers, faults } = this.options;
    return new Peer({
      socket,
      direction,
      punchedVia,
      nodeKey,
      listenPort: this.advertisedPort ?? this.options.boundPort(),
      pingIntervalMs: config.pingIntervalMs,
      peerTimeoutMs: config.peerTimeoutMs,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      frameTimeoutMs: config.frameTimeoutMs,
      maxSendBufferBytes: config.maxSendBufferBytes,
      clock: this.options.clock,
      random: this.options.random,
      status,
      admit: (p, hs) => provenPeers.admit(p, hs),
      admitProven: (p) => provenPeers.admitProven(p),
      faultLevel: (p, code) => faults.faultLevel(p, code),
      readyLevel: (p) => (provenPeers.isReplacement(p) ? 'debug' : p.direction === 'outbound' || this.readyLog.shouldWarn(p.ip) ? 'info' : 'debug'),
      logger: this.options.logger,
    });
  }
}
