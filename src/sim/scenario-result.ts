import type { EclipseResult } from './attack.js';
import type { NetworkStats } from './network.js';
import type { PeerSample } from './peer-graph.js';
import type { PropagationResult } from './relay-propagation.js';
import type { ScenarioParams } from './scenario-params.js';
import type { SimTcpStats } from './tcp.js';

/** What one scenario run measured (written as docs/scale/sim-<N>.json and plotted by plots.ts). */
export interface HealthSample {
  readonly tMs: number;
  readonly alive: number;
  readonly sampled: number;
  readonly meanTable: number;
  readonly p10Table: number;
  readonly minTable: number;
  /** Share of sampled nodes with ≥ 8 table entries. */
  readonly healthyShare: number;
  /** Share of table entries pointing at nodes that have left. */
  readonly deadEntryShare: number;
  /** Share of table entries that are behind NAT (unreachable to others' unsolicited packets and dials). */
  readonly nattedEntryShare: number;
}

export interface LookupBatch {
  readonly label: string;
  readonly atMs: number;
  readonly count: number;
  readonly successShare: number;
  readonly hopsP50: number;
  readonly hopsP99: number;
  readonly hopsMax: number;
  /** ⌈log₂ N⌉ with N the live nodes: the goal for 99 % of lookups. */
  readonly hopGoal: number;
  readonly withinGoalShare: number;
  readonly msP50: number;
  readonly msP99: number;
  readonly hops: number[];
}

export interface JoinStats {
  readonly label: string;
  readonly joined: number;
  readonly healthy: number;
  readonly p50Ms: number | undefined;
  readonly p90Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
  readonly timesMs: number[];
}

export interface ReachabilitySummary {
  /** Verdict → nodes, for NATed and for public hosts. */
  readonly natted: Record<string, number>;
  readonly public: Record<string, number>;
  /** Virtual ms from join to a behind-NAT verdict, NATed nodes that got one. */
  readonly nattedVerdictP50Ms: number | undefined;
  readonly nattedVerdictP90Ms: number | undefined;
  readonly dialBacks: { readonly reached: number; readonly failed: number };
}

export interface ScenarioResult {
  readonly params: Omit<ScenarioParams, 'log' | 'instrument'>;
  readonly health: HealthSample[];
  readonly lookups: LookupBatch[];
  readonly joins: JoinStats[];
  /** Time until a joining node had 8 ready outbound sessions (real PeerSet over SimTcp). */
  readonly outboundJoins: JoinStats[];
  /** The real peer sets every 10 s (honest nodes). */
  readonly peers: PeerSample[];
  /** Inbound sessions per public honest node at the end: index = count, value = nodes. */
  readonly inboundHistogram: number[];
  /** The eclipse victim's real outbound sessions at the end, and how many are the attacker's. */
  readonly victimOutbound: { readonly ready: number; readonly attacker: number } | undefined;
  readonly tcp: SimTcpStats;
  /** Why sessions closed, counted at both ends (the reason's first words). */
  readonly closeReasons: Record<string, number>;
  /** Inbound evictions over the run: all, and at the bootstrap nodes (everyone's first TCP contacts). */
  readonly evictions: { readonly total: number; readonly atBootstrap: number; readonly bootstrapNodes: number };
  /** Reachability verdicts at the end (honest live nodes), and how long NATed ones took to learn they are (reachability.ts). */
  readonly reachability: ReachabilitySummary;
  readonly propagation: Array<PropagationResult & { readonly label: string; readonly graphNodes: number; readonly meanDegree: number; readonly isolated: number }>;
  readonly eclipse: EclipseResult | undefined;
  readonly massLeave: { readonly atMs: number; readonly left: number } | undefined;
  readonly network: NetworkStats & { readonly packetsPerNodePerSec: number; readonly discoveryBytesPerNodePerSec: number };
  readonly run: { readonly wallMs: number; readonly cpuMs: number; readonly events: number; readonly peakRssMb: number; readonly peakHeapMb: number };
}
