/** Paths of the status page: the page itself and its live feed. */
export const WS_PATH = '/ws';

/** Browser tabs and scripts watching at once: each holds a socket and a send buffer; 64 is plenty for one person's node. */
export const WS_MAX_CLIENTS = 64;
/** Every request a client may send is a small JSON object ({"id":1,"op":"block","hash":"…"}): 4 KiB leaves room and no more. */
export const WS_MAX_PAYLOAD_BYTES = 4 * 1024;
/** A client whose unsent data passes this is not reading (a frozen tab, a stalled link): it is dropped rather than queue events without bound. */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024;
/** Requests a client may make per second on average: the page makes a handful per event; more is a script hammering the node. */
export const WS_REQUESTS_PER_SEC = 20;
/** Requests a client may make at once (the page's first load asks for status, peers, pool, blocks and a detail view). */
export const WS_REQUEST_BURST = 40;
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
