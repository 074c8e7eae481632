/**
 * NAT traversal in words: the observed address, port preservation, reachability and hole
 * punching (`cli nat`, getinfo's `nat:` line), and the result of `cli punch`.
 */
import type { JsonValue } from '../rpc/json.js';

type JsonObject = { [key: string]: JsonValue };

/** Node ids are 32 bytes; 8 of them tell peers apart in a line (as `cli peers` shows them). */
export const SHORT_ID_HEX_CHARS = 16;

const REACHABILITY_NAMES: Readonly<Record<string, string>> = {
  public: 'public',
  mapped: 'mapped (UPnP/NAT-PMP)',
  'behind-nat-port-preserving': 'behind NAT (port-preserving)',
  'behind-nat-symmetric': 'behind NAT (symmetric / unknown)',
  unknown: 'unknown',
};

function obj(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

const num = (v: JsonValue | undefined): number => (typeof v === 'number' ? v : 0);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
export const shortId = (v: JsonValue | undefined): string => (typeof v === 'string' ? v.slice(0, SHORT_ID_HEX_CHARS) : '-');

export function reachabilityName(status: JsonValue | undefined): string {
  return typeof status === 'string' ? (REACHABILITY_NAMES[status] ?? status) : 'unknown';
}

function observedLine(o: JsonObject): string {
  const ip = str(o['ip']);
  const reason = str(o['reason']) ?? '';
  if (ip === undefined) return `external address (seen by peers): unknown — ${reason}`;
  if (o['confirmed'] !== true) return `external address (seen by peers): ${ip} — unconfirmed: ${reason}`;
  const others = num(o['disagreeingPeers']);
  const tail = others > 0 ? `; ${plural(others, 'other peer', 'other peers')} saw another address` : '';
  return `external address (seen by peers): ${ip} — confirmed by ${plural(num(o['agreeingPeers']), 'peer', 'peers')} in ${plural(num(o['agreeingGroups']), 'network', 'networks')}${tail}`;
}

function portLines(o: JsonObject): string[] {
  const samples = obj(o['portSamples']);
  const kept = num(samples['preserved']);
  const total = kept + num(samples['changed']);
  const counted = `${kept} of ${plural(total, 'connection', 'connections')} kept ${total === 1 ? 'its' : 'their'} port`;
  const lines: string[] = [];
  switch (o['portPreservation']) {
    case 'yes':
      lines.push(`port preservation: yes (${counted}): hole punching can work`);
      break;
    case 'no':
      lines.push(`port preservation: no (${counted}): symmetric NAT — the far end cannot predict our port, so hole punching cannot work from here`);
      break;
    default:
      lines.push(total === 0 ? 'port preservation: unknown (no connection of ours has reported it yet)' : `port preservation: unknown (${counted}; more samples needed)`);
  }
  if (o['udpPortPreservation'] === 'no') lines.push('UDP port mapping: changes with the destination (symmetric NAT for UDP)');
  return lines;
}

function reachabilityLines(r: JsonObject): string[] {
  const lines = [`reachability: ${reachabilityName(r['status'])} — ${str(r['reason']) ?? ''}`];
  const at = str(r['lastCheckAt']);
  if (at !== undefined) {
    lines.push(`dial-back checks: ${plural(num(r['successes']), 'peer', 'peers')} reached us, ${num(r['failures'])} could not (port ${typeof r['port'] === 'number' ? r['port'] : '-'}, last ${at})`);
  }
  return lines;
}

function punchLine(p: JsonObject): string {
  const punches = num(p['punches']);
  const accepted = num(p['accepted']);
  if (punches === 0 && accepted === 0) return 'hole punching: none yet';
  const parts = [
    `${plural(punches, 'punch', 'punches')}, ${plural(num(p['successes']), 'direct link', 'direct links')} (${num(p['firstAttemptSuccesses'])} on the first try), ${num(p['failures'])} failed`,
  ];
  if (accepted > 0) parts.push(`${accepted} asked by other nodes (${num(p['acceptedSuccesses'])} direct)`);
  const failure = obj(p['lastFailure']);
  if (str(failure['reason']) !== undefined) parts.push(`last failure: ${shortId(failure['nodeId'])} at ${str(failure['at']) ?? '-'}: ${str(failure['reason'])}`);
  return `hole punching: ${parts.join('; ')}`;
}

function servedLine(s: JsonObject): string {
  const d = obj(s['dialBacks']);
  return `served to peers: ${plural(num(d['served']), 'dial-back', 'dial-backs')} (${num(d['connected'])} connected, ${num(d['failed'])} failed, ${num(d['refused'])} refused), ${plural(num(s['relayed']), 'punch message', 'punch messages')} relayed (${num(s['relayRefused'])} refused)`;
}

/** The traversal section of `cli nat`: one fact a line. */
export function formatTraversal(value: JsonValue | undefined): string[] {
  const t = obj(value);
  const observed = obj(t['observed']);
  return [observedLine(observed), ...portLines(observed), ...reachabilityLines(obj(t['reachability'])), punchLine(obj(t['punch'])), servedLine(obj(t['served']))];
}

/** getinfo's words for reachability: "behind NAT (port-preserving) at 7.7.7.2 (confirmed)". */
export function traversalSummary(value: JsonValue | undefined): string {
  const t = obj(value);
  const o = obj(t['observed']);
  const name = reachabilityName(obj(t['reachability'])['status']);
  const ip = str(o['ip']);
  return ip === undefined ? `${name}, external address not known yet` : `${name} at ${ip} (${o['confirmed'] === true ? 'confirmed' : 'unconfirmed'})`;
}

/** `cli punch`. */
export function formatPunch(result: JsonValue): string {
  const r = obj(result);
  const attempts = num(r['attempts']);
  const target = shortId(r['nodeId']);
  if (r['ok'] === true) {
    const relay = str(r['relay']) === undefined ? '' : `relay ${shortId(r['relay'])}, `;
    return `direct connection to ${target} at ${str(r['address']) ?? '-'} after ${plural(attempts, 'attempt', 'attempts')} (${relay}${num(r['ms'])} ms)`;
  }
  return `hole punching to ${target} failed after ${plural(attempts, 'attempt', 'attempts')}: ${str(r['reason']) ?? 'no reason given'}`;
}
