/**
 * The explorer commands against a real node process: getblock, getblocks, gettransaction and
 * getaddress in human and --json form, a send's txid in the mempool and then in a block, the error
 * paths with their RPC codes, and the index across restarts (kept, caught up after a kill -9, rebuilt when deleted).
 */
import test from 'ava';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RpcFailure, cli, createNodeSetup, getInfo, killNode, rpc, rpcError, startNode, stopNode, waitFor } from './harness.js';

const ADDRESS = /^Genesis Wallet is: (1[1-9A-HJ-NP-Za-km-z]{25,34})$/;
const HEX64 = /^[0-9a-f]{64}$/;
const UNKNOWN_TXID = 'ab'.repeat(32);

type Obj = Record<string, unknown>;
const json = async (setup: Parameters<typeof cli>[0], args: string[]): Promise<unknown> => {
  const r = await cli(setup, [...args, '--json']);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as unknown;
};
/** Amounts are JSON numbers (or decimal strings from an older toJsonSafe): compare as numbers. */
const n = (v: unknown): number => Number(v);

async function rpcCode(setup: Parameters<typeof rpc>[0], method: string, params: Obj): Promise<number> {
  return (await rpcError(rpc(setup, method, params))).code;
}

test('explorer commands: a sent tx in the mempool then in a block, blocks, address history, errors, and the index across restarts', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 100 });
  let node = await startNode(t, setup);

  // Before genesis: a clear "no chain yet" (-28), not a crash.
  t.is(await rpcCode(setup, 'getblock', { ref: 0 }), -28);

  const genesis = await cli(setup, ['genesis_block']);
  const a = ADDRESS.exec(genesis.stdout)?.[1];
  t.truthy(a, genesis.stdout);
  const b = ((await rpc(setup, 'createwallet')) as { address: string }).address;

  const sent = await cli(setup, ['send', '--from', a!, '--to', b, '--amount', '100']);
  t.is(sent.code, 0, sent.stderr);
  const txid = /transaction ([0-9a-f]{64})$/.exec(sent.stdout)?.[1];
  t.truthy(txid, sent.stdout);

  // In the mempool: 0 confirmations, no block, inputs priced from the chain.
  const pooled = (await json(setup, ['gettransaction', txid!])) as Obj;
  t.like(pooled, { txid, status: 'mempool', confirmations: 0, blockHash: null, height: null, coinbase: false });
  t.is(n(pooled['fee']), 0);
  const pooledIn = (pooled['inputs'] as Obj[])[0]!;
  t.is(pooledIn['address'], a);
  t.is(n(pooledIn['amount']), 1000);
  const human = await cli(setup, ['gettransaction', txid!]);
  t.is(human.code, 0, human.stderr);
  t.true(human.stdout.startsWith(`Transaction ${txid}\n  in the mempool (0 confirmations)`), human.stdout);
  t.regex(human.stdout, new RegExp(`#0 ${b}  100`));
  const bPending = (await json(setup, ['getaddress', b])) as Obj;
  t.like((bPending['txs'] as Obj[])[0], { txid, height: null });

  // Mined: 1 confirmation, the block's hash and height.
  const mined = await cli(setup, ['mine']);
  t.is(mined.code, 0, mined.stderr);
  const tip = (await getInfo(setup)).tip!;
  const confirmed = (await json(setup, ['gettransaction', txid!])) as Obj;
  t.like(confirmed, { status: 'confirmed', confirmations: 1, blockHash: tip, height: 1 });
  t.is(n(confirmed['fee']), 0);
  const humanConfirmed = await cli(setup, ['gettransaction', txid!]);
  t.regex(humanConfirmed.stdout, new RegExp(`confirmed in block ${tip} at height 1 \\(1 confirmation, `));
  t.log(humanConfirmed.stdout);

  // getblock by height and by hash, plain and verbose.
  const block1 = (await json(setup, ['getblock', '1'])) as Obj;
  t.like(block1, { hash: tip, height: 1, confirmations: 1, nextHash: null, txCount: 2 });
  t.regex(String(block1['work']), HEX64);
  t.deepEqual((block1['txs'] as string[])[1], txid);
  const block0 = (await json(setup, ['getblock', String(block1['prevHash'])])) as Obj;
  t.like(block0, { height: 0, confirmations: 2, nextHash: tip, txCount: 1 });
  const verbose = (await json(setup, ['getblock', tip, '--verbose'])) as Obj;
  const vtx = (verbose['txs'] as Obj[])[1]!;
  t.like(vtx, { txid, confirmations: 1, blockHash: tip });
  t.is(n((vtx['inputs'] as Obj[])[0]!['amount']), 1000);
  const humanBlock = await cli(setup, ['getblock', '1']);
  t.is(humanBlock.code, 0, humanBlock.stderr);
  t.true(humanBlock.stdout.startsWith(`Block 1 ${tip}\n  1 confirmation, `), humanBlock.stdout);
  t.true(humanBlock.stdout.includes(`\n    ${txid}`), humanBlock.stdout);
  t.log(humanBlock.stdout);
  const humanVerbose = await cli(setup, ['getblock', '1', '--verbose']);
  t.regex(humanVerbose.stdout, new RegExp(`${a}  1000  from ${HEX64.source.slice(1, -1)}:0`));

  // getblocks: ascending from start, ending at the tip.
  const blocks = (await json(setup, ['getblocks', '--start', '0', '--count', '5'])) as Obj[];
  t.deepEqual(blocks.map((x) => x['height']), [0, 1]);
  t.like(blocks[1], { hash: tip, txs: 2 });
  const table = await cli(setup, ['getblocks', '--start', '0']);
  t.is(table.code, 0, table.stderr);
  const rows = table.stdout.split('\n');
  t.regex(rows[0]!, /^height\s+hash\s+txs\s+bytes\s+time$/);
  t.is(rows.length, 3, table.stdout);
  t.log(table.stdout);

  // getaddress: balance parts and history, newest first, paged with a cursor.
  const addrA = (await json(setup, ['getaddress', a!])) as Obj;
  t.is(n(addrA['confirmed']), 1900);
  // Height 1 holds the send and the block's reward (mined to a), height 0 the genesis reward.
  const history = addrA['txs'] as Obj[];
  t.deepEqual(history.map((x) => x['height']), [1, 1, 0]);
  const send = history.find((x) => x['txid'] === txid)!;
  t.is(n(send['sent']), 1000);
  t.is(n(send['received']), 900);
  t.is(n(history[2]!['received']), 1000);
  t.is(n(history[2]!['sent']), 0);
  const page1 = (await json(setup, ['getaddress', a!, '--limit', '2'])) as Obj;
  t.like(page1, { more: true });
  t.deepEqual((page1['txs'] as Obj[]).map((x) => x['txid']), history.slice(0, 2).map((x) => x['txid']));
  const page2 = (await json(setup, ['getaddress', a!, '--limit', '2', '--before', String(page1['next'])])) as Obj;
  t.like(page2, { more: false, next: null });
  t.deepEqual((page2['txs'] as Obj[]).map((x) => x['txid']), [history[2]!['txid']]);
  const humanAddr = await cli(setup, ['getaddress', a!, '--limit', '2']);
  t.true(humanAddr.stdout.startsWith(`${a} balance is 1900`), humanAddr.stdout);
  t.true(humanAddr.stdout.includes(`getaddress ${a} --before ${String(page1['next'])}`), humanAddr.stdout);
  t.log(humanAddr.stdout);

  // Errors: exit 1, one line, Bitcoin Core's codes over RPC.
  const unknown = await cli(setup, ['gettransaction', UNKNOWN_TXID]);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^error -5: No such mempool or blockchain transaction/);
  t.is(unknown.stderr.split('\n').length, 1);
  t.is(await rpcCode(setup, 'gettransaction', { txid: UNKNOWN_TXID }), -5);
  const beyond = await cli(setup, ['getblock', '99']);
  t.is(beyond.code, 1);
  t.regex(beyond.stderr, /no block at height 99; the chain tip is at height 1/);
  t.is(await rpcCode(setup, 'getblock', { ref: 99 }), -8);
  const badHash = await cli(setup, ['getblock', 'xyz']);
  t.is(badHash.code, 2, 'a malformed ref is a usage error, caught before the call');
  t.regex(badHash.stderr, /getblock takes a block hash \(64 hex digits\) or a height/);
  const unknownHash = await cli(setup, ['getblock', UNKNOWN_TXID]);
  t.is(unknownHash.code, 1);
  t.regex(unknownHash.stderr, /^error -5: Block not found/, 'an RPC error shows its code');
  t.is(await rpcCode(setup, 'getblock', { ref: 'xyz' }), -8);
  t.is(await rpcCode(setup, 'getblock', { ref: UNKNOWN_TXID }), -5);
  t.is(await rpcCode(setup, 'getblocks', { start: 0, count: 101 }), -8);
  t.is(await rpcCode(setup, 'getblocks', { start: 2 }), -8);
  t.is(await rpcCode(setup, 'getaddress', { address: '1notanaddress' }), -5);
  t.is(await rpcCode(setup, 'getaddress', { address: a, limit: 101 }), -8);
  t.is(await rpcCode(setup, 'gettransaction', { txid: 'zz' }), -8);

  // Restart: the index is kept (opens at height 1) and follows new blocks.
  t.is(await stopNode(node), 0, node.output());
  node = await startNode(t, setup);
  await waitFor('the index log line', async () => node.output().includes('transaction and address index opened'));
  t.regex(node.output(), /"height":1,"tip":1,"msg":"transaction and address index opened"/);
  t.like(await json(setup, ['gettransaction', txid!]), { confirmations: 1, blockHash: tip });
  await rpc(setup, 'mine');
  t.like(await json(setup, ['gettransaction', txid!]), { confirmations: 2, blockHash: tip });

  // kill -9 right after three more blocks: the index reopens at its last commit and catches up.
  for (let i = 0; i < 3; i++) await rpc(setup, 'mine');
  await killNode(node);
  node = await startNode(t, setup);
  t.is((await getInfo(setup)).height, 5);
  const settled = async (): Promise<boolean> => {
    try {
      await rpc(setup, 'getaddress', { address: a });
      return true;
    } catch (err) {
      if (err instanceof RpcFailure && err.code === -28) return false;
      throw err;
    }
  };
  await waitFor('the index to catch up after kill -9', settled);
  await waitFor('getindexinfo synced', async () => ((await rpc(setup, 'getindexinfo')) as { txindex: { synced: boolean } }).txindex.synced);
  t.deepEqual(await json(setup, ['getindexinfo']), { txindex: { synced: true, bestBlockHeight: 5 }, addressindex: { synced: true, bestBlockHeight: 5 } });
  t.is((await cli(setup, ['getindexinfo'])).stdout, 'txindex: synced, best block height 5\naddressindex: synced, best block height 5');
  // a's history: the genesis reward, the send, and the rewards of blocks 1-5 (mined to a).
  t.is(((await json(setup, ['getaddress', a!])) as { txs: Obj[] }).txs.length, 7);
  t.like(await json(setup, ['gettransaction', txid!]), { confirmations: 5, blockHash: tip });

  // Deleted index: rebuilt from the chain at start (catch-up), with the same answers.
  t.is(await stopNode(node), 0, node.output());
  await rm(join(setup.dataDir, 'indexes'), { recursive: true, force: true });
  node = await startNode(t, setup);
  await waitFor('the index to be rebuilt', settled);
  t.like(await json(setup, ['gettransaction', txid!]), { confirmations: 5, blockHash: tip, height: 1 });
  t.is(((await json(setup, ['getaddress', a!])) as { txs: Obj[] }).txs.length, 7);
  t.is(await stopNode(node), 0, node.output());
});
