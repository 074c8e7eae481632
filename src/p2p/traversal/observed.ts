/**
 * What peers say our address is (STUN's idea, libp2p identify's observed address): every
 * handshake and discovery pong carries the address the sender's socket sees for us. One voice
 * can lie, so an IP counts as ours only when distinct observers agree — from distinct /16s where
 * the observers allow it — and a host with many node ids is one voice. Pure bookkeeping: no
 * sockets, the clock is injected.
 */
import { isIP } from 'node:net';
import { normalizeIp } from '../discovery/endpoint.js';
import { type AddressClassifier, classifyAddress, netGroup } from '../netgroup.js';
import { TimedEntries } from '../timed-entries.js';
import {
  DEFAULT_MAX_OBSERVERS,
  DEFAULT_OBSERVATION_TTL_MS,
  MIN_AGREEING_GROUPS,
  MIN_AGREEING_OBSERVERS,
  MIN_PORT_CHANGED_SAMPLES,
  MIN_PORT_PRESERVED_FRACTION,
  MIN_PORT_SAMPLES,
} from './constants.js';

export interface Observation {
  /** Proven node id (hex) of the peer that saw us. */
  readonly observerId: string;
  /** That peer's IP. */
  readonly observerIp: string;
  /** Our address as it sees it. */
  readonly ip: string;
  readonly port: number;
  /** Our local port of that connection: set for OUTBOUND TCP connections and for UDP (our discovery port); undefined for inbound TCP (says nothing about how the NAT maps ports). */
  readonly localPort: number | undefined;
  readonly transport: 'tcp' | 'udp';
}

export type PortPreservation = 'yes' | 'no' | 'unknown';

export interface ObservedAddressState {
  /** Best candidate external IP (undefined: no observation). */
  readonly ip: string | undefined;
  readonly confirmed: boolean;
  /** Distinct observers agreeing with ip. */
  readonly agreeingPeers: number;
  /** Distinct /16 netgroups among them. */
  readonly agreeingGroups: number;
  readonly disagreeingPeers: number;
  /** From TCP samples. */
  readonly portPreservation: PortPreservation;
  readonly portSamples: { readonly preserved: number; readonly changed: number };
  /** From UDP samples (same local port seen by several observers: STUN's mapping test). */
  readonly udpPortPreservation: PortPreservation;
  /** Distinct observers (as counted for votes) with a live observation. */
  readonly observers: number;
  /** One sentence a user understands. */
  readonly reason: string;
}

export interface ObservedAddressBookOptions {
  readonly classify?: AddressClassifier;
  readonly now?: () => number;
  /** Cap of each transport's table (TCP and UDP are capped apart). */
  readonly maxObservers?: number;
  readonly ttlMs?: number;
}

/** The canonical text of an IP (IPv4-mapped IPv6 made IPv4), or undefined for anything else. */
export function canonicalIp(ip: unknown): string | undefined {
  if (typeof ip !== 'string' || isIP(ip) === 0) return undefined;
  try {
    return normalizeIp(ip);
  } catch {
    return undefined; // an IPv6 zone id ("fe80::1%eth0"): not an address a peer can share
  }
}

/**
 * Who counts as one voice: a public IP, whatever node ids it shows (ids cost nothing, IPs do);
 * behind loopback or a private IP, the node id — a local test network or a LAN shares one
 * address, and one confused peer there must not silence the others.
 */
export function observerKey(id: string, ip: string, classify: AddressClassifier): string {
  return classify(ip) === 'public' ? `ip:${ip}` : `id:${id}`;
}

export function isPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port <= 0xffff;
}

export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

interface Entry {
  /** The voter: one entry per voter and transport. */
  readonly key: string;
  /** Renewed in place by the voter's next identical sample (add). */
  untilMs: number;
  /** Arrival order: "most recent" without trusting the clock to move. */
  seq: number;
  readonly voter: string;
  readonly group: string;
  readonly ip: string;
  readonly port: number;
  readonly localPort: number | undefined;
  readonly transport: 'tcp' | 'udp';
}

interface Candidate {
  readonly ip: string;
  readonly voters: Set<string>;
  lastSeq: number;
}

export class ObservedAddressBook {
  private readonly classify: AddressClassifier;
  private readonly now: () => number;
  private readonly maxObservers: number;
  private readonly ttlMs: number;
  /**
   * One table per transport, each capped apart: a discovery pong (UDP) comes from every node we
   * ping and is renewed on every ping, a TCP sample only once per connection, so in a shared table
   * the TCP samples would always be the oldest and trimmed first.
   */
  private readonly entries: Readonly<Record<'tcp' | 'udp', TimedEntries<Entry>>>;
  private seq = 0;

  constructor(options: ObservedAddressBookOptions = {}) {
    this.classify = options.classify ?? classifyAddress;
    this.now = options.now ?? Date.now;
    this.maxObservers = options.maxObservers ?? DEFAULT_MAX_OBSERVERS;
    this.ttlMs = options.ttlMs ?? DEFAULT_OBSERVATION_TTL_MS;
    if (!Number.isInteger(this.maxObservers) || this.maxObservers < 1) throw new RangeError(`maxObservers must be a positive integer, not ${this.maxObservers}`);
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, not ${this.ttlMs}`);
    this.entries = { tcp: new TimedEntries(this.now), udp: new TimedEntries(this.now) };
  }

  /** Records what one peer saw; anything malformed is ignored (it comes from a peer). */
  add(obs: Observation): void {
    const ip = canonicalIp(obs.ip);
    const observerIp = canonicalIp(obs.observerIp);
    if (ip === undefined || observerIp === undefined || !isPort(obs.port)) return;
    if (typeof obs.observerId !== 'string' || obs.observerId === '') return;
    if (obs.transport !== 'tcp' && obs.transport !== 'udp') return;
    const table = this.entries[obs.transport];
    table.prune(); // lapsed entries must not take the room of live ones
    // Keyed by voter, not node id: a host showing many node ids replaces its own entry instead
    // of pushing out everyone else's.
    const voter = observerKey(obs.observerId, observerIp, this.classify);
    const localPort = isPort(obs.localPort) ? obs.localPort : undefined;
    const previous = table.get(voter);
    // An inbound connection says nothing about port mapping: it must not replace the same voter's
    // sample of an outbound one that does (two nodes behind one public IP are one voter).
    if (localPort === undefined && previous?.localPort !== undefined && previous.ip === ip) return;
    const group = netGroup(observerIp, this.classify);
    if (previous !== undefined && previous.ip === ip && previous.port === obs.port && previous.localPort === localPort && previous.group === group) {
      // The same sample again (a pong per ping to the same node): renewed and moved to the end
      // as it is, not replaced by a fresh entry and key in this long-lived table.
      previous.untilMs = this.now() + this.ttlMs;
      previous.seq = this.seq++;
      table.set(previous);
    } else {
      table.set({ key: voter, untilMs: this.now() + this.ttlMs, seq: this.seq++, voter, group, ip, port: obs.port, localPort, transport: obs.transport });
    }
    table.trim(this.maxObservers);
  }

  /** Live entries per transport (each at most maxObservers): what the book holds in memory. */
  entryCounts(): { readonly tcp: number; readonly udp: number } {
    return { tcp: this.entries.tcp.list().length, udp: this.entries.udp.list().length };
  }

  clear(): void {
    this.entries.tcp.clear();
    this.entries.udp.clear();
  }

  state(): ObservedAddressState {
    // Arrival order across both tables, so "a voter's latest entry" spans transports.
    const entries = [...this.entries.tcp.list(), ...this.entries.udp.list()].sort((a, b) => a.seq - b.seq);
    // A voter's network is that of its latest entry, so it adds one group at most.
    const voterGroup = new Map<string, string>();
    const candidates = new Map<string, Candidate>();
    for (const e of entries) {
      voterGroup.set(e.voter, e.group);
      const c = candidates.get(e.ip) ?? { ip: e.ip, voters: new Set<string>(), lastSeq: -1 };
      c.voters.add(e.voter);
      c.lastSeq = Math.max(c.lastSeq, e.seq);
      candidates.set(e.ip, c);
    }
    const groupsOf = (c: Candidate): Set<string> => new Set([...c.voters].map((v) => voterGroup.get(v) ?? v));
    let best: Candidate | undefined;
    let bestGroups = 0;
    for (const c of candidates.values()) {
      const groups = groupsOf(c).size;
      if (best === undefined || groups > bestGroups || (groups === bestGroups && (c.voters.size > best.voters.size || (c.voters.size === best.voters.size && c.lastSeq > best.lastSeq)))) {
        best = c;
        bestGroups = groups;
      }
    }
    const observers = voterGroup.size;
    if (best === undefined) {
      return {
        ip: undefined, confirmed: false, agreeingPeers: 0, agreeingGroups: 0, disagreeingPeers: 0,
        portPreservation: 'unknown', portSamples: { preserved: 0, changed: 0 }, udpPortPreservation: 'unknown',
        observers: 0, reason: 'no peer has told us our address yet',
      };
    }
    const agreeing = best.voters.size;
    const allGroups = new Set(voterGroup.values()).size;
    const neededGroups = Math.min(MIN_AGREEING_GROUPS, allGroups);
    const confirmed = agreeing >= MIN_AGREEING_OBSERVERS && bestGroups >= neededGroups;
    const tcp = portSamples(entries, best.ip, 'tcp');
    const udp = portSamples(entries, best.ip, 'udp');
    return {
      ip: best.ip,
      confirmed,
      agreeingPeers: agreeing,
      agreeingGroups: bestGroups,
      disagreeingPeers: observers - agreeing,
      portPreservation: tcp.verdict,
      portSamples: { preserved: tcp.preserved, changed: tcp.changed },
      udpPortPreservation: udp.mappingVaries ? 'no' : udp.verdict,
      observers,
      reason: reasonFor(best.ip, agreeing, observers, bestGroups, neededGroups, [...groupsOf(best)]),
    };
  }
}

interface PortSamples {
  readonly preserved: number;
  readonly changed: number;
  readonly verdict: PortPreservation;
  /** One local port seen as different external ports by two observers: the NAT maps per destination. */
  readonly mappingVaries: boolean;
}

/** One sample per voter (its latest with a local port), for the candidate IP only. */
function portSamples(entries: readonly Entry[], ip: string, transport: 'tcp' | 'udp'): PortSamples {
  const latest = new Map<string, Entry>();
  for (const e of entries) {
    if (e.transport !== transport || e.ip !== ip || e.localPort === undefined) continue;
    const seen = latest.get(e.voter);
    if (seen === undefined || e.seq > seen.seq) latest.set(e.voter, e);
  }
  let preserved = 0;
  const externalByLocal = new Map<number, Set<number>>();
  for (const e of latest.values()) {
    if (e.port === e.localPort) preserved++;
    const local = e.localPort ?? 0;
    const externals = externalByLocal.get(local) ?? new Set<number>();
    externals.add(e.port);
    externalByLocal.set(local, externals);
  }
  const changed = latest.size - preserved;
  const verdict: PortPreservation =
    latest.size >= MIN_PORT_SAMPLES && preserved >= MIN_PORT_PRESERVED_FRACTION * latest.size ? 'yes'
    : changed >= MIN_PORT_CHANGED_SAMPLES && changed > preserved ? 'no'
    : 'unknown';
  const mappingVaries = [...externalByLocal.values()].some((externals) => externals.size > 1);
  return { preserved, changed, verdict, mappingVaries };
}

function reasonFor(ip: string, agreeing: number, observers: number, groups: number, neededGroups: number, groupNames: string[]): string {
  if (agreeing < MIN_AGREEING_OBSERVERS) {
    const who = observers > agreeing ? `${agreeing} of ${observers} peers has` : plural(agreeing, 'peer has', 'peers have');
    return `only ${who} seen ${ip}; ${MIN_AGREEING_OBSERVERS} must agree`;
  }
  const others = observers > agreeing ? `; ${plural(observers - agreeing, 'other peer', 'other peers')} saw another address` : '';
  if (groups < neededGroups) {
    return `${agreeing} peers agree on ${ip} but all from one network (${groupNames.join(', ')}) while peers from other networks have reported too; peers in ${neededGroups} networks must agree`;
  }
  return `${agreeing} peers in ${plural(groups, 'network', 'networks')} agree on ${ip}${others}`;
}
