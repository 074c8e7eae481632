/**
 * Target (design §4): a tx or a block reaches the end of a line of nodes in < 50 ms per hop.
 * NODE_COUNT in-process nodes on 127.0.0.1 connected 1-2-…-n with production timers (relay is
 * announcement-driven, nothing waits for a heartbeat). Each round: a tx added to node 1's
 * mempool, timed until node n's mempool has it; then a block connected on node 1, timed until
 * node n's tip is it. Per-hop latency = total ÷ (n - 1).
 */
import type { Block } from '../../src/primitives/block.js';
import type { Transaction } from '../../src/primitives/tx.js';
import { buildBlock, makeKey, outpoint, pay, spend, TEST_PARAMS } from '../helpers/fixtures.js';
import { type BenchNode, connectNodes, startBenchNode } from './bench-node.js';
import type { BenchModule } from './types.js';

const NODE_COUNT = 5;
const ROUNDS = 10;
const TARGET_PER_HOP_MS = 50;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** One item not arriving within this long fails the bench (a lost announcement, not a slow one). */
const ARRIVAL_TIMEOUT_MS = 10_000;
const FEE = 10n;

/** Resolves with the ms from `act()` until `subscribe`'s callback fires on the last node. */
function timeArrival(act: () => Promise<unknown> | void, subscribe: (done: () => void) => () => void, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let start = 0;
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      unsubscribe();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`${what} did not reach the last node within ${ARRIVAL_TIMEOUT_MS} ms`)), ARRIVAL_TIMEOUT_MS);
    const unsubscribe = subscribe(() => {
      clearTimeout(timer);
      unsubscribe();
      resolve(performance.now() - start);
    });
    start = performance.now();
    try {
      act()?.catch(fail);
    } catch (err) {
      fail(err);
    }
  });
}

function txArrival(first: BenchNode, last: BenchNode, tx: Transaction): Promise<number> {
  return timeArrival(
    () => {
      first.mempool.addTransaction(tx);
    },
    (done) => {
      const listener = (entry: { tx: Transaction }): void => {
        if (entry.tx.txid.equals(tx.txid)) done();
      };
      last.mempool.on('tx:added', listener);
      return () => last.mempool.off('tx:added', listener);
    },
    `tx ${tx.txidHex}`,
  );
}

function blockArrival(first: BenchNode, last: BenchNode, block: Block): Promise<number> {
  return timeArrival(
    () => first.chain.processBlock(block),
    (done) => {
      const listener = (connected: Block): void => {
        if (connected.hash.equals(block.hash)) done();
      };
      last.chain.on('block:connected', listener);
      return () => last.chain.off('block:connected', listener);
    },
    `block ${block.hashHex}`,
  );
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const round1 = (ms: number): number => Math.round(ms * 10) / 10;

async function run(): Promise<Record<string, unknown>> {
  const owner = makeKey();
  const payee = makeKey();
  const genesis = buildBlock({ miner: owner });
  const nodes: BenchNode[] = [];
  try {
    for (let i = 0; i < NODE_COUNT; i++) {
      const node = await startBenchNode();
      nodes.push(node);
      await node.chain.processBlock(genesis);
    }
    for (let i = 1; i < NODE_COUNT; i++) await connectNodes(nodes[i]!, nodes[i - 1]!, HANDSHAKE_TIMEOUT_MS);
    const first = nodes[0]!;
    const last = nodes[NODE_COUNT - 1]!;
    const hops = NODE_COUNT - 1;
    const txHopMs: number[] = [];
    const blockHopMs: number[] = [];
    // Each tx spends the change of the one before (unconfirmed parents are fine in the pool).
    let coin = { outpoint: outpoint(genesis.transactions[0]!), amount: TEST_PARAMS.blockRewardAmount };
    let tip: Block = genesis;
    for (let round = 0; round < ROUNDS; round++) {
      const change = coin.amount - 1n - FEE;
      const tx = spend(owner, [coin.outpoint], [pay(payee, 1n), pay(owner, change)]);
      txHopMs.push((await txArrival(first, last, tx)) / hops);
      coin = { outpoint: outpoint(tx, 1), amount: change };
      tip = buildBlock({ parent: tip, miner: owner, extraData: Buffer.from(`propagation ${round}`) });
      blockHopMs.push((await blockArrival(first, last, tip)) / hops);
    }
    const txMedian = median(txHopMs);
    const blockMedian = median(blockHopMs);
    const txMax = Math.max(...txHopMs);
    const blockMax = Math.max(...blockHopMs);
    return {
      nodes: NODE_COUNT,
      rounds: ROUNDS,
      txPerHopMsMedian: round1(txMedian),
      txPerHopMsMax: round1(txMax),
      blockPerHopMsMedian: round1(blockMedian),
      blockPerHopMsMax: round1(blockMax),
      txPerHopMs: txHopMs.map(round1),
      blockPerHopMs: blockHopMs.map(round1),
      targetPerHopMs: TARGET_PER_HOP_MS,
      pass: Math.max(txMax, blockMax) < TARGET_PER_HOP_MS,
    };
  } finally {
    for (const node of nodes.reverse()) await node.stop();
  }
}

export const propagationBench: BenchModule = { name: 'propagation', run };
