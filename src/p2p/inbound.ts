/**
 * Inbound admission: whether a new connection from an IP gets a slot (bans, per-IP and
 * per-netgroup limits, the inbound cap), evicting an inbound peer when every slot is taken
 * (eviction.ts chooses; this file builds its candidates from what peers gave us). Refusals
 * are logged once per address and reason per interval, so a reconnect loop cannot flood the log.
 */
import { SYSTEM_CLOCK, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CRYPTO_RANDOM, type RandomSource } from '../util/random-source.js';
import type { BanList } from './bans.js';
import type { P2PConfig } from './config.js';
import { setNewest } from '../util/bounded-map.js';
import {
  EVICTION_KEY_BYTES,
  EVICTION_MIN_AGE_MS,
  EVICTION_YOUNG_REPEAT_KEYS,
  EVICTION_YOUNG_REPEAT_WINDOW_MS,
  INBOUND_REFUSAL_WARN_INTERVAL_MS,
  INBOUND_REFUSAL_WARN_KEYS,
} from './constants.js';
import type { DiscouragedSet } from './discouraged.js';
import { DEFAULT_EVICTION_PROTECTION, selectEvictionVictim } from './eviction.js';
import { LogThrottle } from './log-throttle.js';
import { netGroup, type AddressClassifier } from './netgroup.js';
import type { Peer } from './peer.js';
import type { UsefulKind } from './types.js';

export interface InboundGateOptions {
  readonly config: P2PConfig;
  readonly bans: BanList;
  readonly discouraged: DiscouragedSet;
  readonly classify: AddressClassifier;
  readonly logger: Logger;
  /** Clock of the activity times and the refusal log (the simulator's virtual clock); default SYSTEM_CLOCK. */
  readonly clock?: Clock | undefined;
  /** Draws the eviction key (the simulator's seeded source); default CRYPTO_RANDOM. */
  readonly random?: RandomSource | undefined;
}

/** When a peer last gave us something useful (inbound eviction protects recent givers). */
interface Activity {
  lastBlockMs: number;
  lastTxMs: number;
}

export class InboundGate {
  private readonly options: InboundGateOptions;
  /** Salt of the eviction's netgroup ranking: outsiders cannot tell which groups are protected. */
  private readonly evictionKey: Buffer;
  private readonly activity = new WeakMap<Peer, Activity>();
  private readonly refusalLog: LogThrottle;
  private readonly clock: Clock;
  /** When each public netgroup last began an inbound session (bounded, least recent forgotten first). */
  private readonly lastStartMs = new Map<string, number>();
  /** Inbound peers whose netgroup began another session within EVICTION_YOUNG_REPEAT_WINDOW_MS: no young grace. */
  private readonly repeats = new WeakSet<Peer>();

  constructor(options: InboundGateOptions) {
    this.options = options;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.evictionKey = (options.random ?? CRYPTO_RANDOM).bytes(EVICTION_KEY_BYTES);
    this.refusalLog = new LogThrottle(INBOUND_REFUSAL_WARN_KEYS, INBOUND_REFUSAL_WARN_INTERVAL_MS, this.clock.nowMs);
  }

  /** Remembers when `peer` last gave us a new valid block or transaction (the intakes decide). */
  noteUseful(peer: Peer, kind: UsefulKind): void {
    const seen = this.activity.get(peer) ?? { lastBlockMs: 0, lastTxMs: 0 };
    if (kind === 'block') seen.lastBlockMs = this.clock.nowMs();
    else seen.lastTxMs = this.clock.nowMs();
    this.activity.set(peer, seen);
  }

  /** Netgroups whose last inbound session start is remembered (tests check the bound). */
  get rememberedNetgroups(): number {
    return this.lastStartMs.size;
  }

  /**
   * `peer` got an inbound slot: a session from a public netgroup that began another within
   * EVICTION_YOUNG_REPEAT_WINDOW_MS is a repeat, evictable while young (sybils reconnecting
   * every 14 s cannot keep their slots young for ever). Loopback and private addresses are exempt,
   * as from the per-address limits: every node of a local network shares them.
   */
  admitted(peer: Peer): void {
    const { classify } = this.options;
    if (classify(peer.ip) !== 'public') return;
    const group = netGroup(peer.ip, classify);
    const now = this.clock.nowMs();
    const last = this.lastStartMs.get(group);
    if (last !== undefined && now - last < EVICTION_YOUNG_REPEAT_WINDOW_MS) this.repeats.add(peer);
    setNewest(this.lastStartMs, group, now, EVICTION_YOUNG_REPEAT_KEYS);
  }

  /** One log line per refused connection: warn the first time per address and reason, then debug. */
  logRefusal(ip: string, port: number | undefined, reason: string): void {
    const level = this.refusalLog.shouldWarn(`${ip} ${reason}`) ? 'warn' : 'debug';
    this.options.logger[level]({ ip, port, reason }, 'inbound connection refused');
  }

  /** Why an inbound connection from `ip` may not have a slot (evicting someone if need be), or undefined. */
  refusal(ip: string, peers: Iterable<Peer>): string | undefined {
    const { config, bans, discouraged, classify, logger } = this.options;
    const { maxInbound, maxInboundPerIp, maxInboundPerNetgroup } = config;
    if (bans.isBanned(ip)) return 'the address is banned';
    const inbound = [...peers].filter((p) => p.direction === 'inbound');
    if (classify(ip) === 'public') {
      // Loopback is exempt: every node of a local test network shares 127.0.0.1.
      if (inbound.filter((p) => p.ip === ip).length >= maxInboundPerIp) return `already ${maxInboundPerIp} inbound connection(s) from this address (p2p.maxInboundPerIp)`;
      const group = netGroup(ip, classify);
      if (inbound.filter((p) => netGroup(p.ip, classify) === group).length >= maxInboundPerNetgroup) {
        return `already ${maxInboundPerNetgroup} inbound connection(s) from network ${group} (p2p.maxInboundPerNetgroup)`;
      }
    }
    if (inbound.length < maxInbound) return undefined;
    if (discouraged.isDiscouraged(ip)) return 'the address is discouraged (it misbehaved) and every inbound slot is taken';
    const victim = selectEvictionVictim(
      inbound.map((p) => ({
        id: p,
        netGroup: netGroup(p.ip, classify),
        pingMs: p.pingRttMs,
        lastBlockMs: this.activity.get(p)?.lastBlockMs ?? 0,
        lastTxMs: this.activity.get(p)?.lastTxMs ?? 0,
        connectedAtMs: p.connectedAtMs,
        discouraged: discouraged.isDiscouraged(p.ip),
        repeat: this.repeats.has(p),
      })),
      this.evictionKey,
      DEFAULT_EVICTION_PROTECTION,
      this.clock.nowMs() - EVICTION_MIN_AGE_MS,
    );
    if (!victim) return `all ${maxInbound} inbound slots are taken and every inbound peer is protected from eviction`;
    logger.warn({ peer: victim.label, for: ip, discouraged: discouraged.isDiscouraged(victim.ip) }, 'evicting an inbound peer to make room for a new one');
    victim.close(`evicted for a new inbound connection from ${ip}`);
    return undefined;
  }
}
