/**
 * Constants of NAT traversal (src/p2p/traversal): observed address, dial-back reachability,
 * hole punching.
 */

// ---------------------------------------------------------------------------------------------
// Decision logic: observed-address book (observed.ts) and reachability verdict (reachability.ts)
// ---------------------------------------------------------------------------------------------

/**
 * Observations kept (one per observer node id and transport), oldest evicted first. 64 is four
 * times the outbound + discovery peers that report at once, so honest reports are never pushed
 * out by normal churn, and a flood of fresh node ids costs at most 64 small entries.
 */
export const DEFAULT_MAX_OBSERVERS = 64;
/**
 * An observation older than this no longer counts: home routers change the external address
 * (DHCP lease, reconnect) about daily, and peers that still talk to us report again far sooner.
 */
export const DEFAULT_OBSERVATION_TTL_MS = 60 * 60 * 1000;
/**
 * Distinct observers that must agree on our IP before we believe it (libp2p's identify and
 * Bitcoin Core's address discovery both want more than one voice: one peer can lie or be wrong).
 */
export const MIN_AGREEING_OBSERVERS = 2;
/**
 * Distinct /16 groups the agreeing observers must span when the observers as a whole span that
 * many: peers of one network (one hoster, one attacker's /16) must not decide alone.
 */
export const MIN_AGREEING_GROUPS = 2;
/** Port samples (distinct observers) needed before a yes/no on port preservation. */
export const MIN_PORT_SAMPLES = 2;
/**
 * Fraction of samples that must show the local port unchanged for "the NAT keeps ports": one
 * clash in four (another LAN host already held the port, so the NAT picked another) is normal
 * for a port-preserving NAT and still lets hole punching work most of the time.
 */
export const MIN_PORT_PRESERVED_FRACTION = 0.75;
/** Changed-port samples needed before "the NAT changes ports" (one could be a clash or a lie). */
export const MIN_PORT_CHANGED_SAMPLES = 2;
/** Distinct peers whose dial-back must fail before we call ourselves behind a NAT. */
export const MIN_DIAL_BACK_FAILURES = 2;
/**
 * A dial-back result older than this no longer counts: a mapping, a firewall rule or the
 * address may have changed since; half the observation TTL, because this verdict is what we
 * advertise (tcpPort 0 or not) and a stale "public" wastes every peer's dials.
 */
export const DEFAULT_DIAL_BACK_RESULT_TTL_MS = 30 * 60 * 1000;
/**
 * One peer is asked for a dial-back at most this often, and a verdict backed by results this
 * young is not re-checked: each check costs the peer a TCP dial (AutoNAT's refresh is 15 min).
 */
export const DEFAULT_DIAL_BACK_RECHECK_INTERVAL_MS = 10 * 60 * 1000;
/** Dial-back results kept (latest per peer id), and peers remembered as asked; oldest first out. */
export const DEFAULT_MAX_DIAL_BACK_RESULTS = 64;
// ---------------------------------------------------------------------------------------------
