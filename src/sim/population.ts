import { PRIVATE_KEY_BYTES, isValidPrivateKey } from '../primitives/secp256k1.js';
import { Discovery } from '../p2p/discovery/service.js';
import { nodeKeyFromPrivateKey } from '../p2p/discovery/node-key.js';
import type { PacketSigner } from '../p2p/discovery/packet.js';
import { type RandomSource, randomSourceFrom } from '../p2p/discovery/random-source.js';
import type { BootstrapAddress } from '../p2p/discovery/service-options.js';
import { silentLogger } from '../util/logger.js';
import type { Logger } from '../util/logger.js';
import type { Host, SimNetwork } from './network.js';
import { Rng } from './rng.js';
import type { VirtualClock } from './virtual-clock.js';
import { HEALTHY_TABLE_ENTRIES, SIM_TCP_PORT, SIM_UDP_PORT } from './constants.js';


export interface SimNode {
  readonly index: number;
  readonly host: Host;
  readonly discovery: Discovery;
  readonly id: Buffer;
  /** Only the simulated attacker uses it (to sign its forged neighbours answers). */
  readonly privateKey: Buffer;
  readonly publicKey: Buffer;
  readonly attacker: boolean;
  readonly joinedAtMs: number;
  /** Virtual ms since join when the table first held HEALTHY_TABLE_ENTRIES (undefined: not yet). */
  healthyAfterMs: number | undefined;
  leftAtMs: number | undefined;
}

/** A valid secp256k1 private key from a seeded source (simulation only: predictable by design). */
function seededPrivateKey(random: RandomSource): Buffer {
  for (;;) {
    const key = random.bytes(PRIVATE_KEY_BYTES);
    if (isValidPrivateKey(key)) return key;
  }
}

/** Creates and starts real Discovery services on simulated hosts. */
export class Population {
  readonly nodes: SimNode[] = [];
  readonly byIp = new Map<string, SimNode>();
  readonly byId = new Map<string, SimNode>();
  readonly bootstrap: BootstrapAddress[] = [];
  private readonly logger: Logger = silentLogger();
  private readonly usedIps = new Set<string>();

  constructor(
    private readonly clock: VirtualClock,
    private readonly network: SimNetwork,
    private readonly rng: Rng,
    private readonly signer: PacketSigner | undefined,
  ) {}

  get alive(): SimNode[] {
    return this.nodes.filter((n) => n.leftAtMs === undefined);
  }

  /** Starts a node now; bootstrap nodes are public (no NAT) and become the bootstrap list. */
  async join(kind: { bootstrap?: boolean; attacker?: boolean; natted?: boolean } = {}): Promise<SimNode> {
    const natted = kind.bootstrap === true ? false : (kind.natted ?? this.rng.next() < this.network.model.natShare);
    const host = this.network.addHost(this.freshIp(), natted);
    // Each node draws its key and its discovery's random choices from its own generator, seeded
    // from the run's: one seed reproduces the run, and a node's draws do not depend on how many
    // other nodes drew before it within an instant.
    const random = randomSourceFrom(((nodeRng) => () => nodeRng.next())(new Rng(this.rng.int(2 ** 32))));
    const nodeKey = nodeKeyFromPrivateKey(seededPrivateKey(random));
    const discovery = new Discovery({
      nodeKey,
      bindHost: host.ip,
      udpPort: SIM_UDP_PORT,
      tcpPort: SIM_TCP_PORT,
      advertisedIp: host.ip,
      bootstrap: kind.bootstrap === true ? [...this.bootstrap] : this.bootstrap,
      logger: this.logger,
      clock: this.clock,
      socketFactory: this.network.socketFactory(host),
      signer: this.signer,
      random,
    });
    const node: SimNode = {
      index: this.nodes.length,
      host,
      discovery,
      id: nodeKey.nodeId,
      privateKey: nodeKey.privateKey,
      publicKey: nodeKey.publicKey,
      attacker: kind.attacker === true,
      joinedAtMs: this.clock.elapsedMs,
      healthyAfterMs: undefined,
      leftAtMs: undefined,
    };
    discovery.on('node:verified', () => {
      if (node.healthyAfterMs === undefined && discovery.tableSize >= HEALTHY_TABLE_ENTRIES) node.healthyAfterMs = this.clock.elapsedMs - node.joinedAtMs;
    });
    this.nodes.push(node);
    this.byIp.set(host.ip, node);
    this.byId.set(node.id.toString('hex'), node);
    if (kind.bootstrap === true) this.bootstrap.push({ host: host.ip, port: SIM_UDP_PORT });
    await discovery.start();
    return node;
  }

  /** The node goes away without a word (power off): its host drops everything from now on. */
  async leave(node: SimNode): Promise<void> {
    if (node.leftAtMs !== undefined) return;
    node.leftAtMs = this.clock.elapsedMs;
    node.host.alive = false;
    await node.discovery.stop();
  }

  isAliveId(id: Buffer): boolean {
    const node = this.byId.get(id.toString('hex'));
    return node !== undefined && node.leftAtMs === undefined;
  }

  /** A unique public-looking IPv4 address (no private, loopback, multicast or reserved first octet). */
  private freshIp(): string {
    for (;;) {
      const a = 1 + this.rng.int(222);
      if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192) continue;
      const ip = `${a}.${this.rng.int(256)}.${this.rng.int(256)}.${1 + this.rng.int(254)}`;
      if (this.usedIps.has(ip)) continue;
      this.usedIps.add(ip);
      return ip;
    }
  }
}
