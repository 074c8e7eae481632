/**
 * Hole punching through a common peer: our punches (initiator, up to PUNCH_MAX_TRIES tries, each
 * with a fresh port), the far ends' punches we accept (responder), and the statistics `cli nat`
 * shows. Which relay to use and whom to punch is decided by the caller (traversal.ts); what may
 * be punched at all is decided here, once, for both roles.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import type { Peer } from '../peer.js';
import type { PunchMessage, PunchReason } from '../wire/index.js';
import { type AddressClassifier, classifyAddress } from '../netgroup.js';
import { MAX_PUNCHES_IN_FLIGHT, MAX_RESPONDER_PUNCHES_PER_NETGROUP, PUNCH_BUSY_RETRY_DELAY_MS, PUNCH_MAX_BUSY_WAITS, PUNCH_MAX_TRIES } from './constants.js';
import { PunchBudgets } from './punch-budgets.js';
import type { TraversalPeers } from './deps.js';
import { PunchTry, type PunchRole, type PunchTryOutcome } from './punch-try.js';
import { PunchesInFlight, tryKey } from './punches-in-flight.js';
import { freeLocalPort, simultaneousOpen, type SimultaneousOpenOptions } from './simultaneous-open.js';
import { SparePort } from './spare-port.js';

/** What `cli punch` prints. */
export interface PunchResult {
  readonly ok: boolean;
  /** Tries made (a relay that is not connected to the target costs none). */
  readonly attempts: number;
  /** Node id (hex) of the relay of the last try. */
  readonly relay: string | undefined;
  readonly reason: string | undefined;
  /** The far end's address of the direct connection. */
  readonly address: string | undefined;
  readonly ms: number;
}

export interface PunchStats {
  /** Punches we started (each up to PUNCH_MAX_TRIES tries). */
  readonly punches: number;
  /** Tries in either role. */
  readonly attempts: number;
  /** Punches of ours that ended with a direct connection. */
  readonly successes: number;
  /** …of them, on the first try. */
  readonly firstAttemptSuccesses: number;
  /** Punches of ours that failed every try. */
  readonly failures: number;
  /** Far ends' punches we took part in, and how many made a direct connection. */
  readonly accepted: number;
  readonly acceptedSuccesses: number;
  readonly lastFailure: { readonly nodeId: string; readonly reason: string; readonly atMs: number } | undefined;
}

export interface PuncherOptions {
  readonly peers: TraversalPeers;
  readonly ownIdHex: string;
  /** Why we may not take part in a punch in this role now (our NAT changes ports; reachable nodes take no punches), or undefined. */
  readonly blocker: (role: PunchRole) => { readonly reason: PunchReason; readonly text: string } | undefined;
  readonly logger: Logger;
  /** Tests inject these; default real sockets. */
  readonly dial?: ((options: SimultaneousOpenOptions) => Promise<Socket>) | undefined;
  readonly pickPort?: (() => Promise<number>) | undefined;
  /** Netgroups of the far ends a relay starts punches for; default classifyAddress. */
  readonly classify?: AddressClassifier | undefined;
  readonly now?: (() => number) | undefined;
}

export class Puncher {
  private readonly options: PuncherOptions;
  private readonly flights = new PunchesInFlight();
  private stopped = false;
  private counts = { punches: 0, attempts: 0, successes: 0, firstAttemptSuccesses: 0, failures: 0, accepted: 0, acceptedSuccesses: 0 };
  private lastFailure: PunchStats['lastFailure'];
  private readonly ports: SparePort;
  /** What each relay may start with us or lead us into (punch-budgets.ts). */
  private readonly budgets: PunchBudgets;

  constructor(options: PuncherOptions) {
    this.options = options;
    this.budgets = new PunchBudgets({ classify: options.classify, now: options.now });
    this.ports = new SparePort(options.pickPort ?? (() => freeLocalPort()));
  }

  /** Picks the spare port now, so the next try does not wait for it (spare-port.ts). */
  warmUp(): void {
    this.ports.warmUp();
  }

  /** Takes one punch of what `relay`'s candidate lists may lead us into; false when it led us into too many lately. */
  takeRelayBudget(relay: Peer): boolean {
    return this.budgets.takeLead(relay);
  }

  stats(): PunchStats {
    return { ...this.counts, lastFailure: this.lastFailure };
  }

  /**
   * Whether another punch in `role` may start now: MAX_PUNCHES_IN_FLIGHT per role, so far ends
   * starting punches with us (strangers may) cannot use up the slots of our own punches.
   */
  hasRoom(role: PunchRole = 'initiator'): boolean {
    return this.flights.inRole(role) < MAX_PUNCHES_IN_FLIGHT;
  }

  /** Room for one more punched link, counting the tries under way (each may end in one). */
  hasLinkRoom(): boolean {
    return this.options.peers.punchRoom() - this.flights.size > 0;
  }

  isPunching(farIdHex: string): boolean {
    return this.flights.has(farIdHex);
  }

  /**
   * Punches `farIdHex` through the first of `relays` that is connected to it, trying again
   * (fresh port, same or next relay) up to PUNCH_MAX_TRIES times.
   */
  async punch(farIdHex: string, relays: readonly Peer[]): Promise<PunchResult> {
    const startedMs = Date.now();
    const done = (ok: boolean, attempts: number, relay: Peer | undefined, reason: string | undefined, address?: string): PunchResult =>
      ({ ok, attempts, relay: relay?.provenNodeId?.toString('hex'), reason, address, ms: Date.now() - startedMs });
    const refusal = this.refusalOf('initiator', farIdHex, undefined);
    if (refusal !== undefined) return done(false, 0, undefined, refusal.text);
    this.flights.punching.add(farIdHex);
    this.counts.punches++;
    const queue = [...relays];
    let attempts = 0;
    let busyWaits = 0;
    let relay: Peer | undefined;
    let reason = `no connected peer is connected to node ${farIdHex.slice(0, 16)}`;
    try {
      while (attempts < PUNCH_MAX_TRIES && !this.stopped) {
        relay = queue.find((r) => !r.isClosed);
        if (relay === undefined) break;
        const outcome = await this.runTry('initiator', relay, farIdHex, randomBytes(8).readBigUInt64LE(0), undefined);
        if (!outcome.ok && (outcome.refusal === 'target-not-connected' || (outcome.byRelay === true && outcome.refusal === 'rate-limited'))) {
          queue.splice(queue.indexOf(relay), 1); // this relay cannot help (now); the next may
          continue;
        }
        // 'busy': the far end's previous try is still ending (it waits for a sync at most
        // PUNCH_SIGNAL_TIMEOUT_MS). Waiting for it is not a try, but the waits are bounded.
        if (!outcome.ok && outcome.refusal === 'busy' && busyWaits < PUNCH_MAX_BUSY_WAITS) {
          busyWaits++;
          reason = outcome.reason;
          await sleep(PUNCH_BUSY_RETRY_DELAY_MS);
          continue;
        }
        attempts++;
        this.counts.attempts++;
        if (outcome.ok) {
          this.counts.successes++;
          if (attempts === 1) this.counts.firstAttemptSuccesses++;
          this.options.logger.info({ nodeId: farIdHex.slice(0, 16), address: outcome.address, relay: relay.label, attempts, rttMs: outcome.rttMs }, `punched a direct connection to ${outcome.address}`);
          return done(true, attempts, relay, undefined, outcome.address);
        }
        reason = outcome.reason;
        // The far end's 'rate-limited' is its budget for this relay (PUNCHES_PER_RELAY_*), which
        // strangers at the relay can use up: another relay may be let through.
        if (outcome.refusal === 'rate-limited' && queue.length > 1) {
          queue.splice(queue.indexOf(relay), 1);
          continue;
        }
        // 'none': the far end gave up that try (its dial failed, a deadline): the next may work.
        // Any other answer will not change by asking again at once.
        if (outcome.refusal !== undefined && outcome.refusal !== 'none') break;
      }
      this.counts.failures++;
      this.lastFailure = { nodeId: farIdHex, reason, atMs: Date.now() };
      this.options.logger.info({ nodeId: farIdHex.slice(0, 16), attempts, reason }, 'hole punching failed; blocks and transactions keep flowing through reachable peers');
      return done(false, attempts, relay, reason);
    } finally {
      this.flights.punching.delete(farIdHex);
    }
  }

  /** A from-relay punch message: a far end starting a punch with us, or a step of a try under way. */
  onFromRelay(relay: Peer, msg: PunchMessage): void {
    if (this.stopped) return;
    const farIdHex = msg.nodeId.toString('hex');
    const existing = this.flights.tries.get(tryKey(farIdHex, msg.attemptId));
    if (existing !== undefined) {
      if (existing.options.relay === relay) existing.onMessage(msg);
      return;
    }
    if (msg.phase !== 'connect') return; // a step of a try we no longer have: nothing to do
    // A new try of the same far end supersedes one of ours still waiting for its sync, but only
    // through the relay that carried it: the id in a from-relay message is the relay's word (an
    // honest one writes the far end's proven id), so through any other peer it would let that peer
    // cancel a punch it has no part in. A far end that moved to another relay is refused 'busy'
    // until the stale try gives up. A try already dialling goes on.
    for (const [key, stale] of this.flights.tries) {
      if (stale.options.role === 'responder' && stale.options.farIdHex === farIdHex && stale.state === 'awaiting-sync' && stale.options.relay === relay) {
        this.flights.tries.delete(key);
        stale.cancel('the far end started a new try');
      }
    }
    const refusal = this.refusalOf('responder', farIdHex, msg.ip);
    const reply = (reason: PunchReason): void => {
      relay.send({ kind: 'punch', hop: 'to-relay', phase: 'refuse', reason, attemptId: msg.attemptId, nodeId: msg.nodeId, ip: '::', port: 0 });
    };
    if (refusal !== undefined) {
      this.options.logger.debug({ nodeId: farIdHex.slice(0, 16), reason: refusal.text }, 'refusing a punch');
      return reply(refusal.reason);
    }
    if (msg.port === 0) return reply('not-wanted');
    if (!this.budgets.takeResponder(relay, msg.ip)) return reply('rate-limited');
    this.counts.accepted++;
    this.counts.attempts++;
    void this.runTry('responder', relay, farIdHex, msg.attemptId, { ip: msg.ip, port: msg.port }).then((outcome) => {
      if (outcome.ok) {
        this.counts.acceptedSuccesses++;
        this.options.logger.info({ nodeId: farIdHex.slice(0, 16), address: outcome.address, relay: relay.label }, `punched a direct connection to ${outcome.address} (the far end asked)`);
      } else {
        this.options.logger.debug({ nodeId: farIdHex.slice(0, 16), reason: outcome.reason }, 'a punch the far end asked for failed');
      }
    });
  }

  stop(): void {
    this.stopped = true;
    this.ports.stop();
    for (const t of this.flights.tries.values()) t.cancel('shutting down');
    this.flights.tries.clear();
  }

  /** The one place that says whether a punch with `farIdHex` may happen now, in `role`. */
  private refusalOf(role: PunchRole, farIdHex: string, farIp: string | undefined): { reason: PunchReason; text: string } | undefined {
    const { peers, ownIdHex } = this.options;
    if (this.stopped) return { reason: 'not-wanted', text: 'the node is shutting down' };
    if (farIdHex === ownIdHex) return { reason: 'not-wanted', text: 'that is our own node id' };
    if (peers.byNodeId(farIdHex) !== undefined) return { reason: 'already-connected', text: `already connected to node ${farIdHex.slice(0, 16)}` };
    if (peers.isBanned(farIdHex)) return { reason: 'not-wanted', text: `node ${farIdHex.slice(0, 16)} is banned` };
    const addressRefusal = farIp === undefined ? undefined : this.farAddressRefusal(farIp);
    if (addressRefusal !== undefined) return { reason: 'not-wanted', text: addressRefusal };
    const blocker = this.options.blocker(role);
    if (blocker !== undefined) return blocker;
    if (this.isPunching(farIdHex)) return { reason: 'busy', text: `a punch with node ${farIdHex.slice(0, 16)} is already under way` };
    if (!this.hasRoom(role)) return { reason: 'busy', text: `${MAX_PUNCHES_IN_FLIGHT} punches are already under way` };
    // Responder tries per public netgroup of the far end (loopback and private addresses count 0: a
    // local network is one group, as for dial-backs). Without this bound one stranger connected to
    // four of our relays kept all MAX_PUNCHES_IN_FLIGHT responder slots (each connect holds one
    // PUNCH_SIGNAL_TIMEOUT_MS when no sync follows) and every honest punch to us was answered 'busy'.
    const classify = this.options.classify ?? classifyAddress;
    if (role === 'responder' && farIp !== undefined && this.flights.responderTriesFrom(farIp, classify) >= MAX_RESPONDER_PUNCHES_PER_NETGROUP) {
      return { reason: 'busy', text: `a punch with a far end in the network of ${farIp} is already under way` };
    }
    if (!this.hasLinkRoom()) return { reason: 'not-wanted', text: 'no outbound slot is free for a punched link (at most half of them may be punched)' };
    return undefined;
  }

  /** Why we may not dial `ip` for a punched link: banned, discouraged, or its /16 already has one of our outbound peers. */
  private farAddressRefusal(ip: string): string | undefined {
    const { peers } = this.options;
    if (peers.isBanned(ip) || peers.isDiscouraged(ip)) return `the far end's address ${ip} is banned or discouraged`;
    if (peers.outboundGroupTaken(ip)) return `an outbound peer is already in the network of ${ip} (one per /16)`;
    return undefined;
  }

  private async runTry(role: PunchRole, relay: Peer, farIdHex: string, attemptId: bigint, far: { ip: string; port: number } | undefined): Promise<PunchTryOutcome> {
    // Picking the port yields: until the try is in `tries`, `starting` holds its place in the limits.
    this.flights.starting.set(farIdHex, { role, farIp: far?.ip });
    let localPort: number;
    try {
      localPort = await this.ports.take();
    } catch (err) {
      // Out of ports or file descriptors: a failed try, not a rejection nobody catches (it would end the process).
      return { ok: false, reason: `no free local port: ${errorMessage(err)}`, refusal: undefined };
    } finally {
      this.flights.starting.delete(farIdHex);
    }
    if (this.stopped) return { ok: false, reason: 'shutting down', refusal: undefined };
    const t = new PunchTry({
      role,
      attemptId,
      farIdHex,
      relay,
      localPort,
      far,
      dial: this.options.dial ?? simultaneousOpen,
      attach: (socket) => this.options.peers.attachPunched(socket, relay.provenNodeId?.toString('hex') ?? ''),
      checkFar: (ip) => this.farAddressRefusal(ip),
      logger: this.options.logger,
    });
    const key = tryKey(farIdHex, attemptId);
    this.flights.tries.set(key, t);
    // Once both ends dial, the relay is no longer needed: its going away must not end a connection that works.
    const onRelayClosed = (): void => t.cancelWhileSignalling('the relay disconnected');
    relay.once('close', onRelayClosed);
    t.start();
    try {
      return await t.result;
    } finally {
      relay.off('close', onRelayClosed);
      this.flights.tries.delete(key);
    }
  }
}
