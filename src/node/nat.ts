/**
 * NAT wiring: once TCP and UDP are bound, map both ports on the home router (NatService) and
 * advertise what it grants — in discovery pings and in the TCP handshake's listen port — and
 * fall back to the local endpoint when the mapping goes away. Start-up never waits for it.
 */
import { NatService, type ExternalEndpoint, type NatState } from '../p2p/nat/index.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import type { Advertiser } from './advertise.js';
import type { NodeNatState } from './nat-state.js';

/** The part of NatService the node uses (unit tests pass a fake of it). */
export interface NatLike {
  on(event: 'endpoint', listener: (endpoint: ExternalEndpoint | undefined) => void): unknown;
  start(): Promise<NatState>;
  stop(): Promise<void>;
  state(): NatState;
}

export interface StartNodeNatOptions {
  tcpPort: number;
  /** Undefined with discovery off: the UDP mapping then uses the TCP port's number (one port, as in the tutorial). */
  udpPort: number | undefined;
  /** Decides what is advertised from the mapping and the reachability verdict. */
  advertiser: Pick<Advertiser, 'setMapping'>;
  logger: Logger;
  /** Default: a real NatService for these ports. */
  createNat?: (ports: { tcpPort: number; udpPort: number; logger: Logger }) => NatLike;
}

export interface NodeNat {
  state(): NodeNatState;
  /** Removes the mappings (bounded in time); call before closing discovery and the TCP server. */
  stop(): Promise<void>;
}

/** Starts mapping in the background and returns at once; the gateway search never delays start-up. */
export function startNodeNat(options: StartNodeNatOptions): NodeNat {
  const { tcpPort, advertiser, logger } = options;
  const udpPort = options.udpPort ?? tcpPort;
  const log = logger.child({ component: 'node' });
  const nat = options.createNat?.({ tcpPort, udpPort, logger }) ?? new NatService({ tcpPort, udpPort, logger });
  let searching = true;

  // Subscribed before start(): the first endpoint can be announced as start() resolves.
  nat.on('endpoint', (endpoint) => advertiser.setMapping(endpoint));
  void nat
    .start()
    .catch((err: unknown) => log.warn({ reason: errorMessage(err) }, 'NAT port mapping failed; inbound peers can reach this node only if its port is forwarded by hand'))
    .finally(() => {
      searching = false;
    });
  return {
    state: () => ({ ...nat.state(), searching }),
    stop: () => nat.stop(),
  };
}
