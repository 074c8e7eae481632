import natUpnp from 'nat-upnp';
import type { Client, Device, RawResponse } from 'nat-upnp';
import type { Logger } from '../../util/logger.js';
import { errorMessage } from '../../util/errors.js';
import { NAT_REQUEST_TIMEOUT_MS } from './constants.js';
import { NatError } from './errors.js';
import { withTimeout } from './timeout.js';
import type { MapRequest, MapResult, PortMapper, PortMapperFactory, UnmapRequest } from './types.js';

/** The action's response element, e.g. `u:GetExternalIPAddressResponse`. */
function responseField(response: RawResponse, action: string, field: string): string | undefined {
  const key = Object.keys(response).find((k) => k.endsWith(`:${action}Response`) || k === `${action}Response`);
  const value = key === undefined ? undefined : response[key]?.[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * UPnP IGDv1 through npm nat-upnp (WANIPConnection:1 / WANPPPConnection:1). The gateway's
 * device is looked up once and driven directly, so each call is one SOAP request, not an SSDP
 * search plus a request as with the client's convenience methods.
 */
class NatUpnpMapper implements PortMapper {
  readonly protocol = 'upnp-igdv1';
  private closed = false;

  constructor(
    private readonly client: Client,
    private readonly device: Device,
    private readonly localAddress: string,
    private readonly requestTimeoutMs: number,
  ) {}

  private run(action: string, args: Array<[string, string | number]>): Promise<RawResponse> {
    if (this.closed) return Promise.reject(new NatError('nat-closed', 'the UPnP IGDv1 mapper is closed.'));
    const work = new Promise<RawResponse>((resolve, reject) => {
      this.device.run(action, args, (err, response) => {
        if (err) reject(new NatError('nat-mapping-refused', `UPnP IGDv1 ${action} failed: ${err.message}.`, { cause: err }));
        else resolve(response ?? {});
      });
    });
    // nat-upnp's HTTP requests have no timeout of their own.
    return withTimeout(work, this.requestTimeoutMs, `UPnP IGDv1 ${action}`);
  }

  async externalIp(): Promise<string> {
    const response = await this.run('GetExternalIPAddress', []);
    const ip = responseField(response, 'GetExternalIPAddress', 'NewExternalIPAddress');
    if (ip === undefined) throw new NatError('nat-bad-external-ip', 'the UPnP IGDv1 gateway did not report an external IP address.');
    return ip;
  }

  async map(request: MapRequest): Promise<MapResult> {
    await this.run('AddPortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', request.externalPort],
      ['NewProtocol', request.protocol],
      ['NewInternalPort', request.internalPort],
      ['NewInternalClient', this.localAddress],
      ['NewEnabled', 1],
      ['NewPortMappingDescription', request.description],
      ['NewLeaseDuration', request.ttlSec],
    ]);
    // IGDv1 either grants exactly what was asked or faults (718 ConflictInMappingEntry).
    return { externalPort: request.externalPort, leaseSec: request.ttlSec };
  }

  async unmap(request: UnmapRequest): Promise<void> {
    await this.run('DeletePortMapping', [
      ['NewRemoteHost', ''],
      ['NewExternalPort', request.externalPort],
      ['NewProtocol', request.protocol],
    ]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeClient(this.client);
  }
}

/**
 * nat-upnp binds its SSDP sockets on process.nextTick after createClient(); closing before that
 * makes the deferred bind() throw ERR_SOCKET_DGRAM_NOT_RUNNING out of the tick (an uncaught
 * exception that kills the node), and a second close() throws too. So: wait one macrotask (all
 * ticks queued at creation have run by then), close once, swallow the library's throw.
 */
async function closeClient(client: Client): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  try {
    client.close();
  } catch {
    // a socket that already failed or closed: nothing left to release
  }
}

function findGateway(client: Client): Promise<{ device: Device; address: string | undefined }> {
  return new Promise((resolve, reject) => {
    client.findGateway((err: Error | null, device?: Device, address?: string) => {
      if (err || !device) reject(new NatError('nat-no-gateway', `no UPnP IGDv1 gateway answered (${err ? err.message : 'no device'}).`));
      else resolve({ device, address });
    });
  });
}

export interface NatUpnpFactoryOptions {
  logger: Logger;
  requestTimeoutMs?: number;
}

/** SSDP search for an InternetGatewayDevice:1; the mapper points mappings at the interface that heard it. */
export function natUpnpMapperFactory(options: NatUpnpFactoryOptions): PortMapperFactory {
  const log = options.logger;
  return {
    protocol: 'upnp-igdv1',
    async discover({ timeoutMs, signal }) {
      const client = natUpnp.createClient();
      let done = false;
      const aborted = new Promise<never>((_, reject) => {
        signal?.addEventListener('abort', () => reject(new NatError('nat-closed', 'UPnP IGDv1 discovery was cancelled.')), { once: true });
      });
      aborted.catch(() => undefined);
      try {
        const { device, address } = await Promise.race([withTimeout(findGateway(client), timeoutMs, 'UPnP IGDv1 discovery'), aborted]);
        if (address === undefined) throw new NatError('nat-no-gateway', 'the UPnP IGDv1 gateway answered on an interface without an address.');
        done = true;
        return new NatUpnpMapper(client, device, address, options.requestTimeoutMs ?? NAT_REQUEST_TIMEOUT_MS);
      } catch (err) {
        log.debug({ err: errorMessage(err) }, 'UPnP IGDv1 discovery failed');
        throw err instanceof NatError ? err : new NatError('nat-no-gateway', `UPnP IGDv1 discovery failed: ${errorMessage(err)}.`, { cause: err });
      } finally {
        if (!done) await closeClient(client);
      }
    },
  };
}
