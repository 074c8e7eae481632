import { EventEmitter } from 'node:events';
import type { Logger } from '../../util/logger.js';
import { errorMessage } from '../../util/errors.js';
import {
  NAT_DEFAULT_LEASE_SEC,
  NAT_DISCOVERY_TIMEOUT_MS,
  NAT_MAPPING_DESCRIPTION,
  NAT_PORT_ATTEMPTS,
  NAT_RENEW_AT_LEASE_FRACTION,
  NAT_RENEW_RETRY_MS,
  NAT_STOP_TIMEOUT_MS,
  NO_GATEWAY_MESSAGE,
} from './constants.js';
import { NatError } from './errors.js';
import { isNonPublicIPv4 } from './ip-class.js';
import { defaultPortMapperFactories } from './mappers.js';
import { type ActiveMapping, type MappedGateway, type MappingPolicy, expiryOf, mapNodePorts } from './port-mapping.js';
import { type NatScheduler, realScheduler } from './scheduler.js';
import { withTimeout } from './timeout.js';
import type { ExternalEndpoint, NatState, PortMapper, PortMapperFactory } from './types.js';

export interface NatServiceOptions {
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly logger: Logger;
  /** Tried in this order; default: nat-upnp (IGDv1), IGDv2, NAT-PMP. */
  readonly mappers?: readonly PortMapperFactory[];
  readonly nowMs?: () => number;
  readonly scheduler?: NatScheduler;
  /** Requested lease; 0 for routers that only do permanent mappings. */
  readonly leaseSec?: number;
  readonly discoveryTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly portAttempts?: number;
  readonly description?: string;
}

export interface NatEvents {
  /** The endpoint to advertise changed; undefined = not reachable from outside any more. */
  endpoint: [endpoint: ExternalEndpoint | undefined];
}

interface Active extends MappedGateway {
  readonly mapper: PortMapper;
}

/**
 * Maps the node's TCP and UDP ports on the home router, keeps the mappings alive and removes
 * them on a clean stop. Never throws for a missing or unwilling router: the node then runs
 * outbound-only and says so in one info line.
 */
export class NatService extends EventEmitter<NatEvents> {
  private readonly log: Logger;
  private readonly nowMs: () => number;
  private readonly scheduler: NatScheduler;
  private readonly policy: MappingPolicy;
  private readonly factories: readonly PortMapperFactory[];
  private readonly abort = new AbortController();
  private active: Active | undefined;
  private renewal: { cancel(): void } | undefined;
  private phase: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private starting: Promise<NatState> | undefined;
  private renewing: Promise<void> | undefined;
  /** Last endpoint announced through 'endpoint'. */
  private announced: ExternalEndpoint | undefined;

  constructor(private readonly options: NatServiceOptions) {
    super();
    this.log = options.logger.child({ component: 'nat' });
    this.nowMs = options.nowMs ?? Date.now;
    this.scheduler = options.scheduler ?? realScheduler;
    this.factories = options.mappers ?? defaultPortMapperFactories({ logger: this.log });
    this.policy = {
      leaseSec: options.leaseSec ?? NAT_DEFAULT_LEASE_SEC,
      portAttempts: options.portAttempts ?? NAT_PORT_ATTEMPTS,
      description: options.description ?? NAT_MAPPING_DESCRIPTION,
      nowMs: this.nowMs,
    };
  }

  /** Finds a gateway, maps both ports, schedules renewal. Resolves (never rejects) with the state. */
  start(): Promise<NatState> {
    if (this.phase !== 'new') throw new NatError('nat-already-started', 'the NAT service was already started; create a new one to start again.');
    this.phase = 'starting';
    this.starting = this.run();
    return this.starting;
  }

  private async run(): Promise<NatState> {
    const startedMs = this.nowMs();
    const active = await this.findAndMap();
    if (this.phase !== 'starting') {
      if (active) await this.release(active);
      return this.state();
    }
    this.phase = 'running';
    if (!active) {
      this.log.info(NO_GATEWAY_MESSAGE);
      return this.state();
    }
    this.active = active;
    const ports = active.mappings.map((m) => `${m.protocol} ${m.internal}->${m.external}`).join(', ');
    if (active.doubleNat) {
      this.log.info(
        { protocol: active.mapper.protocol, externalIp: active.externalIp, ports },
        `double NAT: the router's external address ${active.externalIp} is itself private, so this node is not advertised as reachable; forward the port on the outer router by hand`,
      );
    } else {
      this.log.info({ protocol: active.mapper.protocol, ports, tookMs: this.nowMs() - startedMs }, `mapped ports on the router; reachable at ${active.externalIp}`);
    }
    this.scheduleRenewal();
    this.announce();
    return this.state();
  }

  /** All discoveries run at once (start-up waits for the slowest only); results are used in preference order. */
  private async findAndMap(): Promise<Active | undefined> {
    const timeoutMs = this.options.discoveryTimeoutMs ?? NAT_DISCOVERY_TIMEOUT_MS;
    const discoveries = this.factories.map((factory) => factory.discover({ timeoutMs, signal: this.abort.signal }));
    discoveries.forEach((p) => p.catch(() => undefined));
    let chosen: Active | undefined;
    for (const [index, discovery] of discoveries.entries()) {
      const protocol = this.factories[index]?.protocol;
      let mapper: PortMapper;
      try {
        mapper = await discovery;
      } catch (err) {
        this.log.debug({ protocol, reason: errorMessage(err) }, 'no gateway for this protocol');
        continue;
      }
      if (chosen || this.abort.signal.aborted) {
        await mapper.close();
        continue;
      }
      try {
        chosen = { mapper, ...(await mapNodePorts(mapper, this.options, this.policy)) };
        this.abort.abort(); // the remaining discoveries are no longer needed
      } catch (err) {
        this.log.debug({ protocol, reason: errorMessage(err) }, 'gateway did not map the ports');
        await mapper.close();
      }
    }
    return chosen;
  }

  private scheduleRenewal(delayMs?: number): void {
    this.renewal?.cancel();
    this.renewal = undefined;
    const leases = (this.active?.mappings ?? []).map((m) => m.leaseSec).filter((sec) => sec > 0);
    if (this.phase !== 'running' || leases.length === 0) return;
    const due = delayMs ?? Math.min(...leases) * 1000 * NAT_RENEW_AT_LEASE_FRACTION;
    this.renewal = this.scheduler.schedule(() => {
      this.renewing = this.renew();
    }, due);
  }

  private async renew(): Promise<void> {
    const active = this.active;
    if (!active || this.phase !== 'running') return;
    try {
      const externalIp = await active.mapper.externalIp();
      const renewed: ActiveMapping[] = [];
      for (const m of active.mappings) {
        const result = await active.mapper.map({ protocol: m.protocol, internalPort: m.internal, externalPort: m.external, ttlSec: this.policy.leaseSec, description: this.policy.description });
        renewed.push({ ...m, external: result.externalPort, leaseSec: result.leaseSec, leaseExpiresAt: expiryOf(result.leaseSec, this.nowMs()) });
      }
      if (this.phase !== 'running') return;
      this.active = { ...active, externalIp, doubleNat: isNonPublicIPv4(externalIp), mappings: renewed };
      this.log.debug({ externalIp }, 'renewed port mappings');
      this.scheduleRenewal();
    } catch (err) {
      if (this.phase !== 'running') return;
      const remainingMs = Math.min(...active.mappings.map((m) => (m.leaseExpiresAt ?? Infinity) - this.nowMs()));
      this.log.warn({ reason: errorMessage(err), leaseRemainingSec: Math.max(0, Math.round(remainingMs / 1000)) }, 'could not renew the port mappings; will retry');
      this.scheduleRenewal(Math.min(NAT_RENEW_RETRY_MS, Math.max(remainingMs / 2, NAT_RENEW_RETRY_MS / 10)));
    }
    this.announce();
  }

  /** Emits 'endpoint' when what peers should dial has changed (or stopped being dialable). */
  private announce(): void {
    const endpoint = this.phase === 'running' ? this.externalEndpoint() : undefined;
    if (sameEndpoint(endpoint, this.announced)) return;
    this.announced = endpoint;
    this.emit('endpoint', endpoint);
  }

  /** Removes the mappings (clean shutdown) and closes the client; bounded in time. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    const wasStarting = this.phase === 'starting';
    this.phase = 'stopped';
    this.abort.abort();
    this.renewal?.cancel();
    const stopTimeoutMs = this.options.stopTimeoutMs ?? NAT_STOP_TIMEOUT_MS;
    if (wasStarting) await withTimeout<unknown>(this.starting ?? Promise.resolve(), stopTimeoutMs, 'NAT start-up').catch(() => undefined);
    await this.renewing?.catch(() => undefined);
    const active = this.active;
    this.active = undefined;
    if (active) {
      await this.release(active);
      this.log.info({ ports: active.mappings.map((m) => `${m.protocol} ${m.external}`).join(', ') }, 'removed port mappings from the router');
    }
  }

  private async release(active: Active): Promise<void> {
    const stopTimeoutMs = this.options.stopTimeoutMs ?? NAT_STOP_TIMEOUT_MS;
    const unmapAll = (async () => {
      for (const m of active.mappings) {
        await active.mapper.unmap({ protocol: m.protocol, internalPort: m.internal, externalPort: m.external }).catch((err: unknown) => {
          this.log.warn({ protocol: m.protocol, port: m.external, reason: errorMessage(err) }, 'could not remove a port mapping; the router drops it when its lease ends');
        });
      }
    })();
    await withTimeout(unmapAll, stopTimeoutMs, 'removing the port mappings').catch((err: unknown) => this.log.warn({ reason: errorMessage(err) }, 'gave up removing port mappings'));
    await active.mapper.close();
  }

  /** The endpoint peers outside can dial, or undefined (no mapping, double NAT, lease lapsed). */
  externalEndpoint(): ExternalEndpoint | undefined {
    const active = this.active;
    if (!active || active.doubleNat) return undefined;
    const now = this.nowMs();
    const live = (protocol: 'TCP' | 'UDP'): ActiveMapping | undefined =>
      active.mappings.find((m) => m.protocol === protocol && (m.leaseExpiresAt === undefined || m.leaseExpiresAt > now));
    const tcp = live('TCP');
    const udp = live('UDP');
    return tcp && udp ? { ip: active.externalIp, tcpPort: tcp.external, udpPort: udp.external } : undefined;
  }

  state(): NatState {
    const active = this.active;
    const now = this.nowMs();
    const endpoint = this.externalEndpoint();
    return {
      enabled: true,
      gatewayFound: active !== undefined,
      protocol: active?.mapper.protocol,
      externalIp: active?.externalIp,
      mappedPorts: (active?.mappings ?? [])
        .filter((m) => m.leaseExpiresAt === undefined || m.leaseExpiresAt > now)
        .map((m) => ({ protocol: m.protocol, internal: m.internal, external: m.external, leaseExpiresAt: m.leaseExpiresAt })),
      doubleNat: active?.doubleNat ?? false,
      reachable: endpoint !== undefined,
      externalEndpoint: endpoint,
    };
  }
}

function sameEndpoint(a: ExternalEndpoint | undefined, b: ExternalEndpoint | undefined): boolean {
  return a?.ip === b?.ip && a?.tcpPort === b?.tcpPort && a?.udpPort === b?.udpPort;
}
