/** Constants of who may hold a session with us: bans and discouragement, inbound limits per address and netgroup, inbound eviction. */

export const DEFAULT_BAN_DURATION_MS = 60 * 60 * 1000;
/** Inbound connections from one IP (loopback exempt): one host cannot take every slot. */
export const DEFAULT_MAX_INBOUND_PER_IP = 4;
/** Inbound connections from one /16 (IPv4) or /32 (IPv6) (loopback exempt): what an attacker's addresses cost. */
export const DEFAULT_MAX_INBOUND_PER_NETGROUP = 8;
/** How long a misbehaving address stays discouraged (Bitcoin Core's filter is reset about daily too). */
export const DEFAULT_DISCOURAGE_DURATION_MS = 24 * 60 * 60 * 1000;
/** Discouraged keys remembered; the oldest is forgotten first (Bitcoin Core's rolling filter holds 50 000). */
export const MAX_DISCOURAGED_ENTRIES = 50_000;
/** Manual bans held: an operator's list, so a generous bound that still caps memory and the file. */
export const MAX_BAN_ENTRIES = 10_000;
/**
 * Inbound eviction (Bitcoin Core's AttemptToEvictConnection): peers protected from eviction by
 * distinct netgroup, lowest ping, latest block and latest tx; then half of the rest by uptime.
 */
export const EVICTION_PROTECT_NETGROUPS = 4;
export const EVICTION_PROTECT_PING = 8;
export const EVICTION_PROTECT_BLOCK = 4;
export const EVICTION_PROTECT_TX = 4;
/**
 * An inbound peer connected for less than this is not evicted: a full node refuses the newcomer
 * instead (it dials elsewhere and leaves this address alone, EARLY_CLOSE_COOLDOWN_MS). Core has
 * no such rule; without it every new dial to a full node evicted its youngest peer — usually the
 * last newcomer — which redialled and evicted someone else: in the simulator evictions were the
 * commonest reason a session ended (docs/scale.md defect 9). 15 s against 60 s, 200 simulated
 * nodes: 60 s ended evictions but refused so many joiners that they took longer to fill their
 * slots (p50 6.2 s, p90 17 s) than with no rule; 15 s halved evictions and cut p90 to 9.5 s.
 */
export const EVICTION_MIN_AGE_MS = 15_000;
/**
 * An inbound session from a public netgroup that began another less than this before gets no
 * young-peer grace (EVICTION_MIN_AGE_MS): sybils that close and reopen every 14 s would otherwise
 * keep every unprotected slot young, never evictable, and a full node would refuse every honest
 * newcomer for ever. 5 min, as EARLY_CLOSE_COOLDOWN_MS: an honest node closed early redials no
 * sooner, so only a second node of the same /16 within 5 min loses the grace (and is evictable, as in Core).
 */
export const EVICTION_YOUNG_REPEAT_WINDOW_MS = 5 * 60 * 1000;
/** Netgroups whose last inbound session start is remembered (the least recent forgotten first): flushing it takes 1,000 /16s. */
export const EVICTION_YOUNG_REPEAT_KEYS = 1_000;
/** The secret salt of eviction's netgroup ranking: 256 bits, as sha256 gives, so it cannot be guessed. */
export const EVICTION_KEY_BYTES = 32;
