/** TraversalState values for RPC and CLI tests: a fresh node's, and ones built from it. */
import type { PunchStats, TraversalState } from '../../src/p2p/traversal/index.js';
import type { ObservedAddressState, ReachabilityState } from '../../src/p2p/traversal/index.js';

/** What a node that has not talked to anyone yet reports. */
export function freshTraversalState(): TraversalState {
  return {
    observed: {
      ip: undefined,
      confirmed: false,
      agreeingPeers: 0,
      agreeingGroups: 0,
      disagreeingPeers: 0,
      portPreservation: 'unknown',
      portSamples: { preserved: 0, changed: 0 },
      udpPortPreservation: 'unknown',
      observers: 0,
      reason: 'no peer has told us our address yet',
    },
    reachability: { status: 'unknown', reason: 'no peer has tried to dial us back yet', successes: 0, failures: 0, lastCheckAtMs: undefined, port: undefined },
    punch: { punches: 0, attempts: 0, successes: 0, firstAttemptSuccesses: 0, failures: 0, accepted: 0, acceptedSuccesses: 0, lastFailure: undefined },
    served: { dialBacks: { served: 0, connected: 0, failed: 0, refused: 0 }, relayed: 0, relayRefused: 0 },
  };
}

export interface TraversalOverrides {
  observed?: Partial<ObservedAddressState>;
  reachability?: Partial<ReachabilityState>;
  punch?: Partial<PunchStats>;
}

export function traversalState(over: TraversalOverrides = {}): TraversalState {
  const base = freshTraversalState();
  return {
    observed: { ...base.observed, ...over.observed },
    reachability: { ...base.reachability, ...over.reachability },
    punch: { ...base.punch, ...over.punch },
    served: base.served,
  };
}
