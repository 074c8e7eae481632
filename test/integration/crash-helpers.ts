/**
 * Checks shared by the kill -9 tests (crash-sync, crash-reorg): the UTXO set rebuilt from a list
 * of blocks, balances read over RPC while the tip holds still, and a byte-level check of a dead
 * node's chain database against the blocks of the chain it should hold.
 */
import { ChainStore } from '../../src/chain/store/store.js';
import { encodeCoin, encodeUndo, heightKey } from '../../src/chain/store/codecs.js';
import type { Coin } from '../../src/chain/types.js';
import { pubKeyHashToAddress } from '../../src/primitives/address.js';
import type { Block } from '../../src/primitives/block.js';
import { outPointKey } from '../../src/primitives/tx.js';
import { type NodeSetup, getInfo, rpc } from './harness.js';

const STABLE_READ_ATTEMPTS = 20;

export interface Balance {
  confirmed: bigint;
  immature: bigint;
}

/**
 * Replays `chain` (genesis first, every block in order): the UTXO set keyed by outPointKey hex,
 * and each block's undo record (the coins it spent, in order) keyed by block hash hex.
 */
export function replayChain(chain: readonly Block[]): { utxos: Map<string, Coin>; undo: Map<string, Buffer> } {
  const utxos = new Map<string, Coin>();
  const undo = new Map<string, Buffer>();
  for (const block of chain) {
    const spent: Coin[] = [];
    block.transactions.forEach((tx, position) => {
      if (position > 0) {
        for (const input of tx.inputs) {
          const key = outPointKey(input.prevout).toString('hex');
          const coin = utxos.get(key);
          if (!coin) throw new Error(`replay: block ${block.hashHex} spends ${key}, which is not unspent`);
          spent.push(coin);
          utxos.delete(key);
        }
      }
      tx.outputs.forEach((out, index) =>
        utxos.set(outPointKey({ txid: tx.txid, index }).toString('hex'), { amount: out.amount, pubKeyHash: out.pubKeyHash, height: block.height, isCoinbase: position === 0 }),
      );
    });
    if (spent.length > 0) undo.set(block.hashHex, encodeUndo(spent)); // none for a block that spent nothing (ChainStore.putUndo)
  }
  return { utxos, undo };
}

/** Balances per address of the UTXO set after connecting `chain`. */
export function expectedBalances(chain: readonly Block[]): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const coin of replayChain(chain).utxos.values()) {
    const address = pubKeyHashToAddress(coin.pubKeyHash);
    totals.set(address, (totals.get(address) ?? 0n) + coin.amount);
  }
  return totals;
}

export async function balanceOf(setup: NodeSetup, address: string): Promise<Balance> {
  const { confirmed, immature } = (await rpc(setup, 'balance', { address })) as { confirmed: number; immature: number };
  return { confirmed: BigInt(confirmed), immature: BigInt(immature) };
}

/** Tip and balances read while the tip did not move (the node may already be syncing again). */
export async function stableView(setup: NodeSetup, addresses: readonly string[]): Promise<{ height: number; tip: string; balances: Map<string, Balance> }> {
  for (let attempt = 0; attempt < STABLE_READ_ATTEMPTS; attempt++) {
    const before = await getInfo(setup);
    const balances = new Map<string, Balance>();
    for (const address of addresses) balances.set(address, await balanceOf(setup, address));
    const after = await getInfo(setup);
    if (before.tip !== null && before.tip === after.tip) return { height: before.height!, tip: before.tip, balances };
  }
  throw new Error(`the tip kept moving over ${STABLE_READ_ATTEMPTS} reads`);
}

/** What a stopped node's chain database holds, and every way it differs from the chain its tip names. */
export interface StoreAudit {
  tipHash: string | undefined;
  tipHeight: number | undefined;
  /** How many of the `watch` blocks have their data stored. */
  watchedStored: number;
  /** Differences from the replay of the tip's chain; empty when consistent. */
  mismatches: string[];
}

type HexMap = ReadonlyMap<string, string>;

function diffMaps(what: string, got: HexMap, want: HexMap): string | undefined {
  let missing = 0;
  let differing = 0;
  for (const [key, value] of want) {
    const have = got.get(key);
    if (have === undefined) missing++;
    else if (have !== value) differing++;
  }
  const extra = [...got.keys()].filter((key) => !want.has(key)).length;
  return extra + missing + differing > 0 ? `${what}: ${missing} missing, ${extra} extra, ${differing} different (of ${want.size})` : undefined;
}

/**
 * Opens the chain database at `path` (its node must not run) and checks it against the chain its
 * tip names: `chainOf(tipHash)` returns genesis..tip of that branch, or undefined for a block the
 * caller does not know (itself a mismatch). Compared byte for byte with a replay of those blocks:
 * the UTXO set (coins), the address index (addrs), the active heights, and the undo records (one
 * per active block, none left for blocks taken off).
 */
export async function auditStore(path: string, chainOf: (tipHash: string) => readonly Block[] | undefined, watch: readonly Buffer[] = []): Promise<StoreAudit> {
  const store = ChainStore.open(path);
  try {
    const tipHash = store.getTipHash()?.toString('hex');
    const chain = tipHash === undefined ? [] : chainOf(tipHash);
    const blocks = chain ?? [];
    const { utxos, undo } = replayChain(blocks);
    const hex = (entries: Array<[Buffer, Buffer]>): HexMap => new Map(entries.map(([k, v]) => [k.toString('hex'), v.toString('hex')]));
    const checks = [
      chain === undefined ? `tip ${tipHash} is a block of neither branch` : undefined,
      diffMaps('coins', hex(store.rawEntries('coins')), new Map([...utxos].map(([key, coin]) => [key, encodeCoin(coin).toString('hex')]))),
      diffMaps('addrs', hex(store.rawEntries('addrs')), new Map([...utxos].map(([key, coin]) => [coin.pubKeyHash.toString('hex') + heightKey(coin.height).toString('hex') + key, '']))),
      diffMaps('heights', hex(store.rawEntries('heights')), new Map(blocks.map((b) => [heightKey(b.height).toString('hex'), b.hashHex]))),
      diffMaps('undo', hex(store.rawEntries('undo')), new Map([...undo].map(([hash, bytes]) => [hash, bytes.toString('hex')]))),
    ];
    return {
      tipHash,
      tipHeight: blocks.at(-1)?.height,
      watchedStored: watch.filter((hash) => store.hasBlock(hash)).length,
      mismatches: checks.filter((m): m is string => m !== undefined),
    };
  } finally {
    await store.close();
  }
}

export interface VerifyReply {
  ok: boolean;
  height: number | null;
  replayedBlocks: number;
  checkedBlocks: number;
  failure: { reason: string } | null;
  actual: { hash: string } | null;
  elapsedMs: number;
}

/** verifychain over RPC (depth 0 = every block in full, default 288). */
export async function verifyChain(setup: NodeSetup, depth?: number): Promise<VerifyReply> {
  return (await rpc(setup, 'verifychain', depth === undefined ? {} : { depth })) as VerifyReply;
}
