/**
 * The automatic dialer on a virtual clock over a fake transport and a fake peer source (the
 * dial-policy tests: outbound-policy.test.ts, outbound-heal.test.ts).
 */
import { EventEmitter } from 'node:events';
import { BanList } from '../../../src/p2p/bans.js';
import { resolveP2PConfig } from '../../../src/p2p/config.js';
import { DiscouragedSet } from '../../../src/p2p/discouraged.js';
import { classifyAddress } from '../../../src/p2p/netgroup.js';
import { OutboundDialer } from '../../../src/p2p/outbound.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { DisconnectCode } from '../../../src/p2p/resource-codes.js';
import type { PeerStream, TcpTransport } from '../../../src/p2p/tcp-transport.js';
import type { DiscoveredNode, PeerSource } from '../../../src/p2p/types.js';
import { VirtualClock } from '../../../src/sim/virtual-clock.js';
import { silentLogger } from '../../../src/util/logger.js';

/** Node i: a public address in its own /16, so the netgroup rule never gets in the way. */
export function node(i: number, extra: Partial<DiscoveredNode> = {}): DiscoveredNode {
  return { nodeId: Buffer.alloc(32, i), endpoint: { ip: `${20 + i}.${i}.0.1`, udpPort: 9000, tcpPort: 9000 }, ...extra };
}

export const label = (n: DiscoveredNode): string => n.endpoint.ip;

export class FakeSource extends EventEmitter implements PeerSource {
  nodes: DiscoveredNode[] = [];
  bootstraps = new Set<string>();
  rounds = 0;
  knownNodes(limit: number): DiscoveredNode[] {
    this.rounds++;
    return this.nodes.slice(0, limit);
  }
  isBootstrapNode(n: DiscoveredNode): boolean {
    return this.bootstraps.has(n.nodeId.toString('hex'));
  }
}

/** What the dialer reads of a session. */
export class FakePeer extends EventEmitter {
  readonly direction = 'outbound';
  isReady = true;
  wasProbe = false;
  readonly punchedVia = undefined;
  /** Set when we dropped the session for a resource reason (Peer.disconnectCode). */
  disconnectCode: DisconnectCode | undefined;
  closedWith: string | undefined;
  constructor(
    readonly ip: string,
    readonly remotePort: number,
    readonly nodeId: Buffer,
    readonly connectedAtMs: number,
  ) {
    super();
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
}

export interface Setup {
  clock: VirtualClock;
  source: FakeSource;
  dialer: OutboundDialer;
  /** Every dial made, by host. */
  dials: string[];
  /** The connect timeout of each dial. */
  timeouts: number[];
  /** Hosts whose dial connects (the others are refused, or never answered if in `hanging`). */
  answering: Set<string>;
  hanging: Set<string>;
  peers: FakePeer[];
}

export function setup(): Setup {
  const clock = new VirtualClock();
  const source = new FakeSource();
  const dials: string[] = [];
  const timeouts: number[] = [];
  const answering = new Set<string>();
  const hanging = new Set<string>();
  const peers: FakePeer[] = [];
  const transport: TcpTransport = {
    dial: (host, _port, timeoutMs) => {
      dials.push(host);
      timeouts.push(timeoutMs);
      if (hanging.has(host)) return new Promise<PeerStream>(() => undefined);
      return answering.has(host) ? Promise.resolve(Object.assign(new EventEmitter(), { remoteAddress: host, remotePort: 9000 }) as unknown as PeerStream) : Promise.reject(new Error(`connect ECONNREFUSED ${host}:9000`));
    },
    listen: () => Promise.reject(new Error('not used')),
  };
  const dialer = new OutboundDialer({
    config: resolveP2PConfig({}),
    ownIdHex: '00'.repeat(32),
    peerSource: source,
    bans: new BanList(10),
    discouraged: new DiscouragedSet(10, 60_000, clock.nowMs),
    classify: classifyAddress,
    logger: silentLogger(),
    isRunning: () => true,
    peers: () => peers as unknown as Peer[],
    isConnected: (idHex) => peers.some((p) => p.nodeId.toString('hex') === idHex),
    attach: (socket) => {
      const host = socket.remoteAddress ?? '';
      const known = source.nodes.find((n) => n.endpoint.ip === host);
      const peer = new FakePeer(host, 9000, known?.nodeId ?? Buffer.alloc(32, 0xff), clock.nowMs());
      peers.push(peer);
      return peer as unknown as Peer;
    },
    clock,
    transport,
  });
  return { clock, source, dialer, dials, timeouts, answering, hanging, peers };
}
