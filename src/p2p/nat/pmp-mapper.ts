import { EventEmitter } from 'node:events';
import { pmpNat, type Gateway, type MapPortOptions } from '@achingbrain/nat-port-mapper';
import type { Logger } from '../../util/logger.js';
import { errorMessage } from '../../util/errors.js';
import { NAT_DEFAULT_LEASE_SEC, NAT_REQUEST_TIMEOUT_MS, NATPMP_SERVER_PORT } from './constants.js';
import { NatError } from './errors.js';
import { defaultGatewayIPv4, localAddressToward } from './local-address.js';
import { withTimeout } from './timeout.js';
import type { MapRequest, MapResult, PortMapper, PortMapperFactory, UnmapRequest } from './types.js';

/**
 * The library's NAT-PMP client: one UDP socket on port 5350 and a request queue. autoRefresh
 * must be off globally: its unmap() is a map with lifetime 0 that would otherwise schedule a
 * "refresh" of the deletion, forever. Its socket errors are emitted as 'error' events, which
 * crash the process unless someone listens.
 */
function openGateway(gatewayIp: string, log: Logger): Gateway {
  const gateway = pmpNat(gatewayIp, { autoRefresh: false });
  if (gateway instanceof EventEmitter) gateway.on('error', (err: unknown) => log.debug({ err: errorMessage(err) }, 'NAT-PMP socket error'));
  return gateway;
}

async function stopGateway(gateway: Gateway): Promise<void> {
  try {
    await gateway.stop();
  } catch {
    // the socket already failed and closed
  }
}

function wrap(action: string, err: unknown): NatError {
  if (err instanceof NatError) return err;
  return new NatError('nat-mapping-refused', `NAT-PMP ${action} failed: ${errorMessage(err)}.`, { cause: err });
}

class PmpMapper implements PortMapper {
  readonly protocol = 'nat-pmp';
  private gateway: Gateway;

  constructor(
    private readonly gatewayIp: string,
    first: Gateway,
    private readonly localAddress: string,
    private readonly requestTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.gateway = first;
  }

  /**
   * NAT-PMP runs over UDP and the library never retransmits nor drops a request that got no
   * answer: its queue stays blocked behind it. After a timeout, start over with a fresh client.
   */
  private async call<T>(action: string, work: (gateway: Gateway) => Promise<T>): Promise<T> {
    try {
      return await withTimeout(work(this.gateway), this.requestTimeoutMs, `NAT-PMP ${action}`);
    } catch (err) {
      if (err instanceof NatError && err.code === 'nat-timeout') {
        const stale = this.gateway;
        this.gateway = openGateway(this.gatewayIp, this.log);
        await stopGateway(stale);
      }
      throw wrap(action, err);
    }
  }

  externalIp(): Promise<string> {
    return this.call('external address request', (gateway) => gateway.externalIp());
  }

  async map(request: MapRequest): Promise<MapResult> {
    // A NAT-PMP lifetime of 0 means "delete": a permanent mapping cannot be asked for.
    const leaseSec = request.ttlSec > 0 ? request.ttlSec : NAT_DEFAULT_LEASE_SEC;
    const options: MapPortOptions = {
      externalPort: request.externalPort,
      protocol: request.protocol,
      ttl: leaseSec, // the library writes this number into the packet as seconds
      autoRefresh: false,
    };
    const mapping = await this.call('map', (gateway) => gateway.map(request.internalPort, this.localAddress, options));
    return { externalPort: mapping.externalPort, leaseSec };
  }

  async unmap(request: UnmapRequest): Promise<void> {
    // The PMP gateway's unmap() takes the full map options at run time (it maps with lifetime 0);
    // without a protocol it would only ever delete the TCP mapping.
    const options: MapPortOptions = { protocol: request.protocol, externalPort: request.externalPort, autoRefresh: false };
    await this.call('unmap', (gateway) => gateway.unmap(request.internalPort, options));
  }

  async close(): Promise<void> {
    await stopGateway(this.gateway);
  }
}

export interface PmpFactoryOptions {
  logger: Logger;
  requestTimeoutMs?: number;
  /** The router to ask; default: the kernel's default IPv4 gateway. */
  gatewayIp?: () => Promise<string | undefined>;
}

/** NAT-PMP has no discovery: ask the default gateway for its external address and see if it answers. */
export function pmpMapperFactory(options: PmpFactoryOptions): PortMapperFactory {
  const log = options.logger;
  const findGatewayIp = options.gatewayIp ?? (() => defaultGatewayIPv4());
  return {
    protocol: 'nat-pmp',
    async discover({ timeoutMs, signal }) {
      const gatewayIp = await findGatewayIp();
      if (gatewayIp === undefined) throw new NatError('nat-no-gateway', 'there is no default IPv4 gateway to ask for NAT-PMP.');
      const localAddress = await localAddressToward(gatewayIp, NATPMP_SERVER_PORT);
      const gateway = openGateway(gatewayIp, log);
      const mapper = new PmpMapper(gatewayIp, gateway, localAddress, options.requestTimeoutMs ?? NAT_REQUEST_TIMEOUT_MS, log);
      const aborted = new Promise<never>((_, reject) => {
        signal?.addEventListener('abort', () => reject(new NatError('nat-closed', 'NAT-PMP discovery was cancelled.')), { once: true });
      });
      aborted.catch(() => undefined);
      try {
        await Promise.race([withTimeout(gateway.externalIp(), timeoutMs, 'NAT-PMP discovery'), aborted]);
        return mapper;
      } catch (err) {
        await mapper.close();
        log.debug({ err: errorMessage(err) }, 'NAT-PMP discovery failed');
        throw new NatError('nat-no-gateway', `no NAT-PMP gateway answered at ${gatewayIp} within ${timeoutMs} ms.`, { cause: err });
      }
    },
  };
}
