/**
 * The address manager: loads <datadir>/peers.json and anchors.json at start, learns addresses
 * from discovery and from handshakes, saves the table every PEERS_SAVE_INTERVAL_MS and at stop,
 * and at a clean stop remembers the outbound peers we were connected to longest as anchors.
 */
import { join } from 'node:path';
import { errorMessage } from '../../util/errors.js';
import { CRYPTO_RANDOM, type RandomSource } from '../../util/random-source.js';
import type { Logger } from '../../util/logger.js';
import type { PeerInfo } from '../peer-info.js';
import type { DiscoveredNode, PeerSource } from '../types.js';
import { takeAnchors, writeAnchors } from './anchors-file.js';
import { ANCHORS_FILE_NAME, BUCKET_KEY_BYTES, MAX_ANCHORS, MAX_PEERS_FILE_BYTES, PEERS_FILE_NAME, PEERS_SAVE_INTERVAL_MS } from './constants.js';
import type { PeerAddress } from './entry.js';
import { readBoundedFile, writeFileAtomic } from './file.js';
import { parsePeersJson, serializePeers } from './peers-file.js';
import { AddressBookSource, type ConnectedPeers, splitPeerAddress } from './source.js';
import { AddressTable } from './table.js';

/** The events and view of the peer layer the manager uses (P2PNetwork, or a fake in tests). */
export interface PeerFeed extends ConnectedPeers {
  on(event: 'peer:ready', listener: (info: PeerInfo) => void): unknown;
  off(event: 'peer:ready', listener: (info: PeerInfo) => void): unknown;
}

export interface AddressManagerOptions {
  /** Where peers.json and anchors.json live; undefined = in memory only (the simulator), nothing read or written. */
  dataDir: string | undefined;
  /** Ours (hex): never stored, never dialled. */
  ownNodeId: string;
  /**
   * Automatic outbound connections are on: anchors are read at start and written at stop.
   * Off (`--no-discovery`: peers only through addpeer), the table still learns and is saved.
   */
  useAnchors: boolean;
  logger: Logger;
  nowMs?: () => number;
  /** The bucket key of a new table and the picks; default CRYPTO_RANDOM (the simulator: a seeded one). */
  random?: RandomSource;
  saveIntervalMs?: number;
}

export class AddressManager {
  readonly table: AddressTable;
  readonly anchors: readonly PeerAddress[];
  readonly peersFile: string | undefined;
  readonly anchorsFile: string | undefined;
  private readonly options: AddressManagerOptions;
  private readonly logger: Logger;
  private network: PeerFeed | undefined;
  private discovery: PeerSource | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly onReady = (info: PeerInfo): void => this.learnFromHandshake(info);
  private readonly onVerified = (node: DiscoveredNode): void => this.learnFromDiscovery(node);

  private constructor(options: AddressManagerOptions, table: AddressTable, anchors: PeerAddress[], logger: Logger) {
    this.options = options;
    this.table = table;
    this.anchors = anchors;
    this.logger = logger;
    this.peersFile = options.dataDir === undefined ? undefined : join(options.dataDir, PEERS_FILE_NAME);
    this.anchorsFile = options.dataDir === undefined ? undefined : join(options.dataDir, ANCHORS_FILE_NAME);
  }

  /** Loads both files; an unusable one is logged at warn and the node goes on without it (never throws for them). */
  static async open(options: AddressManagerOptions): Promise<AddressManager> {
    const logger = options.logger.child({ component: 'addrman' });
    const nowMs = options.nowMs ?? Date.now;
    const random = options.random ?? CRYPTO_RANDOM;

    if (options.dataDir === undefined) return new AddressManager(options, new AddressTable({ key: random.bytes(BUCKET_KEY_BYTES), nowMs, random: random.fraction }), [], logger);
    let stored: ReturnType<typeof parsePeersJson> | undefined;
    const peersFile = join(options.dataDir, PEERS_FILE_NAME);
    const anchorsFile = join(options.dataDir, ANCHORS_FILE_NAME);
    try {
      const text = await readBoundedFile(peersFile, MAX_PEERS_FILE_BYTES);
      if (text !== undefined) stored = parsePeersJson(peersFile, text);
    } catch (err) {
      logger.warn({ file: peersFile, err: errorMessage(err) }, `${errorMessage(err)}; starting with an empty peer table (the file is replaced at the next save)`);
    }
    const table = new AddressTable({ key: stored?.key ?? random.bytes(BUCKET_KEY_BYTES), nowMs, random: random.fraction });
    for (const entry of stored?.entries ?? []) if (entry.nodeId !== options.ownNodeId) table.restore(entry);

    let anchors: PeerAddress[] = [];
    if (options.useAnchors) {
      try {
        anchors = ((await takeAnchors(anchorsFile)) ?? []).filter((a) => a.nodeId !== options.ownNodeId);
      } catch (err) {
        logger.warn({ file: anchorsFile, err: errorMessage(err) }, `${errorMessage(err)}; starting without anchors`);
      }
    }
    logger.info(
      { file: peersFile, addresses: table.size, tried: table.triedCount, new: table.newCount, anchors: anchors.map((a) => `${a.ip}:${a.tcpPort}`) },
      `peer table loaded: ${table.size} addresses, ${anchors.length} anchors`,
    );
    return new AddressManager(options, table, anchors, logger);
  }

  /**
   * The PeerSource for the peer set: anchors, then the table, then `discovery`. Addresses that
   * discovery verifies are learned into the table as well.
   */
  peerSource(discovery: PeerSource, maxOutbound: number): PeerSource {
    this.discovery = discovery;
    discovery.on('node:verified', this.onVerified);
    return new AddressBookSource({ table: this.table, anchors: this.anchors, discovery, connected: () => this.network, maxOutbound, random: (this.options.random ?? CRYPTO_RANDOM).fraction });
  }

  /** Follows the peer layer's handshakes and starts the periodic save. */
  attach(network: PeerFeed): void {
    this.network = network;
    network.on('peer:ready', this.onReady);
    if (this.peersFile === undefined) return;
    const intervalMs = this.options.saveIntervalMs ?? PEERS_SAVE_INTERVAL_MS;
    this.saveTimer = setInterval(() => void this.save(), intervalMs);
    this.saveTimer.unref();
  }

  /** Call before the peer layer stops (its peers are the anchors): writes anchors.json and peers.json. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.saveTimer);
    const network = this.network;
    network?.off('peer:ready', this.onReady);
    this.discovery?.off('node:verified', this.onVerified);
    if (this.options.useAnchors && network && this.anchorsFile !== undefined) {
      const anchors = chooseAnchors(network.peers());
      if (anchors.length > 0) {
        try {
          await writeAnchors(this.anchorsFile, anchors);
          this.logger.info({ file: this.anchorsFile, anchors: anchors.map((a) => `${a.ip}:${a.tcpPort}`) }, `remembered ${anchors.length} anchor peers for the next start`);
        } catch (err) {
          this.logger.warn({ file: this.anchorsFile, err: errorMessage(err) }, errorMessage(err));
        }
      }
    }
    await this.save();
  }

  /** Writes peers.json (one write at a time); failures are logged at warn. */
  save(): Promise<void> {
    const peersFile = this.peersFile;
    if (peersFile === undefined) return this.saving;
    this.saving = this.saving.then(async () => {
      try {
        await writeFileAtomic(peersFile, serializePeers(this.table));
        this.logger.debug({ file: peersFile, addresses: this.table.size }, 'peer table saved');
      } catch (err) {
        this.logger.warn({ file: peersFile, err: errorMessage(err) }, errorMessage(err));
      }
    });
    return this.saving;
  }

  private learnFromHandshake(info: PeerInfo): void {
    if (info.nodeId === undefined || info.nodeId === this.options.ownNodeId) return;
    const { ip, port } = splitPeerAddress(info.address);
    try {
      // Only what we dialled ourselves. An inbound peer's listen port is its own claim, and the
      // nodes that dial in are mostly the ones nobody can dial (behind NAT: 30 % of the table's
      // picks timed out in the simulator while they were added, docs/scale.md defect 10);
      // discovery adds a reachable one once someone's lookup names it.
      if (info.direction === 'outbound') this.table.good({ nodeId: info.nodeId, ip, tcpPort: port });
    } catch (err) {
      this.logger.debug({ peer: info.address, err: errorMessage(err) }, 'address not added to the peer table');
    }
  }

  private learnFromDiscovery(node: DiscoveredNode): void {
    const nodeId = node.nodeId.toString('hex');
    const { ip, tcpPort } = node.endpoint;
    // A node that only contacted us may sit behind a NAT no dial passes (docs/scale.md defect 10):
    // the table keeps addresses someone reached unsolicited; its own handshake still teaches us it.
    if (nodeId === this.options.ownNodeId || tcpPort === 0 || node.unsolicited === true) return;
    try {
      // Discovery verified the endpoint itself (it answered our ping): it is its own source.
      this.table.add({ nodeId, ip, tcpPort }, ip);
    } catch (err) {
      this.logger.debug({ ip, tcpPort, err: errorMessage(err) }, 'address not added to the peer table');
    }
  }
}

/** Core keeps its block-relay-only outbound peers; here the ready outbound ones, longest-connected first. */
export function chooseAnchors(peers: readonly PeerInfo[]): PeerAddress[] {
  return peers
    // A punched connection's far port was one try's fresh port behind a NAT: nobody can dial it again.
    .filter((p) => p.direction === 'outbound' && p.ready && p.punched === undefined)
    .sort((a, b) => a.connectedSinceMs - b.connectedSinceMs)
    .flatMap((p) => {
      const { ip, port } = splitPeerAddress(p.address);
      return p.nodeId === undefined ? [] : [{ nodeId: p.nodeId, ip, tcpPort: port }];
    })
    .slice(0, MAX_ANCHORS);
}
