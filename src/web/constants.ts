/** Paths of the status page: the page itself and its live feed. */
export const WS_PATH = '/ws';

/** Browser tabs and scripts watching at once: each holds a socket and a send buffer; 64 is plenty for one person's node. */
export const WS_MAX_CLIENTS = 64;
/**
 * Clients from one IP address (IPv6: one /64, what one host is usually given). Without it one
 * address answering pings holds all 64 slots. 8 is more tabs of the page than one person keeps
 * open; loopback gets the same cap, since a local script is no more a person than a remote one.
 */
export const WS_MAX_CLIENTS_PER_IP = 8;
/**
 * Slots only loopback clients may take: the owner's own browser is on loopback (the default
 * rpcHost), and with rpcHost beyond loopback strangers from 7 addresses (7 × 8 = 56) could
 * otherwise fill the rest and lock the owner out of their own page. Equal to the per-IP cap.
 */
export const WS_LOOPBACK_RESERVED_CLIENTS = 8;
/** Every request a client may send is a small JSON object ({"id":1,"op":"block","hash":"…"}): 4 KiB leaves room and no more. */
export const WS_MAX_PAYLOAD_BYTES = 4 * 1024;
/** A client whose unsent data passes this is not reading (a frozen tab, a stalled link): it is dropped rather than queue events without bound. */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * Cost units a client may spend per second on average. A request costs what it makes the node do
 * (cost.ts): a plain one (status, peers, pool, a cached page of blocks) is 1 unit; block reads,
 * decodes and address scans cost more. The page spends a handful per event; more is a script.
 */
export const WS_REQUESTS_PER_SEC = 20;
/**
 * Cost units a client may spend at once: the page's first load (status, blocks, pool, peers and a
 * detail view) is ~15-35 units; and it must hold the dearest single request (a full 1 MB block,
 * 21 units), or that block could never be shown.
 */
export const WS_REQUEST_BURST = 40;
/**
 * Cost units per second all clients that are not on loopback share, and at once. Each client's own
 * budget bounds one client; this bounds strangers together (8 per address from many addresses
 * could otherwise keep the main thread busy with full-block views: one unit is ~5 ms of it).
 * 60/s is ~3 clients at full rate; the owner's own page on loopback is never charged to it.
 */
export const WS_REMOTE_COST_UNITS_PER_SEC = 60;
export const WS_REMOTE_COST_BURST = 120;
/** A request's base cost: parsing it and building a small answer. */
export const WS_REQUEST_COST_UNITS = 1;
/** Block summaries a `blocks` request may read from the store (not already cached) per extra cost unit: each is a read of the whole stored block. */
export const WS_SUMMARIES_PER_COST_UNIT = 10;
/** Bytes of a block a `block` or `tx` request decodes and turns into views, per extra cost unit (~3-4 ms of the main thread per 50 kB here). */
export const WS_BLOCK_BYTES_PER_COST_UNIT = 50_000;
/** Extra cost of an `address` request: it scans every coin of the address (twice) and the mempool; a mining address has one coin per block mined. */
export const WS_ADDRESS_COST_UNITS = 20;
/** Address views kept until the tip or the mempool changes (address-cache.ts): each is a page of at most 100 history rows, a few KB. */
export const WS_ADDRESS_CACHE_ENTRIES = 64;
/**
 * Requests of one client waiting for their answer. A client's requests run one at a time, so
 * several multi-MB block views never exist at once; the page sends at most ~6 together, so 16
 * leaves room, and a client sending more waits for its answers or is refused.
 */
export const WS_MAX_QUEUED_REQUESTS = 16;
/**
 * Before building the next answer, a client's unsent data must fall below WS_MAX_BUFFERED_BYTES;
 * it is checked this often...
 */
export const WS_DRAIN_POLL_MS = 20;
/** ...for at most this long: a client that has not read its last answer by then is not reading and is dropped. */
export const WS_DRAIN_WAIT_MS = 10_000;
/**
 * Refusals anyone can cause (a foreign Host or Origin, a full /ws, a rate-limited client) get one
 * warn line of each kind per this interval; the rest go to debug, counted in the next warning.
 */
export const WEB_REFUSAL_WARN_INTERVAL_MS = 60_000;
/** Requests refused for rate in a row before the client is dropped: a client that ignores the refusals is not a page. */
export const WS_MAX_REFUSED_IN_A_ROW = 100;
/** `blocks` returns at most this many summaries per request (the course's blocks?start pages the chain). */
export const WS_MAX_BLOCKS_PER_REQUEST = 100;
/** The page's mempool list: newest transactions shown. */
export const WS_POOL_NEWEST_TXS = 20;
/** Events of one kind pushed per second before they are coalesced (a sync connects thousands of blocks a second; the page needs only the latest). */
export const WS_EVENTS_PER_SEC = 20;
/** Events of one kind pushed at once before coalescing starts. */
export const WS_EVENT_BURST = 40;
/** A coalesced event goes out at most this long after the one it replaced. */
export const WS_EVENT_FLUSH_MS = 250;
/** A ping to every client this often: a dead connection (a laptop lid closed) is noticed and its slot freed. */
export const WS_PING_INTERVAL_MS = 30_000;

/** Close codes (RFC 6455 §7.4): 1008 policy violation, 1009 message too big, 1013 try again later, 1001 going away. */
export const WsClose = {
  Policy: 1008,
  TooBig: 1009,
  TryLater: 1013,
  GoingAway: 1001,
} as const;

/** Static files are revalidated on each load (ETag) so a node upgrade shows its new page at once; they are small. */
export const STATIC_CACHE_CONTROL = 'no-cache';
/** The bundled chart library only changes with the package version in its URL, but keep it short-lived anyway. */
export const VENDOR_CACHE_CONTROL = 'public, max-age=3600';
