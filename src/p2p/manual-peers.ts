/**
 * Manual peers (the seeds' "register" op, Core's addnode): the operator's explicit choices,
 * kept for good and redialled with exponential backoff (jittered, capped at seconds so a healed
 * partition is found again soon), or rarely after a permanent refusal.
 * The peer set owns the connections; this file only remembers what to dial and why it failed.
 */
import { SYSTEM_CLOCK, type Clock, type TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CRYPTO_RANDOM } from '../util/random-source.js';
import { MANUAL_PEER_PERMANENT_RETRY_MS, MAX_MANUAL_PEERS, RECONNECT_JITTER_FRACTION } from './constants.js';
import { peerAddressKey } from './dial.js';
import { PERMANENT_REFUSALS, P2PError } from './errors.js';
import type { Peer } from './peer.js';
import type { ManualPeerInfo } from './peer-info.js';
import { printableLine } from '../util/printable.js';

export interface ManualPeersOptions {
  readonly reconnectBackoffMs: { readonly min: number; readonly max: number };
  readonly logger: Logger;
  readonly isRunning: () => boolean;
  readonly isBanned: (key: string) => boolean;
  /** The node with this proven id, if connected to us (either direction). */
  readonly connectedNode: (nodeIdHex: string) => Peer | undefined;
  /** The peer set's outbound dial: true once the session started, else why not. */
  readonly dial: (host: string, port: number, onPeer: (peer: Peer) => void) => Promise<true | string>;
  /** In [0, 1): the redial jitter's source (tests, the simulator); default the CSPRNG's (CRYPTO_RANDOM). */
  readonly random?: () => number;
  /** Entries kept (tests); default MAX_MANUAL_PEERS. */
  readonly maxEntries?: number;
  /** Clock of nextRetryAtMs (tests read the wait from it exactly); default the clock's nowMs. */
  readonly now?: () => number;
  /** Time and redial timers (the simulator's virtual clock); default SYSTEM_CLOCK. */
  readonly clock?: Clock | undefined;
}

interface ManualPeer {
  readonly host: string;
  readonly port: number;
  backoffMs: number;
  timer: TimerHandle | undefined;
  peer: Peer | undefined;
  /** Our dial of it is under way: another (a second addpeer, a timer) would only duplicate it. */
  dialling: boolean;
  /** Proven by its handshake-ack: lets us skip redialling while connected the other way. */
  nodeIdHex: string | undefined;
  /** Why the last attempt failed (dial error or refusal), for `cli peers`. */
  lastError: string | undefined;
  nextRetryAtMs: number | undefined;
}

export class ManualPeers {
  private readonly options: ManualPeersOptions;
  private readonly entries = new Map<string, ManualPeer>();
  private readonly clock: Clock;

  constructor(options: ManualPeersOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Dials host:port now and keeps redialling it with backoff. */
  add(host: string, port: number): void {
    const key = peerAddressKey(host, port);
    if (!this.options.isRunning()) throw new P2PError('not-started', 'the peer layer is not running; start the node before adding peers');
    const { min } = this.options.reconnectBackoffMs;
    let entry = this.entries.get(key);
    if (!entry) {
      const max = this.options.maxEntries ?? MAX_MANUAL_PEERS;
      if (this.entries.size >= max) throw new P2PError('manual-peer-list-full', `the node already keeps ${max} manual peers; remove one first (removepeer HOST:PORT; peers lists them)`);
      entry = { host, port, backoffMs: min, timer: undefined, peer: undefined, dialling: false, nodeIdHex: undefined, lastError: undefined, nextRetryAtMs: undefined };
      this.entries.set(key, entry);
    }
    if (!entry.peer) {
      // The operator asked again: retry now, even after a long wait for a permanent refusal.
      this.clock.clear(entry.timer);
      entry.timer = undefined;
      entry.backoffMs = min;
      this.dial(entry);
    }
  }

  /**
   * Core's `addnode … remove`: forgets host:port (no more redials) and closes our connection to
   * it, if any. A connection it dialled to us stays: that one is an ordinary inbound peer.
   * Returns true when it closed a connection of ours (the operator is told which happened).
   */
  remove(host: string, port: number): boolean {
    const key = peerAddressKey(host, port);
    const entry = this.entries.get(key);
    if (!entry) throw new P2PError('unknown-manual-peer', `${key} is not a manual peer (peers lists them)`);
    this.entries.delete(key);
    this.clock.clear(entry.timer);
    entry.timer = undefined;
    if (!entry.peer) return false;
    entry.peer.close('removed from the manual peers by the operator');
    return true;
  }

  /** True for a connection we dialled to a manual peer (`cli peers` marks it; discouragement exempts it). */
  isManual(peer: Peer): boolean {
    for (const entry of this.entries.values()) if (entry.peer === peer) return true;
    return false;
  }

  describe(): ManualPeerInfo[] {
    return [...this.entries.values()].map((m) => describeManualPeer(m, m.nodeIdHex !== undefined && this.options.connectedNode(m.nodeIdHex)?.isReady === true));
  }

  /** Cancels every pending redial. */
  stop(): void {
    for (const m of this.entries.values()) this.clock.clear(m.timer);
  }

  private dial(entry: ManualPeer): void {
    entry.timer = undefined;
    entry.nextRetryAtMs = undefined;
    const { isRunning, isBanned, connectedNode } = this.options;
    // Connected, or connecting: its close (or the dial's failure) schedules the next attempt.
    if (!isRunning() || entry.peer || entry.dialling) return;
    const connectedOtherWay = entry.nodeIdHex !== undefined && connectedNode(entry.nodeIdHex) !== undefined;
    if (connectedOtherWay || isBanned(entry.host) || (entry.nodeIdHex && isBanned(entry.nodeIdHex))) {
      if (!connectedOtherWay) entry.lastError = 'banned by the operator (cli unban to lift it)';
      this.schedule(entry);
      return;
    }
    entry.dialling = true;
    void this.options.dial(entry.host, entry.port, (peer) => {
      // Removed while the dial was under way: the operator asked for no connection to it.
      if (this.entries.get(peerAddressKey(entry.host, entry.port)) !== entry) return void peer.close('removed from the manual peers by the operator');
      entry.peer = peer;
      peer.once('ready', () => {
        entry.backoffMs = this.options.reconnectBackoffMs.min;
        entry.nodeIdHex = peer.provenNodeId?.toString('hex');
        entry.lastError = undefined;
      });
      peer.once('close', (reason) => {
        entry.peer = undefined;
        entry.nodeIdHex ??= peer.provenNodeId?.toString('hex');
        const refusal = peer.refusal;
        // A peer's words, shown in `peers`' LAST ERROR column: on one line, with no terminal controls.
        entry.lastError = refusal ? `${refusal.by === 'us' ? 'we refused it' : 'it refused us'}: ${printableLine(refusal.code)}: ${printableLine(refusal.reason)}` : reason;
        // Another genesis or protocol will not change in a minute: retry only rarely (a dead end otherwise).
        if (refusal && PERMANENT_REFUSALS.has(refusal.code)) this.schedule(entry, MANUAL_PEER_PERMANENT_RETRY_MS);
        else this.schedule(entry);
      });
    }).then((result) => {
      entry.dialling = false;
      // 'already dialling' can now only be another component's dial of the address (discovery's):
      // that one is not ours to watch, so without a redial a failure of it would strand the entry.
      if (result !== true) {
        entry.lastError = result;
        this.schedule(entry);
      }
    });
  }

  /** Redials after the entry's backoff (doubling it), or after `delayMs` when given. */
  private schedule(entry: ManualPeer, delayMs?: number): void {
    // A removed entry's dial or session may end after removal: it is not redialled.
    if (!this.options.isRunning() || entry.timer || this.entries.get(peerAddressKey(entry.host, entry.port)) !== entry) return;
    const random = this.options.random ?? CRYPTO_RANDOM.fraction;
    const waitMs = delayMs ?? Math.round(entry.backoffMs * (1 - RECONNECT_JITTER_FRACTION * random()));
    if (delayMs === undefined) entry.backoffMs = Math.min(entry.backoffMs * 2, this.options.reconnectBackoffMs.max);
    entry.nextRetryAtMs = (this.options.now ?? this.clock.nowMs)() + waitMs;
    entry.timer = this.clock.setTimeout(() => this.dial(entry), waitMs);
    const level = delayMs === undefined ? 'debug' : 'warn';
    this.options.logger[level]({ host: entry.host, port: entry.port, delayMs: waitMs, lastError: entry.lastError }, 'will redial manual peer');
  }
}

/** `connectedOtherWay`: its node is connected to us by a connection it dialled (kept by the tie-break). */
function describeManualPeer(m: ManualPeer, connectedOtherWay: boolean): ManualPeerInfo {
  const state = m.peer?.isReady === true || connectedOtherWay ? 'connected' : m.peer === undefined ? 'waiting' : 'connecting';
  return {
    address: peerAddressKey(m.host, m.port),
    state,
    lastError: state === 'connected' ? undefined : m.lastError,
    nextRetryAtMs: state === 'waiting' ? m.nextRetryAtMs : undefined,
  };
}
