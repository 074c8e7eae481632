/** Human-readable NAT state (`cli nat`, and the `nat:` line of `cli getinfo`). */
import type { JsonValue } from '../rpc/json.js';
import { formatTraversal, traversalSummary } from './format-traversal.js';

type JsonObject = { [key: string]: JsonValue };

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  'upnp-igdv1': 'UPnP IGDv1',
  'upnp-igdv2': 'UPnP IGDv2',
  'nat-pmp': 'NAT-PMP',
};

const FORWARD_BY_HAND = 'inbound peers can reach this node only if its port is forwarded by hand (see docs/nat.md)';

function obj(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function str(value: JsonValue | undefined): string {
  return value === undefined || value === null ? '-' : String(value);
}

function protocolName(value: JsonValue | undefined): string {
  return typeof value === 'string' ? (PROTOCOL_NAMES[value] ?? value) : '-';
}

function endpointText(value: JsonValue | undefined): string | undefined {
  const e = obj(value);
  return e['ip'] === undefined ? undefined : `${str(e['ip'])} (tcp ${str(e['tcpPort'])}, udp ${str(e['udpPort'])})`;
}

/** `cli nat`: one fact a line: the router mapping (UPnP/NAT-PMP), then NAT traversal (observed address, reachability, hole punching), which works without UPnP. */
export function formatNat(result: JsonValue): string {
  const r = obj(result);
  const hasTraversal = typeof r['traversal'] === 'object' && r['traversal'] !== null;
  // With traversal known, its reachability line says whether peers can dial in; without it (an older node), the mapping is all we know.
  const forwardHint = hasTraversal ? '' : `; ${FORWARD_BY_HAND}`;
  const lines = mappingLines(r, forwardHint);
  if (hasTraversal) lines.push(...formatTraversal(r['traversal']));
  return lines.join('\n');
}

function mappingLines(r: JsonObject, forwardHint: string): string[] {
  if (r['enabled'] !== true) return [`NAT port mapping is off (--no-upnp or conf "nat": {"upnp": false})${forwardHint}`];
  if (r['searching'] === true) return ['NAT port mapping: still looking for a UPnP/NAT-PMP gateway (this takes up to ~2 s after start)'];
  if (r['gatewayFound'] !== true) return [`gateway: none found (tried UPnP IGDv1, UPnP IGDv2, NAT-PMP)${forwardHint}`];
  const lines = [`gateway: found (${protocolName(r['protocol'])})`, `external address: ${str(r['externalIp'])}`];
  const ports = Array.isArray(r['mappedPorts']) ? r['mappedPorts'].map(obj) : [];
  if (ports.length === 0) lines.push('mapped ports: none (the leases ran out; renewal keeps trying)');
  else lines.push('mapped ports:');
  for (const m of ports) {
    const lease = m['leaseExpiresAt'] === null ? 'permanent' : `lease expires ${str(m['leaseExpiresAt'])}`;
    lines.push(`  ${str(m['protocol'])} ${str(m['external'])} -> ${str(m['internal'])}  ${lease}`);
  }
  if (r['doubleNat'] === true) {
    lines.push(`warning: double NAT — the router's external address ${str(r['externalIp'])} is itself private, so this node is not advertised as reachable; forward the port on the outer router too (see docs/nat.md)`);
  }
  const endpoint = endpointText(r['externalEndpoint']);
  const unmapped = forwardHint === '' ? 'advertised: no mapped endpoint (reachability below decides what peers are told)' : `advertised: the local endpoint only${forwardHint}`;
  lines.push(endpoint === undefined ? unmapped : `advertised to peers: ${endpoint}`);
  return lines;
}

/** The one-line summary getinfo shows for its `nat` field: the mapping, then reachability. */
export function natSummary(value: JsonValue | undefined): string {
  const r = obj(value);
  const mapping = mappingSummary(r);
  const t = r['traversal'];
  if (typeof t !== 'object' || t === null) return mapping;
  return `${mapping === 'off' ? 'UPnP off' : mapping}; ${traversalSummary(t)}`;
}

function mappingSummary(r: JsonObject): string {
  if (r['enabled'] !== true) return 'off';
  if (r['searching'] === true) return 'looking for a gateway';
  if (r['gatewayFound'] !== true) return 'no UPnP/NAT-PMP gateway found';
  const via = protocolName(r['protocol']);
  if (r['doubleNat'] === true) return `${via}, double NAT (external ${str(r['externalIp'])} is private): not advertised`;
  const endpoint = endpointText(r['externalEndpoint']);
  return endpoint === undefined ? `${via}, not reachable (no live mapping)` : `${via}, reachable at ${endpoint}`;
}
