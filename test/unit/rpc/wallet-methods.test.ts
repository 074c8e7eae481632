import test from 'ava';
import type { RpcContext } from '../../../src/rpc/context.js';
import type { ChainTip, CoinEntry } from '../../../src/chain/types.js';
import { pubKeyHashToAddress, publicKeyToAddress } from '../../../src/primitives/address.js';
import { publicKeyOf } from '../../../src/primitives/secp256k1.js';
import { MINE_MAX_BLOCKS } from '../../../src/rpc/constants.js';
import type { RpcChain, RpcMempool, RpcWallet } from '../../../src/rpc/context.js';
import { RpcError, RpcParamError, toJsonRpcError } from '../../../src/rpc/errors.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { miningMethods } from '../../../src/rpc/methods/mining.js';
import { unspentMethods } from '../../../src/rpc/methods/unspent.js';
import { walletKeyMethods } from '../../../src/rpc/methods/wallet-keys.js';
import { silentLogger } from '../../../src/util/logger.js';
import { encodeWif } from '../../../src/wallet/index.js';
import { TEST_PARAMS, buildBlock, makeKey, type TestKey } from '../../helpers/fixtures.js';
import { partialContext } from '../../helpers/rpc-context.js';

function fakeWallet(): RpcWallet & { keys: Map<string, Buffer> } {
  const keys = new Map<string, Buffer>();
  const labels = new Map<string, string>();
  return {
    keys,
    labelFor: (pkh) => labels.get(pubKeyHashToAddress(pkh)),
    createKey: async () => {
      const key = makeKey();
      keys.set(key.address, key.privateKey);
      return key.address;
    },
    addresses: () => [...keys.keys()],
    importKey: async (privateKey, label) => {
      const address = publicKeyToAddress(publicKeyOf(privateKey));
      const added = !keys.has(address);
      keys.set(address, privateKey);
      if (label !== undefined) labels.set(address, label);
      return { address, added };
    },
    privateKeyFor: (pkh) => keys.get(pubKeyHashToAddress(pkh)),
  };
}

test('dumpprivkey gives the compressed WIF of a wallet key; importprivkey takes it back, idempotent', async (t) => {
  const wallet = fakeWallet();
  const m = walletKeyMethods(partialContext({ wallet, logger: silentLogger() }));
  const address = await wallet.createKey();
  const dumped = (await m['dumpprivkey']!({ address })) as { address: string; privateKey: string };
  t.is(dumped.address, address);
  t.regex(dumped.privateKey, /^[KL][1-9A-HJ-NP-Za-km-z]{51}$/);
  t.is(dumped.privateKey, encodeWif(wallet.keys.get(address)!));
  t.deepEqual(await m['importprivkey']!([dumped.privateKey]), { address, added: false, label: null }, 'a key already there');

  const other = makeKey();
  t.deepEqual(await m['importprivkey']!({ privateKey: encodeWif(other.privateKey), label: 'cold' }), { address: other.address, added: true, label: 'cold' });
  await t.throwsAsync(async () => m['importprivkey']!({ privateKey: encodeWif(other.privateKey), label: 7 }), { instanceOf: RpcParamError, message: 'parameter "label" must be a string, got 7' });
  t.deepEqual(wallet.addresses(), [address, other.address]);
});

test('dumpprivkey of an address the wallet lacks is -4; a bad address -5; a bad WIF -5 with its reason', async (t) => {
  const m = walletKeyMethods(partialContext({ wallet: fakeWallet(), logger: silentLogger() }));
  const stranger = makeKey().address;
  const lacking = await t.throwsAsync(async () => m['dumpprivkey']!({ address: stranger }));
  t.deepEqual(toJsonRpcError(lacking).error, { code: -4, message: `this wallet holds no key for ${stranger}; see its addresses with the printwallet method`, data: { code: 'unknown-key' } });
  t.is(toJsonRpcError(await t.throwsAsync(async () => m['dumpprivkey']!({ address: '1nope' }))).error.code, -5);
  const bad = await t.throwsAsync(async () => m['importprivkey']!({ privateKey: 'KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98618' }));
  t.deepEqual(toJsonRpcError(bad).error, { code: -5, message: 'that is not a usable private key: its checksum does not match (a typo?)', data: { code: 'invalid-key' } });
  await t.throwsAsync(async () => m['importprivkey']!({}), { instanceOf: RpcParamError, message: 'missing parameter "privateKey"' });
});

interface UnspentFake {
  coins: Map<string, CoinEntry[]>;
  chainCoins: Map<string, CoinEntry[]>;
  wallet: ReturnType<typeof fakeWallet>;
  tipHeight: number;
}

function unspentContext(f: UnspentFake, maxCoins = 10_000): ReturnType<typeof unspentMethods> {
  const tip = (): ChainTip => ({ hash: Buffer.alloc(32), height: f.tipHeight, chainWork: 1n, header: buildBlock({ miner: makeKey() }).header });
  const chain = {
    params: { ...TEST_PARAMS, coinbaseMaturity: 10 },
    get tip() {
      return tip();
    },
    settled: async () => undefined,
    getCoinsByPubKeyHash: (pkh: Buffer) => f.chainCoins.get(pkh.toString('hex')) ?? [],
  } as Partial<RpcChain> as RpcChain;
  const mempool = { spendableCoins: (pkh: Buffer) => f.coins.get(pkh.toString('hex')) ?? [] } as Partial<RpcMempool> as RpcMempool;
  return unspentMethods(partialContext({ chain, mempool, wallet: f.wallet }), maxCoins);
}

const coin = (key: TestKey, fill: number, amount: bigint, height: number, isCoinbase = false): CoinEntry => ({
  outpoint: { txid: Buffer.alloc(32, fill), index: fill % 3 },
  coin: { amount, pubKeyHash: key.pubKeyHash, height, isCoinbase },
});

test('listunspent: confirmed, immature and mempool coins of one address or of the whole wallet, oldest first', async (t) => {
  const wallet = fakeWallet();
  const mine = makeKey();
  await wallet.importKey(mine.privateKey, 'savings');
  const stranger = makeKey();
  const f: UnspentFake = { coins: new Map(), chainCoins: new Map(), wallet, tipHeight: 20 };
  const old = coin(mine, 1, 1000n, 0, true); // genesis reward: mature
  const fresh = coin(mine, 2, 1000n, 15, true); // 6 confirmations of 10: immature
  const paid = coin(mine, 3, 40n, 18);
  const pooled = coin(mine, 4, 7n, 21); // a pool output carries the next block's height
  // The pool's view leaves out immature rewards; the chain index holds every confirmed coin.
  f.coins.set(mine.pubKeyHash.toString('hex'), [old, paid, pooled]);
  f.chainCoins.set(mine.pubKeyHash.toString('hex'), [old, fresh, paid]);
  f.coins.set(stranger.pubKeyHash.toString('hex'), [coin(stranger, 5, 3n, 19)]);
  const m = unspentContext(f);

  const all = toJsonSafe(await m['listunspent']!({})) as Array<Record<string, unknown>>;
  t.deepEqual(all, [
    { txid: Buffer.alloc(32, 1).toString('hex'), vout: 1, address: mine.address, label: 'savings', amount: 1000, confirmations: 21, coinbase: true, mature: true, spendable: true },
    { txid: Buffer.alloc(32, 2).toString('hex'), vout: 2, address: mine.address, label: 'savings', amount: 1000, confirmations: 6, coinbase: true, mature: false, spendable: false },
    { txid: Buffer.alloc(32, 3).toString('hex'), vout: 0, address: mine.address, label: 'savings', amount: 40, confirmations: 3, coinbase: false, mature: true, spendable: true },
    { txid: Buffer.alloc(32, 4).toString('hex'), vout: 1, address: mine.address, label: 'savings', amount: 7, confirmations: 0, coinbase: false, mature: true, spendable: true },
  ]);
  const theirs = toJsonSafe(await m['listunspent']!([stranger.address])) as Array<Record<string, unknown>>;
  t.deepEqual(theirs.map((c) => [c['amount'], c['confirmations'], c['spendable']]), [[3, 2, false]], 'another address: listed, not spendable by this wallet');
  await t.throwsAsync(async () => m['listunspent']!({ address: '1bad' }), { message: /not a valid address/ });
  t.deepEqual(await m['listunspent']!({ address: makeKey().address }), []);
});

test('listunspent answers at most its bound of coins and says so past it', async (t) => {
  const wallet = fakeWallet();
  const key = makeKey();
  await wallet.importKey(key.privateKey);
  const f: UnspentFake = { coins: new Map(), chainCoins: new Map(), wallet, tipHeight: 5 };
  const max = 50;
  const many = (n: number): CoinEntry[] => Array.from({ length: n }, (_, i) => ({ outpoint: { txid: Buffer.alloc(32, 1), index: i }, coin: { amount: 1n, pubKeyHash: key.pubKeyHash, height: 1, isCoinbase: false } }));
  f.coins.set(key.pubKeyHash.toString('hex'), many(max));
  t.is(((await unspentContext(f, max)['listunspent']!({})) as unknown[]).length, max);
  f.coins.set(key.pubKeyHash.toString('hex'), many(max + 1));
  const err = await t.throwsAsync(async () => unspentContext(f, max)['listunspent']!({}), { instanceOf: RpcError });
  t.log(err?.message);
  t.regex(err?.message ?? '', new RegExp(`more than ${max} unspent outputs`));
});

test(`mine takes a count of 1 to ${MINE_MAX_BLOCKS}, mines them one after another and lists them; the last one's fields stay at the top`, async (t) => {
  let parent = buildBlock({ miner: makeKey() });
  const miner = makeKey();
  let mined = 0;
  const ctx = partialContext({
    // mine checks for a chain first (no genesis: the hint with this node's flags).
    chain: { tip: { height: 0 } } as unknown as RpcContext['chain'],
    miner: {
      mineBlock: async () => {
        mined++;
        parent = buildBlock({ miner, parent });
        return parent;
      },
    },
  });
  const mine = miningMethods(ctx)['mine']!;
  const one = toJsonSafe(await mine({})) as Record<string, unknown>;
  t.is(one['height'], 1);
  t.is(one['rewardAddress'], miner.address);
  t.is((one['blocks'] as unknown[]).length, 1);
  const three = toJsonSafe(await mine(['3'])) as { height: number; hash: string; blocks: Array<{ height: number; hash: string; transactions: number }> };
  t.deepEqual(three.blocks.map((b) => b.height), [2, 3, 4]);
  t.is(three.hash, three.blocks[2]!.hash);
  t.is(mined, 4);
  for (const bad of [0, MINE_MAX_BLOCKS + 1, -1, 1.5, 'x']) {
    await t.throwsAsync(async () => mine({ count: bad }), { instanceOf: RpcParamError }, String(bad));
  }
  t.is(mined, 4, 'a refused count mines nothing');
  await t.throwsAsync(async () => mine({ count: MINE_MAX_BLOCKS + 1 }), { message: `parameter "count" must be between 1 and ${MINE_MAX_BLOCKS} blocks, got ${MINE_MAX_BLOCKS + 1}` });

  // The client hangs up after the second block: the third is never mined.
  const aborter = new AbortController();
  const before = mined;
  const hangUp = miningMethods(
    partialContext({
      chain: { tip: { height: 0 } } as unknown as RpcContext['chain'],
      miner: {
        mineBlock: async () => {
          mined++;
          if (mined - before === 2) aborter.abort();
          parent = buildBlock({ miner, parent });
          return parent;
        },
      },
    }),
  )['mine']!;
  await t.throwsAsync(async () => hangUp({ count: 5 }, { signal: aborter.signal }), { message: 'the client closed its connection after 2 of 5 blocks; mining stopped' });
  t.is(mined - before, 2);
});
