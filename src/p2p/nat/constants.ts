/** How long start() may spend looking for a gateway per protocol before moving on. */
export const NAT_DISCOVERY_TIMEOUT_MS = 2_000;
/** Upper bound on one mapping request (SOAP or NAT-PMP round trip) once a gateway answered. */
export const NAT_REQUEST_TIMEOUT_MS = 3_000;
/** Upper bound on the whole clean-shutdown unmapping, so stop() never hangs on a dead router. */
export const NAT_STOP_TIMEOUT_MS = 3_000;
/** Requested lease; routers that only do permanent mappings are asked for 0 (= no expiry). */
export const NAT_DEFAULT_LEASE_SEC = 3_600;
/** Renew when this fraction of the lease has passed: early enough to survive one failed attempt. */
export const NAT_RENEW_AT_LEASE_FRACTION = 0.6;
/** After a failed renewal, retry this soon (capped by what remains of the lease). */
export const NAT_RENEW_RETRY_MS = 60_000;
/** How many external ports (wanted, wanted+1, …) to try when the router says a port is taken. */
export const NAT_PORT_ATTEMPTS = 5;
export const NAT_MAPPING_DESCRIPTION = 'kadchain';
/** NAT-PMP and PCP servers listen here on the default gateway (RFC 6886). */
export const NATPMP_SERVER_PORT = 5351;

export const NO_GATEWAY_MESSAGE =
  'no UPnP/NAT-PMP gateway found; inbound peers can reach this node only if its port is forwarded by hand';
