import { upnpNat, type Gateway, type MapPortOptions } from '@achingbrain/nat-port-mapper';
import type { Logger } from '../../util/logger.js';
import { errorMessage } from '../../util/errors.js';
import { NAT_REQUEST_TIMEOUT_MS } from './constants.js';
import { NatError } from './errors.js';
import { localAddressToward } from './local-address.js';
import { deadlineSignal } from './timeout.js';
import type { MapRequest, MapResult, PortMapper, PortMapperFactory, UnmapRequest } from './types.js';

const WAN_IP_CONNECTION_2 = 'urn:schemas-upnp-org:service:WANIPConnection:2';
/** @achingbrain/nat-port-mapper rounds every UPnP lease up to an hour (and 0 to an hour). */
const LIBRARY_MIN_LEASE_SEC = 3_600;

/** The gateway object's SOAP device (a private field of the library's gateway class). */
interface SoapDevice {
  run(service: string, action: string, args: Array<[string, string | number]>, options?: { signal?: AbortSignal }): Promise<unknown>;
}

function soapDeviceOf(gateway: Gateway): SoapDevice | undefined {
  const inner: unknown = Reflect.get(gateway, 'gateway');
  if (typeof inner !== 'object' || inner === null || typeof Reflect.get(inner, 'run') !== 'function') return undefined;
  return inner as SoapDevice;
}

function wrap(action: string, err: unknown): NatError {
  if (err instanceof NatError) return err;
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  return timedOut
    ? new NatError('nat-timeout', `UPnP IGDv2 ${action} got no answer in time.`, { cause: err })
    : new NatError('nat-mapping-refused', `UPnP IGDv2 ${action} failed: ${errorMessage(err)}.`, { cause: err });
}

/** UPnP IGDv2 (WANIPConnection:2, AddAnyPortMapping: the router picks a free port) via @achingbrain/nat-port-mapper. */
class Igdv2Mapper implements PortMapper {
  readonly protocol = 'upnp-igdv2';
  private readonly closing = new AbortController();

  constructor(
    private readonly gateway: Gateway,
    private readonly localAddress: string,
    private readonly requestTimeoutMs: number,
  ) {}

  private async call<T>(action: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = deadlineSignal(this.requestTimeoutMs, this.closing.signal);
    try {
      return await work(deadline.signal);
    } catch (err) {
      throw wrap(action, err);
    } finally {
      deadline.dispose();
    }
  }

  async externalIp(): Promise<string> {
    return this.call('GetExternalIPAddress', (signal) => this.gateway.externalIp({ signal }));
  }

  async map(request: MapRequest): Promise<MapResult> {
    const mapping = await this.call('AddAnyPortMapping', (signal) => {
      const options: MapPortOptions = {
        externalPort: request.externalPort,
        protocol: request.protocol,
        ttl: request.ttlSec * 1000, // this library takes ms for UPnP
        description: request.description,
        autoRefresh: false, // NatService renews; the library's timers would outlive stop()
        signal,
      };
      return this.gateway.map(request.internalPort, this.localAddress, options);
    });
    return { externalPort: mapping.externalPort, leaseSec: Math.max(request.ttlSec, LIBRARY_MIN_LEASE_SEC) };
  }

  async unmap(request: UnmapRequest): Promise<void> {
    // The library's unmap() deletes "external port = internal port, protocol ''", which misses a
    // mapping the router moved to another port; send the exact DeletePortMapping instead.
    const device = soapDeviceOf(this.gateway);
    await this.call('DeletePortMapping', async (signal) => {
      if (!device) return this.gateway.unmap(request.internalPort, { signal });
      const args: Array<[string, string | number]> = [
        ['NewRemoteHost', ''],
        ['NewExternalPort', request.externalPort],
        ['NewProtocol', request.protocol],
      ];
      await device.run(WAN_IP_CONNECTION_2, 'DeletePortMapping', args, { signal });
    });
  }

  async close(): Promise<void> {
    // No sockets stay open (SSDP ended with discovery; SOAP uses fetch). gateway.stop() is not
    // called: it would repeat the library's inexact unmapping.
    this.closing.abort();
  }
}

export interface Igdv2FactoryOptions {
  logger: Logger;
  requestTimeoutMs?: number;
}

/** SSDP search for an InternetGatewayDevice:2 (the library ignores IGDv1 devices). */
export function igdv2MapperFactory(options: Igdv2FactoryOptions): PortMapperFactory {
  const log = options.logger;
  return {
    protocol: 'upnp-igdv2',
    async discover({ timeoutMs, signal }) {
      const client = upnpNat({ autoRefresh: false });
      const search = deadlineSignal(timeoutMs, signal);
      try {
        for await (const gateway of client.findGateways({ signal: search.signal })) {
          if (gateway.family !== 'IPv4') continue;
          const localAddress = await localAddressToward(gateway.host, gateway.port);
          return new Igdv2Mapper(gateway, localAddress, options.requestTimeoutMs ?? NAT_REQUEST_TIMEOUT_MS);
        }
      } catch (err) {
        log.debug({ err: errorMessage(err) }, 'UPnP IGDv2 discovery failed');
      } finally {
        search.dispose();
      }
      throw new NatError('nat-no-gateway', `no UPnP IGDv2 gateway answered within ${timeoutMs} ms.`);
    },
  };
}
