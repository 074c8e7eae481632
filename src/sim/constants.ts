/** Constants of the simulator (src/sim/); the network model's knobs are in network.ts DEFAULT_NETWORK_MODEL. */

/** How often every attacker node re-pings the victim (bonding offers it their ids again and again). */
export const ATTACK_PING_INTERVAL_MS = 30_000;

/** UDP header (8) + IPv4 header (20): what a datagram costs on the wire besides its payload. */
export const UDP_OVERHEAD_BYTES = 28;

/** A NAT's mapping table is swept of expired entries when it grows past this. */
export const NAT_SWEEP_AT_ENTRIES = 256;

/** Every simulated node listens on the discv4 default port (one node per address, as on the internet). */
export const SIM_UDP_PORT = 30303;
export const SIM_TCP_PORT = 8333;

/** The peer set's target (src/p2p/constants.ts DEFAULT_MAX_OUTBOUND_PEERS): "joined" = this many table entries. */
export const HEALTHY_TABLE_ENTRIES = 8;

/**
 * Proof-of-work bits of the simulated chain: about every other hash meets them, so mining a
 * block costs a couple of hashes while the relay's PoW checks still run for real.
 */
export const SIM_POW_BITS = 0x207fffff;

/**
 * Time a stand-in chain takes to validate and connect a block before it is announced (design.md:
 * a hop in < 10 ms; the model used the same 5 ms, so the two are comparable). Compact blocks to
 * high-bandwidth peers go out before it (compact-relay.ts relayEarly).
 */
export const SIM_BLOCK_VALIDATE_MS = 5;

/** Time a stand-in mempool takes to admit a tx before 'tx:added' (the model's 0.5 ms). */
export const SIM_TX_VALIDATE_MS = 0.5;

/** Encoded size of a simulated tx with one input and no outputs: version 4 + counts 2 + input (32 + 4 + 1 + 33 + 1 + 64). */
export const SIM_TX_BASE_BYTES = 141;
/** Each output: amount 8 + pubKeyHash 20. */
export const SIM_TX_OUTPUT_BYTES = 28;

/** TCP (20) + IPv4 (20) headers: what a simulated TCP write or FIN costs on the wire besides its payload. */
export const TCP_SEGMENT_OVERHEAD_BYTES = 40;

/** node:net's default writable high-water mark: a write above it returns false, 'drain' follows. */
export const SIM_TCP_HIGH_WATER_BYTES = 16 * 1024;

/** Local ports of outgoing simulated connections start here (the IANA dynamic range). */
export const SIM_EPHEMERAL_PORT_MIN = 49_152;

/** Header (84) + tx count + a coinbase (~90): a block's bytes besides its txs (how many txs a block of N bytes holds). */
export const SIM_BLOCK_FIXED_BYTES = 180;
/** A propagation run checks its progress this often (virtual ms). */
export const PROPAGATION_STEP_MS = 100;
/** A run ends when no node got the item for this long (the rest are not connected to it). */
export const PROPAGATION_QUIET_MS = 3_000;
/** After the last arrival, the run goes on this long so late duplicates are counted. */
export const PROPAGATION_TAIL_MS = 500;
/** A run never lasts longer than this (virtual ms). */
export const PROPAGATION_TIMEOUT_MS = 60_000;

/** An inv item on the wire: type 1 + hash 32 (what RelayPropagation counts per announced item). */
export const SIM_INV_ITEM_BYTES = 33;

/**
 * Node's Buffer pool size while a simulation runs (Buffer.poolSize; Node's default is 8 KiB): 0 =
 * every small Buffer gets an ArrayBuffer of its own. A Buffer under 4 KiB (a 32-byte node id from
 * sha256, a handshake's genesis hash, an id in the announcer's ping list) is a slice of a shared
 * 8 KiB slab, and one long-lived slice keeps the whole slab alive: in one process holding
 * thousands of nodes, long- and short-lived buffers of different nodes interleave in every slab,
 * so slabs were ~half of the memory (371 MB of ArrayBuffers beside a 347 MB heap at 1,000 nodes ×
 * 60 s; 1 MB instead of 41 MB at 300 nodes × 30 s, same events, no more CPU).
 */
export const SIM_BUFFER_POOL_BYTES = 0;
