/**
 * Can peers dial us? (AutoNAT's idea.) Peers asked for a dial-back report whether they reached
 * our port; this turns those results, with the observed-address state, into one verdict. A
 * dial-back that arrived is proof (our random nonce came back on an inbound connection); a
 * failure is only a peer's word, so "behind a NAT" takes failures from distinct peers we dialled
 * (public ones in distinct network groups). Pure
 * bookkeeping: no sockets, no timers, the clock is injected.
 */
import { type AddressClassifier, classifyAddress, netGroup } from '../netgroup.js';
import { TimedEntries } from '../timed-entries.js';
import {
  DEFAULT_DIAL_BACK_RECHECK_INTERVAL_MS,
  DEFAULT_DIAL_BACK_RESULT_TTL_MS,
  DEFAULT_MAX_DIAL_BACK_RESULTS,
  DIAL_BACK_RETRY_UNANSWERED_MS,
  MIN_DIAL_BACK_FAILURES,
} from './constants.js';
import { canonicalIp, isPort, type ObservedAddressState, observerKey, plural } from './observed.js';

export type Reachability = 'public' | 'mapped' | 'behind-nat-port-preserving' | 'behind-nat-symmetric' | 'unknown';
export type CheckOutcome = 'reached' | 'failed' | 'refused' | 'no-answer';

export interface CheckResult {
  readonly peerId: string;
  readonly peerIp: string;
  readonly port: number;
  readonly outcome: CheckOutcome;
  /**
   * The peer dialled us (an inbound session): it reached our port itself, so its failure is not
   * believed — it is a stranger's choice to be asked at all (Core, too, takes what outbound peers
   * say of our address, not inbound ones). Its success still counts: that is a proof.
   */
  readonly inbound?: boolean | undefined;
}

export interface ReachabilityState {
  readonly status: Reachability;
  /** One sentence a user understands. */
  readonly reason: string;
  /** Distinct peers whose dial-back reached us (within the window). */
  readonly successes: number;
  /** Distinct peers that could not. */
  readonly failures: number;
  readonly lastCheckAtMs: number | undefined;
  /** The port checked. */
  readonly port: number | undefined;
}

export interface ReachabilityTrackerOptions {
  readonly classify?: AddressClassifier;
  readonly now?: () => number;
  readonly resultTtlMs?: number;
  readonly recheckIntervalMs?: number;
  readonly maxResults?: number;
}

interface ResultEntry {
  /** Peer node id: its latest result replaces the earlier one. */
  readonly key: string;
  readonly untilMs: number;
  readonly atMs: number;
  readonly seq: number;
  readonly voter: string;
  /**
   * Whose word a failure is: a public peer's network group (/16, /32), else its voter key. A failure
   * is only a claim, and a "behind NAT" verdict hides us from every table and dialer, so a few
   * addresses in one network must not be able to vote twice (a proof — a success — needs no such rule).
   */
  readonly failVoter: string;
  readonly port: number;
  readonly reached: boolean;
  /** The peer's address is public: only then does its success say anything about the internet. */
  readonly peerPublic: boolean;
  /** An inbound peer's result: a failure from it does not count (CheckResult.inbound). */
  readonly inbound: boolean;
}

interface Tally {
  readonly port: number | undefined;
  readonly successes: number;
  readonly failures: number;
  readonly lastCheckAtMs: number | undefined;
}

export class ReachabilityTracker {
  private readonly classify: AddressClassifier;
  private readonly now: () => number;
  private readonly resultTtlMs: number;
  private readonly recheckIntervalMs: number;
  private readonly maxResults: number;
  private readonly results: TimedEntries<ResultEntry>;
  /** Voters asked within recheckIntervalMs (an entry lapses when they may be asked again). */
  private readonly asked: TimedEntries<{ readonly key: string; readonly untilMs: number }>;
  /** Voters that refused (busy, rate limit) or did not answer lately: for the reason text only. */
  private readonly unanswered: TimedEntries<{ readonly key: string; readonly untilMs: number }>;
  private seq = 0;
  /** Whether peers last saw us at a public address (set by state(), read by tally()). */
  private seenPublic = false;

  constructor(options: ReachabilityTrackerOptions = {}) {
    this.classify = options.classify ?? classifyAddress;
    this.now = options.now ?? Date.now;
    this.resultTtlMs = options.resultTtlMs ?? DEFAULT_DIAL_BACK_RESULT_TTL_MS;
    this.recheckIntervalMs = options.recheckIntervalMs ?? DEFAULT_DIAL_BACK_RECHECK_INTERVAL_MS;
    this.maxResults = options.maxResults ?? DEFAULT_MAX_DIAL_BACK_RESULTS;
    if (!Number.isInteger(this.maxResults) || this.maxResults < 1) throw new RangeError(`maxResults must be a positive integer, not ${this.maxResults}`);
    if (!(this.resultTtlMs > 0)) throw new RangeError(`resultTtlMs must be positive, not ${this.resultTtlMs}`);
    if (!(this.recheckIntervalMs >= 0)) throw new RangeError(`recheckIntervalMs must not be negative, not ${this.recheckIntervalMs}`);
    this.results = new TimedEntries(this.now);
    this.asked = new TimedEntries(this.now);
    this.unanswered = new TimedEntries(this.now);
  }

  /**
   * 'refused' and 'no-answer' say nothing about our port and are not kept as results; that peer
   * may be asked again after DIAL_BACK_RETRY_UNANSWERED_MS instead of a whole recheck interval (a
   * busy or rate-limited peer — several nodes behind one home IP, a quick restart — must not
   * leave us without a verdict for ten minutes). Malformed results are ignored.
   */
  record(result: CheckResult): void {
    const ip = canonicalIp(result.peerIp);
    if (ip === undefined || !isPort(result.port) || typeof result.peerId !== 'string' || result.peerId === '') return;
    const now = this.now();
    if (result.outcome !== 'reached' && result.outcome !== 'failed') {
      const key = observerKey(result.peerId, ip, this.classify);
      this.asked.set({ key, untilMs: now + DIAL_BACK_RETRY_UNANSWERED_MS });
      this.asked.trim(this.maxResults);
      this.unanswered.list();
      this.unanswered.set({ key, untilMs: now + this.recheckIntervalMs });
      this.unanswered.trim(this.maxResults);
      return;
    }
    this.results.list(); // drops lapsed results so they do not take the room of live ones
    this.results.set({
      key: result.peerId,
      untilMs: now + this.resultTtlMs,
      atMs: now,
      seq: this.seq++,
      voter: observerKey(result.peerId, ip, this.classify),
      failVoter: this.classify(ip) === 'public' ? netGroup(ip, this.classify) : observerKey(result.peerId, ip, this.classify),
      port: result.port,
      reached: result.outcome === 'reached',
      peerPublic: this.classify(ip) === 'public',
      inbound: result.inbound === true,
    });
    this.results.trim(this.maxResults);
  }

  /** Our port or mapping changed: old results no longer apply, and every peer may be asked again. */
  reset(): void {
    this.results.clear();
    this.asked.clear();
    this.unanswered.clear();
  }

  state(input: { observed: ObservedAddressState; mapped: boolean }): ReachabilityState {
    // Seen at a public address, a loopback or LAN peer's result (success or failure) proves only
    // something about the LAN: it is kept (that peer is not asked again for a recheck interval) but does not count.
    this.seenPublic = input.observed.ip !== undefined && this.classify(input.observed.ip) === 'public';
    const tally = this.tally(this.results.list());
    const { port, successes, failures } = tally;
    const base = { successes, failures, lastCheckAtMs: tally.lastCheckAtMs, port };
    if (port === undefined) {
      const busy = this.unanswered.list().length;
      const reason = busy > 0 ? `${plural(busy, 'peer', 'peers')} refused or did not answer our dial-back request (busy); asking again shortly` : 'no peer has tried to dial us back yet';
      return { ...base, status: 'unknown', reason };
    }
    const where = address(input.observed.ip, port);
    if (successes > 0) {
      const doubt = failures > 0 ? ` (${plural(failures, 'other', 'others')} could not, but a dial-back that arrives is proof)` : '';
      return input.mapped
        ? { ...base, status: 'mapped', reason: `${plural(successes, 'peer', 'peers')} reached us at ${where} through the router's port mapping${doubt}` }
        : { ...base, status: 'public', reason: `${plural(successes, 'peer', 'peers')} reached us at ${where} directly${doubt}` };
    }
    if (failures >= MIN_DIAL_BACK_FAILURES) {
      const lead = `${failures} peers could not dial ${where}`;
      switch (input.observed.portPreservation) {
        case 'yes':
          return { ...base, status: 'behind-nat-port-preserving', reason: `${lead} and the NAT keeps port numbers: hole punching can work` };
        case 'no':
          return { ...base, status: 'behind-nat-symmetric', reason: `${lead} and the NAT changes port numbers: hole punching will not work` };
        case 'unknown':
          return { ...base, status: 'behind-nat-symmetric', reason: `${lead} and whether the NAT keeps port numbers is not known yet: hole punching is not tried` };
      }
    }
    // Results kept but not counted (peers that dialled us, or our LAN while we are seen public) leave failures at 0.
    const reason = failures === 0
      ? `no peer we dialled has failed to dial us back yet (peers that dialled us, and our LAN, do not count); ${MIN_DIAL_BACK_FAILURES} must fail`
      : `only ${plural(failures, 'peer has', 'peers have')} tried to dial us back; ${MIN_DIAL_BACK_FAILURES} must fail`;
    return { ...base, status: 'unknown', reason };
  }

  /** Whether to ask this peer for a dial-back now: not asked within recheckIntervalMs (per peer), and the verdict is not settled-and-fresh. */
  shouldAsk(peerId: string, peerIp: string): boolean {
    const ip = canonicalIp(peerIp);
    if (ip === undefined) return false;
    if (this.asked.isLive(observerKey(peerId, ip, this.classify))) return false;
    // Settled and fresh: results younger than one recheck interval already decide the verdict.
    const freshSince = this.now() - this.recheckIntervalMs;
    const fresh = this.tally(this.results.list().filter((r) => r.atMs > freshSince));
    return fresh.successes === 0 && fresh.failures < MIN_DIAL_BACK_FAILURES;
  }

  /** The question to this peer was lost (its session closed): it may be asked again at once. */
  forgetAsked(peerId: string, peerIp: string): void {
    const ip = canonicalIp(peerIp);
    if (ip !== undefined) this.asked.delete(observerKey(peerId, ip, this.classify));
  }

  noteAsked(peerId: string, peerIp: string): void {
    const ip = canonicalIp(peerIp);
    if (ip === undefined) return;
    this.asked.list(); // drops lapsed entries so they do not take the room of live ones
    this.asked.set({ key: observerKey(peerId, ip, this.classify), untilMs: this.now() + this.recheckIntervalMs });
    this.asked.trim(this.maxResults);
  }

  /** Counts distinct voters, over the results for the port checked last (older ports no longer apply). */
  private tally(results: readonly ResultEntry[]): Tally {
    let latest: ResultEntry | undefined;
    for (const r of results) if (latest === undefined || r.seq > latest.seq) latest = r;
    if (latest === undefined) return { port: undefined, successes: 0, failures: 0, lastCheckAtMs: undefined };
    const reached = new Set<string>();
    const failed = new Set<string>();
    for (const r of results) {
      if (r.port !== latest.port) continue;
      // Seen at a public address, a loopback or LAN peer dialled our LAN address: whether it got
      // through says nothing about the internet, either way. A failure counted before, by node id
      // (ids are free), so two ids on our LAN or our carrier's 100.64/10 could hide a public node.
      if (this.seenPublic && !r.peerPublic) continue;
      // Two inbound sessions from two /16s that answered "failed" at once made a node that had
      // just started (no outbound peer asked yet) hide itself for a recheck interval (10 min).
      if (!r.reached && r.inbound) continue;
      if (r.reached) reached.add(r.voter);
      else failed.add(r.failVoter);
    }
    return { port: latest.port, successes: reached.size, failures: failed.size, lastCheckAtMs: latest.atMs };
  }
}

function address(ip: string | undefined, port: number): string {
  if (ip === undefined) return `our port ${port}`;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
