import type { Logger } from '../../util/logger.js';
import { igdv2MapperFactory } from './igdv2-mapper.js';
import { natUpnpMapperFactory } from './nat-upnp-mapper.js';
import { pmpMapperFactory } from './pmp-mapper.js';
import type { PortMapperFactory } from './types.js';

/** Preference order: nat-upnp (IGDv1, the user's choice), then IGDv2, then NAT-PMP. */
export function defaultPortMapperFactories(options: { logger: Logger; requestTimeoutMs?: number }): PortMapperFactory[] {
  return [natUpnpMapperFactory(options), igdv2MapperFactory(options), pmpMapperFactory(options)];
}
