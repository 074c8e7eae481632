import { PACKET_EXPIRY_SEC } from '../p2p/discovery/constants.js';
import { netGroup } from '../p2p/netgroup.js';
import { type PacketSigner, SECP256K1_SIGNER, decodePacket, encodeNeighbours, packetExpiration } from '../p2p/discovery/packet.js';
import { compareDistance } from '../p2p/discovery/routing-table.js';
import { DEFAULT_MAX_OUTBOUND_PEERS } from '../p2p/constants.js';
import type { Host } from './network.js';
import type { Population, SimNode } from './population.js';
import type { Rng } from './rng.js';
import type { VirtualClock } from './virtual-clock.js';
import { ATTACK_PING_INTERVAL_MS, SIM_TCP_PORT, SIM_UDP_PORT } from './constants.js';


export type AttackMode = 'ping+forge' | 'ping' | 'forge';

export interface EclipseResult {
  readonly attackerShareOfIds: number;
  readonly victimTableSize: number;
  readonly attackerTableEntries: number;
  readonly attackerShareOfTable: number;
  /** Mean share over 200 draws of the victim's 8 outbound peers by the peer-graph model. */
  readonly attackerShareOfOutbound: number;
  readonly forgedAnswers: number;
}

/**
 * An attacker holding a share of the node ids (real Discovery services that behave honestly
 * towards everyone else) tries to fill one victim's table: every attacker node pings the victim
 * when it joins and every 30 s, and every neighbours answer an attacker sends the victim is
 * replaced by the attacker nodes closest to the victim's target.
 */
export class EclipseAttack {
  private readonly targets = new Map<string, Buffer>();
  forgedAnswers = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly population: Population,
    readonly victim: SimNode,
    private readonly signer: PacketSigner = SECP256K1_SIGNER,
    /** Which half of the attack runs (to tell which defence matters): unsolicited pings, forged answers, or both. */
    private readonly mode: AttackMode = 'ping+forge',
  ) {}

  start(): void {
    if (this.mode === 'forge') return;
    const pingAll = (): void => {
      if (this.victim.leftAtMs !== undefined) return;
      for (const node of this.attackers()) void node.discovery.ping({ ip: this.victim.host.ip, port: SIM_UDP_PORT });
    };
    pingAll();
    this.clock.setInterval(pingAll, ATTACK_PING_INTERVAL_MS);
  }

  /** For SimNetwork.tap: remembers the victim's find-node targets, forges the attackers' answers. */
  tap(from: Host, toIp: string, bytes: Buffer): Buffer | undefined {
    const victimIp = this.victim.host.ip;
    if (from.ip !== victimIp && toIp !== victimIp) return undefined;
    const other = this.population.byIp.get(from.ip === victimIp ? toIp : from.ip);
    if (other === undefined || !other.attacker) return undefined;
    let decoded;
    try {
      decoded = decodePacket(bytes, this.clock.nowMs() / 1000, this.signer);
    } catch {
      return undefined;
    }
    if (from.ip === victimIp) {
      if (decoded.packet.type === 'find-node') this.targets.set(toIp, decoded.packet.target);
      return undefined;
    }
    const target = this.targets.get(from.ip);
    if (decoded.packet.type !== 'neighbours' || target === undefined || this.mode === 'ping') return undefined;
    const closest = this.attackers()
      .sort((a, b) => compareDistance(target, a.id, b.id))
      .slice(0, 16)
      .map((n) => ({ endpoint: { ip: n.host.ip, udpPort: SIM_UDP_PORT, tcpPort: SIM_TCP_PORT }, publicKey: n.publicKey }));
    const [forged] = encodeNeighbours(closest, packetExpiration(this.clock.nowMs() / 1000, PACKET_EXPIRY_SEC), other.privateKey, this.signer);
    this.forgedAnswers++;
    return forged.bytes;
  }

  result(rng: Rng): EclipseResult {
    const entries = this.victim.discovery.knownNodes(Number.MAX_SAFE_INTEGER);
    const isAttacker = (ip: string): boolean => this.population.byIp.get(ip)?.attacker === true;
    const attackerEntries = entries.filter((e) => isAttacker(e.endpoint.ip)).length;
    let share = 0;
    const DRAWS = 200;
    for (let d = 0; d < DRAWS; d++) {
      const groups = new Set<string>();
      const picked: string[] = [];
      for (const e of rng.shuffle([...entries])) {
        if (picked.length >= DEFAULT_MAX_OUTBOUND_PEERS) break;
        const host = this.population.byIp.get(e.endpoint.ip)?.host;
        const group = netGroup(e.endpoint.ip);
        if (host === undefined || !host.alive || host.natted || groups.has(group)) continue;
        groups.add(group);
        picked.push(e.endpoint.ip);
      }
      share += picked.length === 0 ? 0 : picked.filter(isAttacker).length / picked.length;
    }
    const all = this.population.nodes;
    return {
      attackerShareOfIds: all.filter((n) => n.attacker).length / all.length,
      victimTableSize: entries.length,
      attackerTableEntries: attackerEntries,
      attackerShareOfTable: entries.length === 0 ? 0 : attackerEntries / entries.length,
      attackerShareOfOutbound: share / DRAWS,
      forgedAnswers: this.forgedAnswers,
    };
  }

  private attackers(): SimNode[] {
    return this.population.nodes.filter((n) => n.attacker && n.leftAtMs === undefined);
  }
}
