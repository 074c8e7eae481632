/**
 * What NAT traversal needs of the peer set, as an interface: the traversal code never reaches
 * into the peer set's tables, and its tests drive it with a fake of this.
 */
import type { Socket } from 'node:net';
import type { Peer } from '../peer.js';

export interface TraversalPeers {
  /** Ready sessions (handshake and ack done both ways). */
  ready(): readonly Peer[];
  /** The ready session whose handshake-ack proved this node id (hex), if any. */
  byNodeId(idHex: string): Peer | undefined;
  isBanned(key: string): boolean;
  isDiscouraged(ip: string): boolean;
  /** Starts a session on a socket made by a punch (it counts as outbound), marked with the relay's node id. */
  attachPunched(socket: Socket, relayIdHex: string): Peer;
  /** Outbound slots still free (dials under way count as taken). */
  outboundRoom(): number;
  /** Inbound slots still free: a dial-back probe arrives as an inbound connection. */
  inboundRoom(): number;
}
