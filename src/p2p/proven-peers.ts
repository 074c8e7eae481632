/**
 * One session per node id, decided in two steps (peers.ts asks at each): at the handshake the
 * node id is only claimed, so only what harms no one else is checked then; the
 * one-connection-per-node-id rule waits for the ack that proves it.
 */
import type { BanList } from './bans.js';
import { DUPLICATE_TIEBREAK_WINDOW_MS } from './constants.js';
import type { RefusalCode } from './errors.js';
import type { Peer } from './peer.js';
import type { HandshakeMessage } from './wire/index.js';

export type Refusal = { code: RefusalCode; reason: string };

export class ProvenPeers {
  /** The session whose ack proved each node id (hex). */
  private readonly byId = new Map<string, Peer>();
  /** Connections that replaced another to the same node (simultaneous dials): their "peer ready" is routine. */
  private readonly replacements = new WeakSet<Peer>();

  constructor(
    private readonly ownIdHex: string,
    private readonly bans: BanList,
    /** Every session of the peer set. */
    private readonly all: ReadonlySet<Peer>,
    /** Milliseconds (the simulator's virtual clock); default Date.now. */
    private readonly nowMs: () => number = Date.now,
  ) {}

  get(idHex: string): Peer | undefined {
    return this.byId.get(idHex);
  }

  has(idHex: string): boolean {
    return this.byId.has(idHex);
  }

  /** The session replaced an older one to the same node (its "peer ready" is routine). */
  isReplacement(peer: Peer): boolean {
    return this.replacements.has(peer);
  }

  /** A closed session: its node id is free again if it held it. */
  forget(peer: Peer): void {
    const id = peer.nodeId?.toString('hex');
    if (id && this.byId.get(id) === peer) this.byId.delete(id);
  }

  /**
   * At the handshake the node id is only claimed: anyone can send an honest node's id. So only
   * what harms no one else is checked here (a connection to ourselves, a banned claimed id);
   * the one-connection-per-node-id rule waits for the ack (admitProven).
   */
  admit(peer: Peer, hs: HandshakeMessage): Refusal | undefined {
    const idHex = hs.nodeId.toString('hex');
    if (idHex === this.ownIdHex || [...this.all].some((p) => p !== peer && p.nonce === hs.nonce)) {
      return { code: 'self-connection', reason: 'connected to ourselves (the handshake carries our own nonce or node id)' };
    }
    if (this.bans.isBanned(idHex)) return { code: 'banned', reason: `node ${idHex} is banned` };
    return undefined;
  }

  /** The ack proved the node id: one connection per node id, and an unproven one never displaces it. */
  admitProven(peer: Peer): Refusal | undefined {
    const idHex = peer.provenNodeId?.toString('hex');
    if (idHex === undefined) return undefined;
    if (this.bans.isBanned(idHex)) return { code: 'banned', reason: `node ${idHex} is banned` };
    const existing = this.byId.get(idHex);
    if (existing && existing !== peer && !existing.isClosed) {
      // Simultaneous dials both ways: both ends keep the one dialled by the lower node id. Only
      // then: an ack can be relayed from the real node (it signs whatever nonce it is sent), so a
      // "proven" newcomer may be a stranger in the middle, and an established link must stay.
      const lowerDials = (peer.direction === 'outbound') === this.ownIdHex < idHex;
      const simultaneous = this.nowMs() - existing.connectedAtMs < DUPLICATE_TIEBREAK_WINDOW_MS;
      if (existing.direction === peer.direction || !lowerDials || !simultaneous) {
        return { code: 'duplicate-connection', reason: `already connected to node ${idHex} (${existing.label})` };
      }
      existing.refuse('duplicate-connection', `replaced by the connection dialled by the lower node id (${peer.label})`);
      this.replacements.add(peer);
    }
    this.byId.set(idHex, peer);
    return undefined;
  }
}
