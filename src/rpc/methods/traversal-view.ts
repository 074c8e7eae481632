/**
 * NAT traversal state and punch results as JSON (the `nat` method, getinfo's `nat.traversal`,
 * `punch`): absent values as null, times as ISO strings, counts as plain numbers.
 */
import type { PunchResult, TraversalState } from '../../p2p/traversal/index.js';

const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function traversalView(state: TraversalState): Record<string, unknown> {
  const { observed, reachability, punch, served } = state;
  return {
    observed: {
      ip: observed.ip ?? null,
      confirmed: observed.confirmed,
      agreeingPeers: observed.agreeingPeers,
      agreeingGroups: observed.agreeingGroups,
      disagreeingPeers: observed.disagreeingPeers,
      observers: observed.observers,
      portPreservation: observed.portPreservation,
      udpPortPreservation: observed.udpPortPreservation,
      portSamples: { preserved: observed.portSamples.preserved, changed: observed.portSamples.changed },
      reason: observed.reason,
    },
    reachability: {
      status: reachability.status,
      reason: reachability.reason,
      successes: reachability.successes,
      failures: reachability.failures,
      lastCheckAt: isoOrNull(reachability.lastCheckAtMs),
      port: reachability.port ?? null,
    },
    punch: {
      punches: punch.punches,
      attempts: punch.attempts,
      successes: punch.successes,
      firstAttemptSuccesses: punch.firstAttemptSuccesses,
      failures: punch.failures,
      accepted: punch.accepted,
      acceptedSuccesses: punch.acceptedSuccesses,
      lastFailure: punch.lastFailure === undefined ? null : { nodeId: punch.lastFailure.nodeId, reason: punch.lastFailure.reason, at: new Date(punch.lastFailure.atMs).toISOString() },
    },
    served: {
      dialBacks: { served: served.dialBacks.served, connected: served.dialBacks.connected, failed: served.dialBacks.failed, refused: served.dialBacks.refused },
      relayed: served.relayed,
      relayRefused: served.relayRefused,
    },
  };
}

export function punchResultView(result: PunchResult): Record<string, unknown> {
  return {
    ok: result.ok,
    attempts: result.attempts,
    relay: result.relay ?? null,
    reason: result.reason ?? null,
    address: result.address ?? null,
    ms: result.ms,
  };
}
