/** The address manager (Bitcoin Core's addrman + anchors.dat, scaled): public entry. */
export { AddressManager, chooseAnchors, type AddressManagerOptions, type PeerFeed } from './manager.js';
export { AddressTable, type AddressTableOptions } from './table.js';
export { AddressBookSource, type ConnectedPeers } from './source.js';
export { type AddressEntry, type PeerAddress, isTerrible } from './entry.js';
export { networkGroup } from './netgroup.js';
export { AddrmanError, type AddrmanErrorCode } from './errors.js';
export { ANCHORS_FILE_NAME, PEERS_FILE_NAME } from './constants.js';
