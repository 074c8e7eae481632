/**
 * The operator's tools on real node processes (issue #9 item 3): gettxoutsetinfo and verifychain
 * over the CLI on a mined chain; a UTXO set damaged while the node is stopped is reported by
 * verifychain and repaired by `start --reindex` to the digest it had; kill -9 during a reindex
 * (twice: during `start --reindex`, then during the restart that continues it) leaves a marker
 * that makes the next start finish the job, never a partial state passing for a whole one.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Chain } from '../../src/chain/chain.js';
import { ChainStore } from '../../src/chain/store/store.js';
import { CHAIN_DIR_NAME } from '../../src/node/constants.js';
import { Block } from '../../src/primitives/block.js';
import { silentLogger } from '../../src/util/logger.js';
import { buildBlockFixture, loadBlockFixture } from '../bench/block-fixture.js';
import { TEST_PARAMS } from '../helpers/fixtures.js';
import { CLI_BIN, type NodeSetup, cli, createNodeSetup, getInfo, pauseNode, resumeNode, rpc, startNode, stopNode, waitFor } from './harness.js';

const REINDEX_BLOCKS = Number(process.env.REINDEX_BLOCKS ?? 1200);
const TXS_PER_BLOCK = 4;
/** Longer than the progress intervals (VERIFY_PROGRESS_INTERVAL_MS 1 s, REINDEX_LOG_INTERVAL_MS 2 s): after it a progress line is due. */
const PROGRESS_PAUSE_MS = 1_300;
const REINDEX_PAUSE_MS = 2_300;
/** pino's info level: the reindex progress line is meant for the operator. */
const PINO_INFO = 30;
/** A start that reindexes first answers RPC only after the reindex. */
const REINDEX_READY_MS = 120_000;

interface TxoutSetInfo {
  height: number | null;
  bestBlock: string | null;
  txouts: number;
  transactions: number;
  totalAmount: number;
  hash: string;
}

interface VerifyReply {
  ok: boolean;
  height: number | null;
  checkedBlocks: number;
  replayedBlocks: number;
  expected: { hash: string; txouts: number } | null;
  actual: { hash: string; txouts: number } | null;
  failure: { reason: string; height: number | null } | null;
  elapsedMs: number;
}

const logLines = (output: string): Array<Record<string, unknown>> =>
  output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

/** Runs `cli start` with `args` until a log line satisfies `stopAt`, then kill -9; resolves with that line. */
/** `signal` SIGINT: a clean stop, which must exit 0; `onExit` sees the node's output. */
function startAndKillAt(
  setup: NodeSetup,
  args: readonly string[],
  stopAt: (line: Record<string, unknown>) => boolean,
  timeoutMs: number,
  stopSignal: 'SIGKILL' | 'SIGINT' = 'SIGKILL',
  onExit?: (output: string) => void,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, 'start', '--config', setup.configFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let pending = '';
    let hit: Record<string, unknown> | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of logLines(lines.join('\n'))) {
        if (hit === undefined && stopAt(line)) {
          hit = line;
          child.kill(stopSignal);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      onExit?.(output);
      if (hit && stopSignal === 'SIGKILL' && signal === 'SIGKILL') resolve(hit);
      else if (hit && stopSignal === 'SIGINT' && code === 0) resolve(hit);
      else reject(new Error(`the node ended (${code ?? signal}) before the kill point:\n${output.slice(-3000)}`));
    });
  });
}

/**
 * Runs the CLI with `args` (and the setup's config); once its output matches `pauseAt` the process
 * is paused (pauseNode: SIGSTOP) for `pauseMs`, then resumed: the progress lines are timed (one a second
 * or two), and a pause longer than their interval makes the next one due whatever the machine's
 * speed, with no test-only knob in the node. Once the output matches `endAt` (if given) it gets
 * SIGINT. Resolves with the exit code, the output, and whether the pause happened.
 */
function runWithPause(
  setup: NodeSetup,
  args: readonly string[],
  pauseAt: RegExp,
  pauseMs: number,
  endAt: RegExp | undefined,
  timeoutMs: number,
): Promise<{ code: number | null; output: string; paused: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args, '--config', setup.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let paused = false;
    let ended = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (!paused && pauseAt.test(output)) {
        paused = true;
        pauseNode({ child });
        setTimeout(() => resumeNode({ child }), pauseMs);
      }
      if (!ended && endAt?.test(output)) {
        ended = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, paused });
    });
  });
}

async function reindexPending(setup: NodeSetup): Promise<boolean> {
  const store = ChainStore.open(join(setup.dataDir, CHAIN_DIR_NAME));
  try {
    return store.reindexPending();
  } finally {
    await store.close();
  }
}

test('cli verifychain and gettxoutsetinfo on a mined chain with transactions', async (t) => {
  const setup = await createNodeSetup(t);
  const node = await startNode(t, setup);
  const genesis = await cli(setup, ['genesis_block']);
  t.is(genesis.code, 0, genesis.stderr);
  const a = /Genesis Wallet is: (\S+)/.exec(genesis.stdout)![1]!;
  const b = /Wallet address is (\S+)/.exec((await cli(setup, ['createwallet'])).stdout)![1]!;
  for (let i = 0; i < 2; i++) t.is((await cli(setup, ['send', '--from', a, '--to', b, '--amount', String(100 + i)])).code, 0);
  await waitFor('block 1', async () => (await getInfo(setup)).height === 1);
  t.is((await cli(setup, ['mine'])).code, 0);
  t.is((await cli(setup, ['mine'])).code, 0);

  const verified = await cli(setup, ['verifychain']);
  t.is(verified.code, 0, verified.stderr);
  t.regex(verified.stdout, /^verifychain ok: 4 block\(s\) replayed from genesis up to height 3, the last 4 re-validated in full/);
  const info = await cli(setup, ['gettxoutsetinfo']);
  t.is(info.code, 0, info.stderr);
  t.regex(info.stdout, /^height: 3\nbestBlock: [0-9a-f]{64}\ntxouts: \d+\ntransactions: \d+\ntotalAmount: 4000\nhash: [0-9a-f]{64}$/);
  const json = JSON.parse((await cli(setup, ['gettxoutsetinfo', '--json'])).stdout) as TxoutSetInfo;
  t.is(json.totalAmount, 4000, 'four rewards of 1000 and no fees: the sends only moved coins (a JSON integer)');
  t.is(json.bestBlock, (await getInfo(setup)).tip);
  t.regex(verified.stdout, new RegExp(`digest ${json.hash}$`), 'verifychain and gettxoutsetinfo agree on the digest');
  const bad = await cli(setup, ['verifychain', '--depth', 'all']);
  t.is(bad.code, 2, 'refused by the CLI before any RPC call');
  t.is(bad.stderr, '--depth must be a whole number, 0 or more, got "all" (see: ./kadchain verifychain --help)');
  t.log(`mined chain: height 3, ${json.txouts} coins, digest ${json.hash}`);
  t.is(await stopNode(node), 0);
});

test(`a damaged UTXO set is found by verifychain and repaired by start --reindex; kill -9 during a reindex of ${REINDEX_BLOCKS} blocks is finished by the next start`, async (t) => {
  t.timeout(6 * REINDEX_READY_MS);
  const fixture = buildBlockFixture(REINDEX_BLOCKS, TXS_PER_BLOCK);
  const blocks = [fixture.genesis, ...fixture.blocks].map((bytes) => Block.decode(bytes));
  const setup = await createNodeSetup(t, { txpoolSize: 1000 });
  const chainPath = join(setup.dataDir, CHAIN_DIR_NAME);
  const chain = await Chain.open({ path: chainPath, params: TEST_PARAMS, logger: silentLogger() });
  await loadBlockFixture(chain, fixture.genesis, fixture.blocks);
  await chain.close();

  let node = await startNode(t, setup);
  const before = (await rpc(setup, 'gettxoutsetinfo')) as TxoutSetInfo;
  t.is(before.height, REINDEX_BLOCKS);
  const full = (await rpc(setup, 'verifychain', { depth: 0 })) as VerifyReply;
  t.true(full.ok, full.failure?.reason);
  t.is(full.checkedBlocks, REINDEX_BLOCKS + 1);
  t.is(full.actual?.hash, before.hash);
  t.log(`verifychain --depth 0: ${full.checkedBlocks} blocks (${fixture.inputs} inputs) in ${full.elapsedMs} ms, digest ${before.hash}`);
  t.is((await cli(setup, ['verifychain'])).code, 0);
  t.is(await stopNode(node), 0);

  // Damage while stopped: a reward coin gone, a coin from nowhere.
  const store = ChainStore.open(chainPath);
  store.transaction(() => {
    store.removeCoin({ txid: blocks[100]!.transactions[0]!.txid, index: 0 });
    store.putCoin({ txid: Buffer.alloc(32, 0x42), index: 0 }, { amount: 1_000_000n, pubKeyHash: Buffer.alloc(20, 1), height: 5, isCoinbase: false });
  });
  await store.close();
  node = await startNode(t, setup);
  const damaged = await cli(setup, ['verifychain']);
  t.is(damaged.code, 1, 'a failed check fails the command');
  // The first difference in key order is reported: either damage may come first.
  t.regex(damaged.stdout, /^verifychain FAILED: (coin [0-9a-f]{64}:0 is missing from the stored UTXO set|the stored UTXO set holds coin (42){32}:0, which the blocks never created)/);
  // The repair hint names this node's own flags (the harness starts it with --config).
  t.regex(damaged.stdout, /repair it: stop the node, then run \.\/kadchain start --reindex --config \S+ --datadir \S+ --rpc-port \d+$/);
  t.not(((await rpc(setup, 'gettxoutsetinfo')) as TxoutSetInfo).hash, before.hash);
  t.is(await stopNode(node), 0);
  // Paused past the progress interval (VERIFY_PROGRESS_INTERVAL_MS, 1 s) once it started: the
  // check itself takes ~0.4 s here, and must still print a progress line before its verdict.
  const offlineRun = await runWithPause(setup, ['verifychain', '--offline'], /verifying the chain database at /, PROGRESS_PAUSE_MS, undefined, REINDEX_READY_MS);
  const offline = { code: offlineRun.code, stdout: offlineRun.output.trim() };
  t.true(offlineRun.paused, 'the check was paused once it had started');
  t.is(offline.code, 1, 'the offline check finds it too, with the node stopped');
  t.regex(offline.stdout, new RegExp(`^verifying the chain database at .* \\(the last 288 blocks in full\\) …\\n(verifying: height \\d+ of ${REINDEX_BLOCKS} \\(\\d+ blocks/s\\)\\n)+verifychain FAILED: `), 'at least one progress line (one a second) before the verdict');
  t.log(`verifychain --offline: ${offline.stdout.split('\n').filter((line) => line.startsWith('verifying: height')).length} progress lines, then the failure`);

  // Paused past REINDEX_LOG_INTERVAL_MS (2 s) after its first chunk, so its info-level progress
  // line is due at the next chunk on any machine; stopped (SIGINT) once it is ready, then restarted for the checks.
  const reindexRun = await runWithPause(setup, ['start', '--reindex'], /"msg":"reindex chunk committed"/, REINDEX_PAUSE_MS, /"msg":"rpc listening"/, REINDEX_READY_MS);
  t.true(reindexRun.paused, 'the reindex was paused after its first chunk');
  t.is(reindexRun.code, 0, reindexRun.output.slice(-2000));
  node = await startNode(t, setup, [], REINDEX_READY_MS);
  const done = logLines(reindexRun.output).find((line) => line['msg'] === 'reindex done');
  t.truthy(done, 'the reindex logs its end');
  t.is(done?.['height'], REINDEX_BLOCKS);
  // The operator's progress line (info level, one a second), not the debug line of each commit.
  const progress = logLines(reindexRun.output).filter((line) => line['msg'] === 'reindex progress' && line['level'] === PINO_INFO);
  t.true(progress.length > 0, 'at least one info-level reindex progress line');
  for (const line of progress) {
    t.true(typeof line['height'] === 'number' && line['height'] > 0 && line['height'] <= REINDEX_BLOCKS, `progress height ${String(line['height'])}`);
    t.true(typeof line['blocksPerSec'] === 'number' && line['blocksPerSec'] > 0, `progress rate ${String(line['blocksPerSec'])}`);
  }
  t.log(`start --reindex: ${progress.length} progress lines (${progress.map((line) => `height ${String(line['height'])} at ${String(line['blocksPerSec'])} blocks/s`).join(', ')})`);
  const repaired = (await rpc(setup, 'gettxoutsetinfo')) as TxoutSetInfo;
  t.deepEqual(repaired, before, 'the reindex restores the UTXO set digest from before the damage');
  t.true(((await rpc(setup, 'verifychain', { depth: 0 })) as VerifyReply).ok);
  t.log(`start --reindex: ${REINDEX_BLOCKS + 1} blocks at ${String(done?.['blocksPerSec'])} blocks/s (${String(done?.['elapsedMs'])} ms), digest ${repaired.hash} restored`);
  t.is(await stopNode(node), 0);

  // kill -9 after a random chunk of `start --reindex`, then during the plain start that continues it.
  const chunkAt = (min: number) => (line: Record<string, unknown>) => line['msg'] === 'reindex chunk committed' && typeof line['height'] === 'number' && line['height'] >= min;
  const target = 200 + Math.floor(Math.random() * Math.max(1, REINDEX_BLOCKS / 3));
  const first = await startAndKillAt(setup, ['--reindex'], chunkAt(target), REINDEX_READY_MS);
  t.true(await reindexPending(setup), `the kill during start --reindex (after height ${String(first['height'])}) leaves the marker`);
  const second = await startAndKillAt(setup, [], chunkAt(0), REINDEX_READY_MS);
  t.true(await reindexPending(setup), `the kill during the continuing start (after height ${String(second['height'])}) leaves the marker`);
  t.true((second['height'] as number) > (first['height'] as number), 'the plain start continued from the committed height, not from genesis');

  node = await startNode(t, setup, [], REINDEX_READY_MS);
  t.true(logLines(node.output()).some((line) => line['msg'] === 'continuing an unfinished reindex'));
  t.false(await reindexPending(setup), 'the marker is gone once the reindex finished');
  const info = await getInfo(setup);
  t.is(info.height, REINDEX_BLOCKS);
  t.is(info.tip, blocks[REINDEX_BLOCKS]!.hashHex);
  t.deepEqual((await rpc(setup, 'gettxoutsetinfo')) as TxoutSetInfo, before);
  t.true(((await rpc(setup, 'verifychain', { depth: 0 })) as VerifyReply).ok);
  t.log(`kill -9 at reindex heights ${String(first['height'])} and ${String(second['height'])}: the next start finished it; digest equal, verifychain ok`);
  t.is(await stopNode(node), 0);
  const offline2 = await cli(setup, ['verifychain', '--offline', '--depth', '0']);
  t.is(offline2.code, 0, offline2.stdout);
  t.regex(offline2.stdout, new RegExp(`verifychain ok: ${REINDEX_BLOCKS + 1} block\\(s\\) replayed .*\\nUTXO set: .* digest ${before.hash}$`));

  // Ctrl-C early in a fresh start --reindex: a clean exit 0 that says the reindex goes on next time.
  let interruptedOutput = '';
  const third = await startAndKillAt(setup, ['--reindex'], chunkAt(0), REINDEX_READY_MS, 'SIGINT', (output) => (interruptedOutput = output));
  const interrupted = logLines(interruptedOutput).find((line) => line['msg'] === 'reindex interrupted; it continues from this height on the next start');
  t.truthy(interrupted, `SIGINT during the reindex (after height ${String(third['height'])}) logs that it continues on the next start`);
  t.false(logLines(interruptedOutput).some((line) => line['msg'] === 'node failed to start'), 'an interrupted reindex is not a failure');
  t.true(await reindexPending(setup), 'the marker stays after SIGINT');
  t.log(`SIGINT after reindex height ${String(third['height'])}: stopped at ${String(interrupted?.['height'])}, exit 0, marker kept`);
});
