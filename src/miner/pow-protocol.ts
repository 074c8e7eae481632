/** Messages between the miner and pow-worker.js. */
export interface PowWorkerData {
  /** Int32Array[0] holds the id of the only job allowed to run; any other id aborts. */
  control: SharedArrayBuffer;
}

export interface PowJob {
  id: number;
  /** Encoded header (84 bytes). */
  header: Uint8Array;
  /** Target as 32 big-endian bytes: a hash meets it when hash <= target, compared bytewise. */
  target: Uint8Array;
  startNonce: number;
}

export type PowReply =
  | { type: 'found'; id: number; nonce: number; timestamp: number; hashes: number }
  | { type: 'aborted'; id: number; hashes: number };
