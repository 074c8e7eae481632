/** Version of the wallet file format; a file with any other version is refused, not guessed at. */
export const WALLET_FILE_VERSION = 1;
/** Owner read/write only: the file holds private keys. */
export const WALLET_FILE_MODE = 0o600;
/** Permission bits that must be clear for the file to count as private (group/other access). */
export const WALLET_FILE_LOOSE_BITS = 0o077;
/** Directory created for the wallet when it does not exist yet. */
export const WALLET_DIR_MODE = 0o700;
/** Version of a transaction the wallet builds. */
export const PAYMENT_TX_VERSION = 1;
/** Encoded size of one signed input: prevout (32 + 4), key and signature with their length bytes. */
export const SIGNED_INPUT_BYTES = 32 + 4 + 1 + 33 + 1 + 64;
/** Encoded size of one output: amount (8) and public-key hash (20). */
export const OUTPUT_BYTES = 8 + 20;
/** Version (4) and the two count varints (up to 3 bytes each for the counts a standard tx can have). */
export const TX_FIXED_BYTES = 4 + 3 + 3;
/** A key's label is a short name for people (Bitcoin Core's labels); bounded so an RPC caller cannot grow the wallet file without limit through it. */
export const WALLET_LABEL_MAX_CHARS = 100;
/**
 * Addresses whose spendable coins the coin index keeps sorted at once (least recently sent from
 * dropped first): a node's wallet sends from a few addresses; the bound keeps a caller cycling
 * through many from holding every one's coins in memory.
 */
export const COIN_INDEX_MAX_ADDRESSES = 64;
/**
 * Entries per chunk of a coin run (coin-index.ts): an insert or removal inside a chunk moves at
 * most this many, and finding the chunk is a binary search over length ÷ this chunks (30,000
 * coins: ~120 chunks), so neither end of a large run costs more than a few hundred moves.
 */
export const COIN_RUN_CHUNK_ENTRIES = 256;
