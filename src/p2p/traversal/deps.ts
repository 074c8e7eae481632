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
  /**
   * Outbound slots a punch may still take: free ones, and at most half of all outbound slots
   * punched — in the responder role a stranger picks the far end, and the outbound slots are
   * the ones that resist being surrounded (eclipse), so most of them stay our own choice.
   */
  punchRoom(): number;
  /** An outbound peer (dialled or punched) is already in this public address's /16: the dialer's diversity rule, for punches too. */
  outboundGroupTaken(ip: string): boolean;
  /** Inbound slots still free: a dial-back probe arrives as an inbound connection. */
  inboundRoom(): number;
}
