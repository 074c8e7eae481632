/**
 * The soak's load: sender loops paying between wallet addresses of every node (each address
 * sends only through the node holding its key), paced to a total rate, and a block loop mining on
 * the nodes in turn, every `raceEvery`-th round on two non-adjacent nodes at once so that
 * competing blocks (and the reorgs that settle them) happen too.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type SoakRpc, refusalCode } from './rpc-client.js';

export interface SoakAddress {
  node: number;
  address: string;
  /** The node's mining address: it gets the block rewards, so it pays out larger amounts. */
  miner: boolean;
}

export interface LoadOptions {
  rpcs: readonly SoakRpc[];
  addresses: readonly SoakAddress[];
  /** Concurrent send loops (several RPC clients at once). */
  senders: number;
  /** Total send rate the loops are paced to (they go slower if the nodes answer slower). */
  txPerSec: number;
  blockIntervalMs: number;
  raceEvery: number;
  durationMs: number;
}

export interface MinedBlock {
  node: number;
  hash: string;
  height: number;
  transactions: number;
}

export interface LoadStats {
  /** Every txid a send returned. */
  txids: string[];
  sendLatencyMs: number[];
  /** Refused sends by data.code (insufficient funds, ancestor limits…). */
  refusals: Map<string, number>;
  /** Sends and mines that failed without a refusal from the node (transport errors, timeouts). */
  failures: string[];
  blocks: MinedBlock[];
  /** Race rounds whose two blocks had the same height and different hashes. */
  competingPairs: number;
}

const rand = (n: number): number => Math.floor(Math.random() * n);
/** Ordinary addresses pay 1..10 coins, mining addresses 20..100 (they receive 1000 per block). */
function amountFor(address: SoakAddress): number {
  return address.miner ? 20 + rand(81) : 1 + rand(10);
}

export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = { txids: [], sendLatencyMs: [], refusals: new Map(), failures: [], blocks: [], competingPairs: 0 };
  const endMs = Date.now() + options.durationMs;
  const gapMs = 1000 / options.txPerSec;
  let nextSlotMs = Date.now();

  const sendLoop = async (): Promise<void> => {
    for (;;) {
      const slot = Math.max(Date.now(), nextSlotMs);
      nextSlotMs = slot + gapMs;
      if (slot >= endMs) return;
      const wait = slot - Date.now();
      if (wait > 0) await sleep(wait);
      const from = options.addresses[rand(options.addresses.length)]!;
      let to = options.addresses[rand(options.addresses.length)]!;
      if (to === from) to = options.addresses[(options.addresses.indexOf(from) + 1) % options.addresses.length]!;
      const params = { from: from.address, to: to.address, amount: String(amountFor(from)), fee: String(rand(3)) };
      const startedMs = performance.now();
      try {
        const { txid } = await options.rpcs[from.node]!.call<{ txid: string }>('send', params);
        stats.sendLatencyMs.push(performance.now() - startedMs);
        stats.txids.push(txid);
      } catch (err) {
        const code = refusalCode(err);
        if (code === undefined) stats.failures.push(`send on node ${from.node}: ${String(err)}`);
        else stats.refusals.set(code, (stats.refusals.get(code) ?? 0) + 1);
      }
    }
  };

  const mine = async (node: number): Promise<MinedBlock | undefined> => {
    try {
      const block = await options.rpcs[node]!.call<{ hash: string; height: number; transactions: number }>('mine');
      const mined = { node, ...block };
      stats.blocks.push(mined);
      return mined;
    } catch (err) {
      stats.failures.push(`mine on node ${node}: ${String(err)}`);
      return undefined;
    }
  };

  const blockLoop = async (): Promise<void> => {
    const nodes = options.rpcs.length;
    for (let round = 0; ; round++) {
      const atMs = Date.now() + options.blockIntervalMs;
      if (atMs >= endMs) return;
      await sleep(options.blockIntervalMs);
      const first = round % nodes;
      if (round % options.raceEvery !== options.raceEvery - 1) {
        await mine(first);
        continue;
      }
      // Two nodes two hops apart on the ring mine at once: each has its own block before it hears of the other's.
      const [a, b] = await Promise.all([mine(first), mine((first + 2) % nodes)]);
      if (a !== undefined && b !== undefined && a.height === b.height && a.hash !== b.hash) stats.competingPairs++;
    }
  };

  await Promise.all([blockLoop(), ...Array.from({ length: options.senders }, sendLoop)]);
  return stats;
}
