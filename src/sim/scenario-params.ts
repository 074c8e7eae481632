import type { P2PConfig } from '../p2p/config.js';
import type { AttackMode } from './attack.js';
import { DEFAULT_NETWORK_MODEL, type NetworkModel } from './network.js';
import type { SimTcp } from './tcp.js';
import type { VirtualClock } from './virtual-clock.js';

export interface ScenarioParams {
  readonly nodes: number;
  readonly minutes: number;
  readonly seed: number;
  /** 'stand-in' replaces ECDSA by a hash (docs/scale.md says why); 'real' signs every packet with secp256k1. */
  readonly crypto: 'real' | 'stand-in';
  readonly bootstrapNodes: number;
  /** All nodes start within this much virtual time. */
  readonly rampMs: number;
  /** Share of nodes that leave (and are replaced by new ones) per virtual minute after the ramp. */
  readonly churnPerMinute: number;
  readonly attackerShare: number;
  readonly attackMode: AttackMode;
  /** The attacker's nodes sit in this many /16 address blocks (0: on random addresses, i.e. as many blocks as nodes). */
  readonly attackerNetgroups: number;
  readonly lookupsPerBatch: number;
  readonly massLeaveShare: number;
  /** Sizes of the blocks measured in each propagation round. */
  readonly blockBytes: readonly number[];
  /** Each measured block once per rate: the share of its txs missing from each receiver's pool (0: every tx relayed before the block). */
  readonly missRates: readonly number[];
  readonly txBytes: number;
  readonly network: NetworkModel;
  /** Settings of every node's peer set beside the production defaults (resolveP2PConfig). */
  readonly p2p: Partial<P2PConfig>;
  /** Progress lines (stderr in `npm run sim`). */
  readonly log?: (line: string) => void;
  /** Sees the clock and TCP before the first node starts (scripts/sim-event-census.mjs counts events with it). */
  readonly instrument?: (clock: VirtualClock, tcp: SimTcp) => void;
}

export function defaultParams(nodes: number, minutes: number): ScenarioParams {
  return {
    nodes,
    minutes,
    seed: 13,
    crypto: 'stand-in',
    bootstrapNodes: 3,
    rampMs: 60_000,
    churnPerMinute: 0.01,
    attackerShare: 0.1,
    attackMode: 'ping+forge',
    attackerNetgroups: 0,
    lookupsPerBatch: Math.min(500, Math.max(100, Math.round(nodes / 20))),
    massLeaveShare: 0.2,
    blockBytes: [1_000_000, 100_000],
    missRates: [0, 0.05],
    txBytes: 250,
    network: DEFAULT_NETWORK_MODEL,
    p2p: {},
  };
}
