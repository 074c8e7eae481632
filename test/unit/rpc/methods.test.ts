import test from 'ava';
import type { ChainTip, CoinEntry, ProcessBlockResult } from '../../../src/chain/types.js';
import { loadConfig } from '../../../src/node/config.js';
import { type NodeNatState, disabledNodeNatState } from '../../../src/node/nat-state.js';
import type { Block } from '../../../src/primitives/block.js';
import type { Transaction } from '../../../src/primitives/tx.js';
import type { MethodTable, PaymentRequest, RpcContext, RpcMempoolEntry } from '../../../src/rpc/context.js';
import { BanList, type BanEntry } from '../../../src/p2p/bans.js';
import type { DiscouragedEntry } from '../../../src/p2p/discouraged.js';
import type { ManualPeerInfo, PeerInfo } from '../../../src/p2p/peer-info.js';
import { AddressError, pubKeyHashToAddress, publicKeyToAddress } from '../../../src/primitives/address.js';
import { publicKeyOf } from '../../../src/primitives/secp256k1.js';
import { RpcParamError, toJsonRpcError } from '../../../src/rpc/errors.js';
import { P2PError } from '../../../src/p2p/errors.js';
import { allMethods } from '../../../src/rpc/index.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { silentLogger } from '../../../src/util/logger.js';
import { emptyExplorer } from '../../helpers/explorer-fakes.js';
import { TEST_PARAMS, buildBlock, makeKey, pay, spend } from '../../helpers/fixtures.js';
import { freshTraversalState, traversalState } from '../../helpers/traversal-state.js';
import { idleSyncStatus } from '../../helpers/sync-status.js';
import type { SyncStatus } from '../../../src/p2p/sync-status.js';

interface Fake {
  ctx: RpcContext;
  methods: MethodTable;
  /** depth of each verifyChain call. */
  verifyDepths: number[];
  /** What chain.settled() returns from now on (a block commit whose events are pending). */
  setSettled(gate: Promise<void>): void;
  processed: Block[];
  added: Transaction[];
  payments: PaymentRequest[];
  keys: string[];
  peers: PeerInfo[];
  bans: BanEntry[];
  banList: BanList;
  discouraged: DiscouragedEntry[];
  manual: ManualPeerInfo[];
  addedPeers: string[];
  nat: { current: NodeNatState };
  syncStatus: { current: SyncStatus };
}

function fake(): Fake {
  const processed: Block[] = [];
  const added: Transaction[] = [];
  const payments: PaymentRequest[] = [];
  const keys: string[] = [];
  const privateKeys = new Map<string, Buffer>();
  const peers: PeerInfo[] = [];
  const bans: BanEntry[] = [];
  const banList = new BanList(3);
  const discouraged: DiscouragedEntry[] = [];
  const manual: ManualPeerInfo[] = [];
  const addedPeers: string[] = [];
  const nat = { current: disabledNodeNatState() };
  const syncStatus = { current: idleSyncStatus() };
  let tip: ChainTip | undefined;
  const coins: CoinEntry[] = [];
  const verifyDepths: number[] = [];
  let settledGate = Promise.resolve();
  const ctx: RpcContext = {
    config: loadConfig(),
    logger: silentLogger(),
    chain: {
      params: TEST_PARAMS,
      get tip() {
        return tip;
      },
      get genesisHash() {
        return processed[0]?.hash;
      },
      getBalance: () => 1000n,
      getCoinsByPubKeyHash: () => [],
      getHeaderAtHeight: (h) => processed[h]?.header,
      settled: () => settledGate,
      processBlock: async (block): Promise<ProcessBlockResult> => {
        processed.push(block);
        tip = { hash: block.hash, height: block.height, chainWork: 1n, header: block.header };
        return { status: 'connected', hash: block.hash, connected: [block], disconnected: [] };
      },
      utxoSetInfo: async () => ({ height: -1, bestBlock: undefined, txouts: 0, transactions: 0, totalAmount: 0n, hash: Buffer.alloc(32) }),
      verifyChain: async (depth) => {
        verifyDepths.push(depth);
        return { ok: true, height: -1, tip: undefined, replayedBlocks: 0, checkedBlocks: 0, expected: undefined, actual: undefined, failure: undefined, elapsedMs: 0 };
      },
    },
    mempool: {
      get size() {
        return added.length;
      },
      bytes: 0,
      usage: 0,
      policy: { maxBytes: 20_000_000 },
      minFeeRate: () => 0,
      entries: () => added.map((tx): RpcMempoolEntry => ({ tx, fee: 0n, size: tx.size, addedAtMs: 0 })),
      spendableCoins: () => coins,
      has: (txid) => added.some((tx) => tx.txid.equals(txid)),
      balance: () => ({ confirmed: 1000n, immature: 0n, unconfirmed: coins.reduce((sum, c) => sum + c.coin.amount, 0n) }),
      addTransaction: (tx) => {
        added.push(tx);
        return { tx, fee: 1n, size: tx.size, addedAtMs: 0 };
      },
    },
    wallet: {
      createKey: async () => {
        const { address } = makeKey();
        keys.push(address);
        return address;
      },
      addresses: () => [...keys],
      importKey: async (privateKey) => {
        const address = publicKeyToAddress(publicKeyOf(privateKey));
        if (keys.includes(address)) return { address, added: false };
        keys.push(address);
        privateKeys.set(address, privateKey);
        return { address, added: true };
      },
      privateKeyFor: (pkh) => privateKeys.get(pubKeyHashToAddress(pkh)),
      labelFor: () => undefined,
    },
    miner: { mineBlock: async () => buildBlock({ miner: makeKey() }) },
    walletCoins: () => coins,
    createPayment: (request) => {
      payments.push(request);
      const payer = makeKey();
      return spend(payer, [{ txid: Buffer.alloc(32, payments.length), index: 0 }], [pay(makeKey(), request.amount)]);
    },
    createGenesisBlock: async (pkh) => buildBlock({ miner: { ...makeKey(), pubKeyHash: pkh } }),
    miningAddress: () => keys[0],
    network: {
      nodeId: Buffer.alloc(32, 7),
      listenHost: '127.0.0.1',
      tcpPort: 9000,
      udpPort: 9000,
      peers: () => peers,
      bans: () => [...bans, ...banList.list()],
      discouraged: () => discouraged,
      manualPeers: () => manual,
      ban: (key, reason, durationMs) => banList.ban(key, durationMs ?? 3_600_000, reason ?? 'banned by operator'),
      unban: (key) => banList.unban(key),
      clearBans: () => banList.clear(),
      addPeer: (host, port) => void addedPeers.push(`${host}:${port}`),
      removePeer: (host, port) => {
        const at = addedPeers.indexOf(`${host}:${port}`);
        if (at < 0) throw new P2PError('unknown-manual-peer', `${host}:${port} is not a manual peer (peers lists them)`);
        addedPeers.splice(at, 1);
        return false;
      },
      nat: () => nat.current,
      traversal: freshTraversalState,
      punch: async () => ({ ok: false, attempts: 0, relay: undefined, reason: 'not in this test', address: undefined, ms: 0 }),
      syncStatus: () => syncStatus.current,
    },
    requestStop: () => undefined,
    explorer: emptyExplorer(),
  };
  const setSettled = (gate: Promise<void>): void => void (settledGate = gate);
  return { ctx, methods: allMethods(ctx), verifyDepths, setSettled, processed, added, payments, keys, peers, bans, banList, discouraged, manual, addedPeers, nat, syncStatus };
}

const call = async (f: Fake, method: string, params?: unknown): Promise<unknown> => f.methods[method]!(params);

test('the method names match the CLI commands', (t) => {
  t.deepEqual(Object.keys(fake().methods).sort(), ['addpeer', 'removepeer', 'balance', 'ban', 'clearbanned', 'createwallet', 'genesis_block', 'getblockheader', 'getinfo', 'gettxoutsetinfo', 'listbanned', 'mempool', 'mine', 'nat', 'peers', 'print', 'punch', 'printwallet', 'send', 'stop', 'unban', 'verifychain', 'getmemoryinfo', 'help', 'dumpprivkey', 'importprivkey', 'listunspent', 'sendrawtransaction', 'getblockchaininfo', 'getblock', 'getblocks', 'gettransaction', 'getaddress', 'getindexinfo'].sort());
});

test('getmemoryinfo reports the process memory; gc: true runs a collection first, and only with --expose-gc', async (t) => {
  const f = fake();
  const info = (await call(f, 'getmemoryinfo')) as Record<string, unknown>;
  for (const key of ['rssBytes', 'heapTotalBytes', 'heapUsedBytes', 'externalBytes', 'arrayBuffersBytes']) t.true(typeof info[key] === 'number' && (info[key] as number) > 0, key);
  t.is(info['gcRun'], false);
  const holder = globalThis as { gc?: unknown };
  const saved = holder.gc;
  try {
    delete holder.gc;
    await t.throwsAsync(() => call(f, 'getmemoryinfo', { gc: true }) as Promise<unknown>, { message: 'gc: true needs the node started with node --expose-gc' });
    let collections = 0;
    holder.gc = () => void collections++;
    t.is(((await call(f, 'getmemoryinfo', { gc: 'true' })) as Record<string, unknown>)['gcRun'], true);
    t.is(collections, 1);
    await t.throwsAsync(() => call(f, 'getmemoryinfo', { gc: 'yes' }) as Promise<unknown>, { message: 'parameter "gc" must be true or false, got "yes"' });
  } finally {
    holder.gc = saved;
  }
});

test('genesis_block creates a key and a genesis once; a second call says the chain exists', async (t) => {
  const f = fake();
  const result = (await call(f, 'genesis_block')) as { address: string };
  t.is(result.address, f.keys[0]);
  t.is(f.processed.length, 1);
  await t.throwsAsync(() => call(f, 'genesis_block') as Promise<unknown>, {
    message: 'this node already has a chain (height 0); genesis_block only works on an empty chain',
  });
  t.is(f.keys.length, 1, 'no key is created for a refused genesis');
});

test('genesis_block on a node pinned to a genesis refuses in one sentence, before making a key', async (t) => {
  const f = fake();
  const pin = Buffer.alloc(32, 0x11);
  Object.assign(f.ctx.chain, { params: { ...TEST_PARAMS, genesisHash: pin } });
  await t.throwsAsync(() => call(f, 'genesis_block') as Promise<unknown>, {
    message: `this node is pinned to genesis ${pin.toString('hex')}; it gets that block from its peers`,
  });
  t.is(f.keys.length, 0);
  t.is(f.processed.length, 0);
});

test('concurrent genesis_block calls make one genesis', async (t) => {
  const f = fake();
  const results = await Promise.allSettled([call(f, 'genesis_block'), call(f, 'genesis_block')]);
  t.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected'],
  );
  t.is(f.processed.length, 1);
});

test('send checks both addresses before building a payment', async (t) => {
  const f = fake();
  const from = makeKey().address;
  const to = makeKey().address;
  const typo = `${to.slice(0, -1)}${to.endsWith('z') ? 'y' : 'z'}`;
  await t.throwsAsync(async () => call(f, 'send', { from, to: typo, amount: '100' }), { instanceOf: AddressError });
  t.is(f.payments.length, 0);
  t.is(f.added.length, 0);
  const sent = (await call(f, 'send', { from, to, amount: '100' })) as { txid: string; amount: bigint; fee: bigint };
  t.is(f.payments.length, 1);
  t.is(f.payments[0]?.amount, 100n);
  t.is(f.payments[0]?.fee, 0n);
  t.is(sent.txid, f.added[0]?.txidHex);
  t.is(sent.fee, 1n, 'the fee reported is the one the mempool computed');
});

test('send builds its payment only once the chain has settled (no block commit waiting for its events)', async (t) => {
  const f = fake();
  let settle: () => void = () => undefined;
  f.setSettled(new Promise<void>((resolve) => (settle = resolve)));
  const sending = call(f, 'send', { from: makeKey().address, to: makeKey().address, amount: '5' });
  await new Promise((resolve) => setImmediate(resolve));
  t.is(f.payments.length, 0, 'no coins read while a commit is waiting for its events');
  t.is(f.added.length, 0);
  settle();
  await sending;
  t.is(f.payments.length, 1);
  t.is(f.added.length, 1);
});

test('print answers a header or says the height is out of range', async (t) => {
  const f = fake();
  await t.throwsAsync(async () => call(f, 'print', { height: 0 }), { message: /no chain yet/ });
  await call(f, 'genesis_block');
  const header = (await call(f, 'print', ['0'])) as { hash: string; height: number };
  t.is(header.hash, f.processed[0]?.header.hashHex);
  t.is(header.height, 0);
  await t.throwsAsync(async () => call(f, 'print', { height: 5 }), { message: 'there is no block at height 5; the chain tip is at height 0' });
});

test('getinfo reports the node summary', async (t) => {
  const f = fake();
  await call(f, 'genesis_block');
  const info = (await call(f, 'getinfo')) as Record<string, unknown>;
  t.is(info['height'], 0);
  t.is(info['peers'], 0);
  t.is(info['walletAddresses'], 1);
  t.is(info['miningAddress'], f.keys[0]);
  t.is(info['mempoolSize'], 0);
  t.like(info['nat'], { enabled: false, gatewayFound: false, protocol: null, externalEndpoint: null, mappedPorts: [] });
});

test('getinfo carries the traversal state with UPnP off (traversal works without a gateway)', async (t) => {
  const f = fake();
  f.ctx.network.traversal = () => traversalState({ observed: { ip: '7.7.7.2', confirmed: true }, reachability: { status: 'public', lastCheckAtMs: 0, port: 9000 } });
  const info = toJsonSafe(await call(f, 'getinfo')) as { nat: { enabled: boolean; traversal: { observed: Record<string, unknown>; reachability: Record<string, unknown> } } };
  t.is(info.nat.enabled, false);
  t.like(info.nat.traversal.observed, { ip: '7.7.7.2', confirmed: true });
  t.like(info.nat.traversal.reachability, { status: 'public', lastCheckAt: '1970-01-01T00:00:00.000Z', port: 9000 });
});

test('nat shows the mapping with null for absent values and lease expiry as ISO time', async (t) => {
  const f = fake();
  t.like(await call(f, 'nat'), { enabled: false, searching: false, reachable: false });
  const expiresMs = Date.UTC(2030, 0, 2, 3, 4, 5);
  f.nat.current = {
    enabled: true,
    searching: false,
    gatewayFound: true,
    protocol: 'upnp-igdv2',
    externalIp: '7.7.7.1',
    mappedPorts: [
      { protocol: 'TCP', internal: 9000, external: 9001, leaseExpiresAt: expiresMs },
      { protocol: 'UDP', internal: 9000, external: 9000, leaseExpiresAt: undefined },
    ],
    doubleNat: false,
    reachable: true,
    externalEndpoint: { ip: '7.7.7.1', tcpPort: 9001, udpPort: 9000 },
  };
  t.deepEqual(await call(f, 'nat'), {
    enabled: true,
    searching: false,
    gatewayFound: true,
    protocol: 'upnp-igdv2',
    externalIp: '7.7.7.1',
    mappedPorts: [
      { protocol: 'TCP', internal: 9000, external: 9001, leaseExpiresAt: '2030-01-02T03:04:05.000Z' },
      { protocol: 'UDP', internal: 9000, external: 9000, leaseExpiresAt: null },
    ],
    doubleNat: false,
    reachable: true,
    externalEndpoint: { ip: '7.7.7.1', tcpPort: 9001, udpPort: 9000 },
    traversal: (await call(f, 'nat') as Record<string, unknown>)['traversal'],
  });
  await t.throwsAsync(async () => call(f, 'nat', { verbose: true }), { instanceOf: RpcParamError });
});

const peerInfo = (over: Partial<PeerInfo>): PeerInfo => ({
  nodeId: 'ab'.repeat(32),
  address: '127.0.0.1:40000',
  listenPort: 9001,
  direction: 'outbound',
  ready: true,
  manual: false,
  discouraged: false,
  handshakeHeight: 3,
  handshakeWork: '8',
  bestHeight: 5,
  bestWork: '12',
  pingRttMs: 2,
  connectedSinceMs: Date.now() - 65_000,
  ...over,
});

test('getinfo counts ready peers only and shows the node id and ports', async (t) => {
  const f = fake();
  f.peers.push(peerInfo({}), peerInfo({ ready: false, nodeId: undefined }));
  const info = (await call(f, 'getinfo')) as Record<string, unknown>;
  t.is(info['peers'], 1);
  t.deepEqual(info['nodeId'], Buffer.alloc(32, 7), 'toJsonSafe makes it hex on the wire');
  t.is(info['tcpPort'], 9000);
  t.is(info['udpPort'], 9000);
});

test('peers lists connections with short ids and age, and bans with time left', async (t) => {
  const f = fake();
  f.peers.push(peerInfo({}), peerInfo({ ready: false, nodeId: undefined, pingRttMs: undefined, direction: 'inbound' }));
  f.bans.push({ key: '10.0.0.9', reason: 'banned by operator', createdMs: Date.now(), untilMs: Date.now() + 3_600_000 });
  f.discouraged.push({ key: '10.0.0.8', reason: 'bad-magic: frame does not start with the magic', untilMs: Date.now() + 600_000 });
  f.manual.push({ address: '10.0.0.7:9000', state: 'waiting', lastError: 'it refused us: different-genesis: other chain', nextRetryAtMs: Date.now() + 3_600_000 });
  const result = (await call(f, 'peers')) as { peers: Array<Record<string, unknown>>; bans: Array<Record<string, unknown>> };
  t.is(result.peers.length, 2);
  t.is(result.peers[0]!['id'], 'ab'.repeat(8));
  t.is(result.peers[0]!['height'], 5);
  t.is(result.peers[0]!['pingMs'], 2);
  t.true((result.peers[0]!['connectedForSec'] as number) >= 65);
  t.is(result.peers[1]!['id'], null);
  t.is(result.peers[1]!['pingMs'], null);
  t.is(result.bans[0]!['key'], '10.0.0.9');
  t.true((result.bans[0]!['remainingSec'] as number) > 3590);
  const extra = result as unknown as { discouraged: Array<Record<string, unknown>>; manual: Array<Record<string, unknown>> };
  t.is(extra.discouraged[0]!['key'], '10.0.0.8');
  t.true((extra.discouraged[0]!['remainingSec'] as number) > 590 && (extra.discouraged[0]!['remainingSec'] as number) <= 600);
  t.is(extra.manual[0]!['state'], 'waiting');
  t.regex(String(extra.manual[0]!['lastError']), /different-genesis/);
  t.true((extra.manual[0]!['nextRetrySec'] as number) > 3590);
});

test('ban, listbanned, unban and clearbanned manage the operator\'s bans; bad input is refused with one sentence', async (t) => {
  const f = fake();
  const row = (await call(f, 'ban', { key: '10.1.2.3', durationSec: '120', reason: 'spam' })) as Record<string, unknown>;
  t.is(row['key'], '10.1.2.3');
  t.is(row['reason'], 'spam');
  t.true((row['remainingSec'] as number) > 110 && (row['remainingSec'] as number) <= 120);
  await call(f, 'ban', ['ab'.repeat(32)]);
  const listed = (await call(f, 'listbanned')) as Array<Record<string, unknown>>;
  t.deepEqual(listed.map((b) => b['key']), ['10.1.2.3', 'ab'.repeat(32)]);
  t.true((listed[1]!['remainingSec'] as number) > 3590, 'the default duration');
  for (const bad of [0, -5, 1.5, 'soon', 400_000_000]) {
    await t.throwsAsync(async () => call(f, 'ban', { key: '10.1.2.4', durationSec: bad }), { instanceOf: RpcParamError, message: /^parameter "durationSec"/ }, String(bad));
  }
  t.deepEqual(await call(f, 'unban', ['10.1.2.3']), { key: '10.1.2.3', unbanned: true });
  await t.throwsAsync(async () => call(f, 'unban', ['10.1.2.3']), { instanceOf: RpcParamError, message: '"10.1.2.3" is not banned (see: listbanned)' });
  t.deepEqual(await call(f, 'clearbanned'), { cleared: 1 });
  t.deepEqual(await call(f, 'listbanned'), []);
});

test('addpeer validates host:port before dialing', async (t) => {
  const f = fake();
  const ok = (await call(f, 'addpeer', ['127.0.0.1:9001'])) as { address: string };
  t.is(ok.address, '127.0.0.1:9001');
  t.deepEqual(f.addedPeers, ['127.0.0.1:9001']);
  await call(f, 'addpeer', { address: '[::1]:9002' });
  t.is(f.addedPeers[1], '::1:9002');
  for (const bad of ['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', 'host name:1', ':9000', '[nothex]:1']) {
    await t.throwsAsync(async () => call(f, 'addpeer', [bad]), { instanceOf: RpcParamError, message: /^parameter "address": / }, bad);
  }
  t.is(f.addedPeers.length, 2);
});

test('removepeer validates host:port and answers Core\'s -24 for a peer that was never added', async (t) => {
  const f = fake();
  await call(f, 'addpeer', ['127.0.0.1:9001']);
  t.deepEqual(await call(f, 'removepeer', ['127.0.0.1:9001']), { address: '127.0.0.1:9001', removed: true, closed: false });
  t.deepEqual(f.addedPeers, []);
  const err = await t.throwsAsync(async () => call(f, 'removepeer', ['127.0.0.1:9001']), { instanceOf: P2PError });
  t.is(toJsonRpcError(err).error.code, -24);
  t.is(err?.message, '127.0.0.1:9001 is not a manual peer (peers lists them)');
  await t.throwsAsync(async () => call(f, 'removepeer', ['127.0.0.1']), { instanceOf: RpcParamError, message: /^parameter "address": / });
});

test('verifychain takes an optional depth (default 288, 0 = all) and refuses anything but a whole number of blocks', async (t) => {
  const f = fake();
  t.like(await call(f, 'verifychain'), { ok: true, depth: 288, height: null, failure: null });
  await call(f, 'verifychain', { depth: 0 });
  await call(f, 'verifychain', ['12']);
  t.deepEqual(f.verifyDepths, [288, 0, 12]);
  for (const bad of [-1, 1.5, 'ten', true]) {
    await t.throwsAsync(async () => call(f, 'verifychain', { depth: bad }), { instanceOf: RpcParamError, message: /parameter "depth" must be a number of blocks/ });
  }
  t.is(f.verifyDepths.length, 3, 'a refused depth runs no check');
});

test('gettxoutsetinfo answers null height and tip on an empty chain and takes no parameters', async (t) => {
  const f = fake();
  t.like(await call(f, 'gettxoutsetinfo'), { height: null, bestBlock: null, txouts: 0, totalAmount: 0n });
  await t.throwsAsync(async () => call(f, 'gettxoutsetinfo', { depth: 1 }), { instanceOf: RpcParamError });
});

test('getinfo and getblockchaininfo show the sync state (headers, progress, initial download, peer and rate while syncing)', async (t) => {
  const f = fake();
  await call(f, 'genesis_block');
  f.syncStatus.current = idleSyncStatus({ syncing: true, height: 0, headers: 300, targetHeight: 300, progress: 0, initialBlockDownload: true, blocksPerSec: 250.5, peer: '127.0.0.1:9001', startedAt: '2030-01-02T03:04:05.000Z' });
  const info = toJsonSafe(await call(f, 'getinfo')) as Record<string, unknown>;
  t.like(info, { height: 0, blocks: 0, headers: 300, verificationProgress: 0, initialBlockDownload: true, syncing: true, syncPeer: '127.0.0.1:9001', blocksPerSec: 250.5, targetHeight: 300 });
  const chainInfo = toJsonSafe(await call(f, 'getblockchaininfo')) as Record<string, unknown>;
  t.like(chainInfo, { blocks: 0, headers: 300, syncing: true, syncStartedAt: '2030-01-02T03:04:05.000Z', bestBlockHash: f.processed[0]!.hash.toString('hex') });
  t.regex(String(chainInfo['chainWork']), /^[0-9a-f]{64}$/);
  f.syncStatus.current = idleSyncStatus({ height: 0, headers: 0, targetHeight: 0, progress: 1, initialBlockDownload: false });
  t.like(toJsonSafe(await call(f, 'getblockchaininfo')), { syncing: false, syncPeer: null, blocksPerSec: null, verificationProgress: 1, initialBlockDownload: false });
  await t.throwsAsync(async () => call(f, 'getblockchaininfo', { verbose: true }));
});
