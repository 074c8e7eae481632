import test from 'ava';
import type { RpcContext } from '../../../src/rpc/context.js';
import { noGenesisError } from '../../../src/rpc/no-genesis.js';

type Ctx = Pick<RpcContext, 'config' | 'network'>;

/** Only what noGenesisError reads: the config's flags and bootstrap list, and the peer lists. */
function ctx(options: { bootstrap?: number; manual?: number; peers?: Array<{ ready: boolean; bestWork: string }> }): Ctx {
  const many = (n = 0): never[] => Array.from({ length: n }) as never[];
  return {
    config: { dataDir: `${process.cwd()}/b`, rpcPort: 9101, rpcHost: '127.0.0.1', bootstrap: many(options.bootstrap) },
    network: { manualPeers: () => many(options.manual), peers: () => options.peers ?? [] },
  } as unknown as Ctx;
}

test('no chain: a lone node is told to create the genesis block with its own flags', (t) => {
  const err = noGenesisError(ctx({}));
  t.is(err.code, 'no-genesis');
  t.is(err.rpcCode, -28);
  t.is(err.message, 'this node has no chain yet; create the genesis block with: ./kadchain genesis_block --datadir ./b --rpc-port 9101');
});

test('no chain: a node with bootstrap nodes, added peers or connected peers waits for them instead', (t) => {
  const waiting = 'this node has no chain yet; waiting for peers to learn the chain (see them with: ./kadchain peers --datadir ./b --rpc-port 9101)';
  t.is(noGenesisError(ctx({ bootstrap: 1 })).message, waiting);
  t.is(noGenesisError(ctx({ manual: 1 })).message, waiting);
  t.is(noGenesisError(ctx({ peers: [{ ready: true, bestWork: '2' }] })).message, waiting);
});

test('no chain: connected peers without a chain (or still in their handshake) do not count: the first node still needs its genesis', (t) => {
  const peers = [{ ready: true, bestWork: '0' }, { ready: false, bestWork: '5' }];
  t.regex(noGenesisError(ctx({ peers })).message, /create the genesis block with: \.\/kadchain genesis_block --datadir \.\/b --rpc-port 9101$/);
});

test('the explorer methods on an empty chain give the same hint with the node\'s flags', async (t) => {
  const { explorerMethods } = await import('../../../src/rpc/methods/explorer.js');
  const { FakeChain, FakeMempool } = await import('../../helpers/explorer-fakes.js');
  const empty = { chain: new FakeChain(), mempool: new FakeMempool() } as unknown as RpcContext['explorer'];
  const methods = explorerMethods({ ...ctx({}), explorer: empty });
  for (const [method, params] of [['getblock', { ref: 1 }], ['getblocks', { start: 0 }]] as const) {
    await t.throwsAsync(async () => methods[method]!(params), { message: /^this node has no chain yet; create the genesis block with: \.\/kadchain genesis_block --datadir \.\/b --rpc-port 9101$/ }, method);
  }
});
