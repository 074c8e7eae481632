/**
 * Constants of the address manager (Bitcoin Core's addrman.h and its anchors.dat, scaled down:
 * Core keeps 65,536 new and 16,384 tried slots for thousands of peers; this network has tens).
 */

/** Buckets of the "new" table (heard-of addresses). Core: 1024. */
export const NEW_BUCKET_COUNT = 64;
/** Addresses per bucket, both tables (Core: 64). 64 × 16 = 1024 new addresses. */
export const BUCKET_SIZE = 16;
/**
 * A source's network group lands its addresses in at most this many new buckets (Core: 64 of
 * 1024): one gossiping /16 can fill at most 8 × 16 = 128 of the 1024 new slots (1/8).
 */
export const NEW_BUCKETS_PER_SOURCE_GROUP = 8;
/** Buckets of the "tried" table (addresses we completed a verified outbound handshake with). Core: 256. */
export const TRIED_BUCKET_COUNT = 16;
/** One address group fills at most this many tried buckets (Core: 8 of 256): 4 × 16 = 64 of 256. */
export const TRIED_BUCKETS_PER_GROUP = 4;
/** Bytes of the secret per-node bucketing key (kept in peers.json), so outsiders cannot aim at a bucket. */
export const BUCKET_KEY_BYTES = 32;

/** Core's ADDRMAN_HORIZON: an address not heard of for this long is terrible. */
export const HORIZON_MS = 30 * 24 * 60 * 60 * 1000;
/** Core's ADDRMAN_RETRIES: an address that never worked is terrible after this many failed tries. */
export const RETRIES_WITHOUT_SUCCESS = 3;
/** Core's ADDRMAN_MAX_FAILURES: an address that once worked is terrible after this many failures… */
export const MAX_FAILURES = 10;
/** …when its last success is older than this (Core's ADDRMAN_MIN_FAIL, 7 days). */
export const MIN_FAIL_MS = 7 * 24 * 60 * 60 * 1000;
/** A "last seen" this far in the future is a lie (Core: 10 minutes); the entry is terrible. */
export const MAX_FUTURE_LAST_SEEN_MS = 10 * 60 * 1000;
/** Nothing tried within this time counts as terrible (Core: 1 minute): a dial may still be under way. */
export const RECENT_TRY_GRACE_MS = 60 * 1000;
/** A try within this time makes an address 100× less likely to be picked again (Core: 10 minutes). */
export const RECENT_TRY_PENALTY_MS = 10 * 60 * 1000;
/** Factor of that penalty (Core: 0.01). */
export const RECENT_TRY_CHANCE = 0.01;
/** Each failed attempt multiplies the chance by this (Core: 0.66)… */
export const FAILED_ATTEMPT_CHANCE = 0.66;
/** …for at most this many attempts (Core: 8), so a long-failing address still gets a rare try. */
export const MAX_PENALISED_ATTEMPTS = 8;
/**
 * A tried entry that worked within this time is not pushed out of a full tried bucket by a
 * newcomer (Core's test-before-evict keeps an entry that answers; 4 hours as Core's
 * ADDRMAN_REPLACEMENT). Older ones go back to the new table to make room.
 */
export const TRIED_REPLACEMENT_MS = 4 * 60 * 60 * 1000;
/** lastSeen is refreshed at most this often for an address we keep hearing of (Core: 1 hour update interval for old ones). */
export const LAST_SEEN_UPDATE_INTERVAL_MS = 60 * 60 * 1000;

/** Outbound peers remembered at clean stop and dialled first at start (Core: 2 block-relay-only anchors). */
export const MAX_ANCHORS = 2;
/** An anchor is dialled this many times (at most one per dial round) before we give up on it. */
export const ANCHOR_DIAL_ROUNDS = 3;
/**
 * An anchor offered this many dial rounds without being dialled (its /16 stays used by another
 * outbound peer, or it is discouraged) is given up too, so it does not hold an outbound slot
 * of the table's picks for ever: 30 rounds of 10 s are 5 minutes.
 */
export const ANCHOR_OFFER_ROUNDS = 30;

/**
 * Discovery's nodes the peer source draws its random dial candidates from, most recently seen
 * first: a bound on the work per dial round (a routing table rarely holds more than a few hundred).
 */
export const DISCOVERY_CANDIDATES = 256;

/** peers.json is written this often (Core dumps peers.dat every 15 minutes) and at stop. */
export const PEERS_SAVE_INTERVAL_MS = 15 * 60 * 1000;
/**
 * peers.json larger than this is refused unread: 1280 entries of ~300 bytes of JSON are ~400 kB,
 * so 4 MiB leaves room for formatting while a hand-edited huge file cannot exhaust memory.
 */
export const MAX_PEERS_FILE_BYTES = 4 * 1024 * 1024;
/** anchors.json holds two entries (~300 bytes); a larger one is refused unread. */
export const MAX_ANCHORS_FILE_BYTES = 64 * 1024;
export const PEERS_FILE_NAME = 'peers.json';
export const ANCHORS_FILE_NAME = 'anchors.json';
/** Format version of peers.json and anchors.json; another version is treated as unreadable. */
export const ADDRMAN_FILE_VERSION = 1;
/** Like the wallet: the peer table says whom we talk to, which is nobody else's business. */
export const ADDRMAN_FILE_MODE = 0o600;
