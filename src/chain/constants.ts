/** Consensus: a block's timestamp must exceed the median of this many previous blocks (Bitcoin's rule). */
export const MEDIAN_TIME_SPAN_BLOCKS = 11;
/** Locator: this many consecutive hashes from the tip before the step starts doubling. */
export const LOCATOR_DENSE_HASHES = 10;
/** Named LMDB sub-databases we open (with headroom for later additions). */
export const LMDB_MAX_DBS = 16;
/** Headers kept by HeaderCache: a few times the median-time-past span, for a sync's run of blocks. */
export const HEADER_CACHE_ENTRIES = 64;
