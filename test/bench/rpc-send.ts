/**
 * Target (issue #12): `send` through JSON-RPC at ≥ 2,500 tx/s with 8 concurrent keep-alive
 * clients. The node is a real process (`kadchain start`, info logs as in production), so the
 * figure includes HTTP, auth, JSON, coin selection, signing, mempool admission and logging, and
 * the client's own JSON and HTTP work runs on another core, as a wallet's would. Auto-mining is
 * kept out of the measurement (txpool.size above the number of sends): block connection is the
 * block-connect bench's figure, not this one's.
 *
 * Setup: 20 blocks mined, every mature reward (and the genesis one) fanned out with
 * sendrawtransaction into FANOUT_OUTPUTS coins of COIN_AMOUNT, confirmed in one more block; each
 * send pays 1 coin and returns 1 as change, so every send spends one confirmed coin while the
 * unconfirmed change of earlier sends piles up in the pool.
 * `RPC_SEND_PROF_DIR=dir` runs the node under --cpu-prof and leaves the profile there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CLI_BIN, EASY_POW_BITS, type NodeSetup, rpc, startNode, stopNode, waitFor } from '../integration/harness.js';
import { secp256k1IsNative } from '../../src/primitives/secp256k1.js';
import { addressToPubKeyHash } from '../../src/primitives/address.js';
import { publicKeyOf } from '../../src/primitives/secp256k1.js';
import { hash160 } from '../../src/primitives/hash.js';
import { decodeWalletWif } from '../../src/wallet/wif.js';
import { spend, type TestKey } from '../helpers/fixtures.js';
import { rawItems, rawOneCore } from './raw-rates.js';
import { KeepAliveRpc } from './rpc-client.js';
import { writeBenchSetup } from './node-process.js';
import type { BenchModule } from './types.js';
import { nodeProcessEnv } from './node-launch.js';

const TARGET_TX_PER_SEC = 2_500;
const CLIENTS = 8;
const REWARD_BLOCKS = 60;
const FANOUT_OUTPUTS = 500;
const COIN_AMOUNT = 2n;
/** Each phase sends for this long (or until the coins run out); the rate is sends ÷ elapsed time. */
const WARMUP_MS = 1_000;
const ONE_CLIENT_MS = 3_000;
const EIGHT_CLIENTS_MS = 4_000;
/** A further figure, for reference (the target is for single calls): the same 8 clients sending JSON-RPC batches of this many sends. */
const BATCH_SENDS = 25;
const BATCH_MS = 3_000;

interface Phase {
  sends: number;
  ms: number;
  txPerSec: number;
  connections: number;
  /** CPU time the node process used per send (all its threads), from /proc: much less noisy than tx/s on a shared machine. */
  nodeCpuMsPerSend?: number;
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** User + system CPU ms of process `pid` so far (undefined where /proc is not there). */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 is state; utime and stime are fields 14 and 15 (indexes 11 and 12 here).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** Runs `phase` and adds the node's CPU ms per send to its figures. */
async function withNodeCpu(pid: number | undefined, phase: () => Promise<Phase>): Promise<Phase> {
  const before = processCpuMs(pid);
  const result = await phase();
  const after = processCpuMs(pid);
  if (before === undefined || after === undefined || result.sends === 0) return result;
  return { ...result, nodeCpuMsPerSend: Math.round(((after - before) / result.sends) * 1000) / 1000 };
}

/** A node with room for every send of the run: auto-mining would need more pool txs than the run makes. */
function writeSetup(root: string): Promise<NodeSetup> {
  return writeBenchSetup(root, {
    chain: { powBits: EASY_POW_BITS, coinbaseMaturity: 1 },
    txpool: { size: 100_000, maxTxs: 100_000, maxBytes: 500_000_000 },
    p2p: { discovery: false },
  });
}

interface Unspent {
  txid: string;
  vout: number;
  amount: number;
  mature: boolean;
  confirmations: number;
}

/** Splits every mature confirmed coin of `key` into FANOUT_OUTPUTS coins, submitted raw. */
async function fanOut(setup: NodeSetup, key: TestKey): Promise<number> {
  const coins = (await rpc(setup, 'listunspent', { address: key.address })) as Unspent[];
  let made = 0;
  for (const c of coins) {
    if (!c.mature || c.confirmations === 0) continue;
    const outputs = Array.from({ length: FANOUT_OUTPUTS }, () => ({ amount: COIN_AMOUNT, pubKeyHash: key.pubKeyHash }));
    const rest = BigInt(c.amount) - COIN_AMOUNT * BigInt(FANOUT_OUTPUTS);
    if (rest < 0n) continue;
    if (rest > 0n) outputs.push({ amount: rest, pubKeyHash: key.pubKeyHash });
    const tx = spend(key, [{ txid: Buffer.from(c.txid, 'hex'), index: c.vout }], outputs);
    await rpc(setup, 'sendrawtransaction', { hexstring: tx.encode().toString('hex') });
    made += FANOUT_OUTPUTS;
  }
  return made;
}

/** `clients` callers, each sending one payment after another on its kept-alive socket, for `durationMs`. */
/**
 * Confirmed coins the phases may still spend. A phase stops early when they run out: past them the
 * wallet spends unconfirmed change, whose chains soon hit txpool.maxAncestors (a fast machine sent
 * all 30,500 within the phases' 11 s and the batch phase failed on the ancestor limit instead).
 */
interface CoinBudget {
  left: number;
}

async function runPhase(client: KeepAliveRpc, clients: number, durationMs: number, from: string, to: string, budget: CoinBudget): Promise<Phase> {
  const before = client.sockets.size;
  const start = performance.now();
  const end = start + durationMs;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end && budget.left > 0) {
        budget.left--;
        await client.call('send', { from, to, amount: 1 });
        done++;
      }
    }),
  );
  const ms = performance.now() - start;
  return { sends: done, ms: Math.round(ms), txPerSec: Math.round((done * 1000) / ms), connections: client.sockets.size - before };
}

type Cleanups = Array<() => unknown>;

/** The node as the harness starts it; returns how to stop it. */
interface Started {
  stop: () => Promise<unknown>;
  pid: number | undefined;
}

async function startQuiet(setup: NodeSetup, cleanups: Cleanups): Promise<Started> {
  const node = await startNode({ teardown: (fn) => cleanups.push(fn) }, setup, [], undefined, 'kadchain');
  return { stop: () => stopNode(node), pid: node.child.pid };
}

/** The node under --cpu-prof (Node refuses it in NODE_OPTIONS); the profile is written when it stops. */
async function startProfiled(setup: NodeSetup, profDir: string, cleanups: Cleanups): Promise<Started> {
  const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, CLI_BIN, 'start', '--config', setup.configFile], { stdio: 'ignore', env: nodeProcessEnv() });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(() => child.kill('SIGKILL'));
  await waitFor('the profiled node to answer', async () => existsSync(join(setup.dataDir, '.cookie')) && (await rpc(setup, 'getinfo').then(() => true, () => false)));
  const stop = async (): Promise<unknown> => {
    await rpc(setup, 'stop');
    return exited;
  };
  return { stop, pid: child.pid };
}

/** As runPhase, each caller posting a batch of BATCH_SENDS sends at a time; counts the sends answered with a result. */
async function runBatchPhase(client: KeepAliveRpc, clients: number, durationMs: number, from: string, to: string, budget: CoinBudget): Promise<Phase> {
  const start = performance.now();
  const end = start + durationMs;
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end && budget.left >= BATCH_SENDS) {
        budget.left -= BATCH_SENDS;
        const batch = Array.from({ length: BATCH_SENDS }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'send', params: { from, to, amount: 1 } }));
        const replies = (await client.post(batch)) as Array<{ result?: unknown; error?: { message: string } }>;
        const failed = replies.find((r) => r.error !== undefined);
        if (failed) throw new Error(`a batched send failed: ${failed.error!.message}`);
        done += replies.length;
      }
    }),
  );
  const ms = performance.now() - start;
  return { sends: done, ms: Math.round(ms), txPerSec: Math.round((done * 1000) / ms), connections: 0 };
}

export const rpcSendBench: BenchModule = {
  name: 'rpc-send',
  async run() {
    const root = await mkdtemp(join(tmpdir(), 'kadchain-bench-rpc-'));
    const cleanups: Array<() => unknown> = [];
    const profDir = process.env['RPC_SEND_PROF_DIR'];
    try {
      const setup = await writeSetup(root);
      const { stop, pid } = profDir === undefined ? await startQuiet(setup, cleanups) : await startProfiled(setup, profDir, cleanups);
      const { address } = (await rpc(setup, 'genesis_block')) as { address: string };
      const { privateKey: wif } = (await rpc(setup, 'dumpprivkey', { address })) as { privateKey: string };
      const privateKey = decodeWalletWif(wif);
      const publicKey = publicKeyOf(privateKey);
      const key: TestKey = { privateKey, publicKey, pubKeyHash: hash160(publicKey), address };
      if (!addressToPubKeyHash(address).equals(key.pubKeyHash)) throw new Error('dumped key does not match its address');
      await rpc(setup, 'mine', { count: REWARD_BLOCKS });
      const coins = await fanOut(setup, key);
      await rpc(setup, 'mine', { count: 1 });
      const { address: to } = (await rpc(setup, 'createwallet')) as { address: string };

      const client = new KeepAliveRpc(setup.rpcPort, setup.dataDir, CLIENTS);
      cleanups.push(() => client.close());
      // The reference before and after the phases: on a shared machine the load moves during a run.
      const raw = rawItems();
      const rawBefore = rawOneCore(raw);
      // A margin of coins for sends in flight when a phase's time ends and for the batch phase's rounding.
      const budget: CoinBudget = { left: coins - CLIENTS * BATCH_SENDS };
      const warm = await runPhase(client, CLIENTS, WARMUP_MS, address, to, budget);
      const load = loadavg()[0]!;
      const one = await withNodeCpu(pid, () => runPhase(client, 1, ONE_CLIENT_MS, address, to, budget));
      const eight = await withNodeCpu(pid, () => runPhase(client, CLIENTS, EIGHT_CLIENTS_MS, address, to, budget));
      const batched = await withNodeCpu(pid, () => runBatchPhase(client, CLIENTS, BATCH_MS, address, to, budget));
      const sent = warm.sends + one.sends + eight.sends + batched.sends;
      // Every send spent one confirmed coin: a run that used them all measured the empty wallet's error path.
      if (sent >= coins) throw new Error(`the ${coins} coins ran out after ${sent} sends: raise REWARD_BLOCKS`);
      const rawAfter = rawOneCore(raw);
      const pool = (await rpc(setup, 'getinfo')) as { mempoolSize: number };
      if (pool.mempoolSize < sent) throw new Error(`only ${pool.mempoolSize} txs reached the pool`);
      await stop();
      return {
        secp256k1Native: secp256k1IsNative,
        rawVerifiesPerSecOneCore: { before: rawBefore, after: rawAfter },
        sendsPerRawVerify: Math.round((eight.txPerSec / Math.min(rawBefore, rawAfter)) * 1000) / 1000,
        // What one quiet core could do at the node's measured CPU cost per send (the HTTP client excluded).
        oneCoreTxPerSecAtNodeCpu: eight.nodeCpuMsPerSend ? Math.round(1000 / eight.nodeCpuMsPerSend) : null,
        loadAvg1m: Math.round(load * 100) / 100,
        coins,
        // 0 or near it: the phases ran out of confirmed coins and the last one ended early (its rate is still sends ÷ its time).
        coinsLeft: budget.left,
        oneClient: one,
        eightClients: eight,
        [`eightClientsBatchesOf${BATCH_SENDS}`]: batched,
        txPerSec: eight.txPerSec,
        target: TARGET_TX_PER_SEC,
        pass: eight.txPerSec >= TARGET_TX_PER_SEC,
      };
    } finally {
      for (const fn of cleanups.reverse()) await fn();
      await rm(root, { recursive: true, force: true });
    }
  },
};
