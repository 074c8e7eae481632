import { disabledNatState } from '../p2p/nat/disabled-state.js';
import type { NatState } from '../p2p/nat/types.js';

/** What `getinfo` / `cli nat` show: the NAT state, plus whether the gateway search still runs. */
export interface NodeNatState extends NatState {
  /** True while start() is still looking for a gateway (≤ ~2 s after start). */
  readonly searching: boolean;
}

/** getinfo's view when NAT mapping is off (`--no-upnp`, conf `nat.upnp: false`). */
export function disabledNodeNatState(): NodeNatState {
  return { ...disabledNatState(), searching: false };
}
