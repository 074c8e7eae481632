import test from 'ava';
import type { ExplorerIndex } from '../../../src/explorer/index.js';
import { RpcParamError } from '../../../src/rpc/errors.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { explorerMethods } from '../../../src/rpc/methods/explorer.js';
import { FakeChain, FakeMempool, generateChain } from '../../helpers/explorer-fakes.js';

function setup(): { methods: ReturnType<typeof explorerMethods>; chain: FakeChain; index: { best: ExplorerIndex['best'] }; release: () => void; settles: number[] } {
  const chain = new FakeChain();
  for (const b of generateChain(3)) chain.connect(b, false);
  const index = { best: undefined as ExplorerIndex['best'] };
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const settles: number[] = [];
  const methods = explorerMethods({
    explorer: {
      chain,
      mempool: new FakeMempool(),
      index: {
        get best() {
          return index.best;
        },
        findTx: (txid) => {
          for (const block of chain.active) {
            const position = block.transactions.findIndex((tx) => tx.txid.equals(txid));
            if (position >= 0) return { blockHash: block.hash, position };
          }
          return undefined;
        },
        addressHistory: () => ({ entries: [], more: false }),
      },
      indexSynced: () => index.best !== undefined,
      indexSettled: async () => {
        settles.push(settles.length);
        await gate;
      },
    },
  });
  return { methods, chain, index, release, settles };
}

test('getblock takes ref and verbose by name or position; a missing ref is -32602', async (t) => {
  const { methods, chain } = setup();
  const byName = toJsonSafe(await methods['getblock']!({ ref: 1 })) as Record<string, unknown>;
  const byPosition = toJsonSafe(await methods['getblock']!([chain.active[1]!.hashHex, 'true'])) as Record<string, unknown>;
  t.is(byName['hash'], chain.active[1]!.hashHex);
  t.is(typeof (byPosition['txs'] as unknown[])[0], 'object', 'verbose "true" (as the CLI sends it) lists tx objects');
  t.throws(() => methods['getblock']!({}), { instanceOf: RpcParamError, message: 'missing parameter "ref"' });
  t.deepEqual(toJsonSafe(await methods['getindexinfo']!([])), { txindex: { synced: false, bestBlockHeight: null }, addressindex: { synced: false, bestBlockHeight: null } });
  t.throws(() => methods['getblock']!({ ref: 1, verbose: 'yes' }), { instanceOf: RpcParamError });
  t.throws(() => methods['getblock']!({ hash: 1 }), { instanceOf: RpcParamError });
  t.deepEqual((toJsonSafe(await methods['getblocks']!({ start: '1', count: '2' })) as Array<{ height: number }>).map((b) => b.height), [1, 2]);
});

test('gettransaction and getaddress let the index settle first (Core\'s BlockUntilSyncedToCurrentChain)', async (t) => {
  const { methods, chain, index, release, settles } = setup();
  const txid = chain.active[2]!.transactions[1]!.txidHex;
  const pending = methods['gettransaction']!({ txid }) as Promise<unknown>;
  const pendingAddress = methods['getaddress']!({ address: '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2' }) as Promise<unknown>;
  t.deepEqual(settles, [0, 1]);
  // The index reaches the tip while the methods wait; they answer from that state, not -28.
  const tip = chain.active.at(-1)!;
  index.best = { hash: tip.hash, height: tip.height };
  release();
  t.like(toJsonSafe(await pending), { txid, confirmations: 1, height: 2 });
  t.like(toJsonSafe(await pendingAddress), { address: '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', more: false, next: null });
  t.deepEqual(toJsonSafe(await methods['getindexinfo']!({})), { txindex: { synced: true, bestBlockHeight: 2 }, addressindex: { synced: true, bestBlockHeight: 2 } });
});
