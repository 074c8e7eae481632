/**
 * Disk faults (issue #9 item 3), root only: a real node whose data dir is a small tmpfs.
 * - Full disk: the disk is filled up to a little room, then blocks are mined, wallet keys made and
 *   bans saved until a write fails. The node must stop by itself with exit code 1 and one sentence naming the
 *   chain database and the full disk (Bitcoin Core's "Disk space is too low!" shutdown), leave
 *   no torn or temp file behind, and its chain database must hold exactly the replay of its
 *   stored blocks up to its tip. After the filler is removed it starts again at that tip, every
 *   wallet key it reported is there, and it mines on.
 * - Read-only data dir (a tmpfs remounted read-only: chmod does not stop root): `cli start`
 *   fails at once with exit 1 and one sentence naming the dir, and writes nothing.
 * Each tmpfs is mounted here and always unmounted in teardown.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ChainStore } from '../../src/chain/store/store.js';
import { CHAIN_DIR_NAME, WALLET_FILE_NAME } from '../../src/node/constants.js';
import type { Block } from '../../src/primitives/block.js';
import { freeBytes } from '../../src/util/disk.js';
import { auditStore } from '../integration/crash-helpers.js';
import { type NodeSetup, RpcFailure, cli, createNodeSetup, getInfo, rpc, startNode, stopNode } from '../integration/harness.js';

const execFileAsync = promisify(execFile);
/** Big enough for the node's files at start, small enough to fill in a second. */
const TMPFS_SIZE = '4m';
/** Room left when the disk is pre-filled: some dozens of blocks and wallet writes. */
const ROOM_LEFT_BYTES = 160 * 1024;
const MAX_WRITES = 2_000;
/** Every this many blocks a wallet key is made as well, so wallet writes meet the full disk too. */
const KEY_EVERY_BLOCKS = 4;
const EXIT_TIMEOUT_MS = 20_000;
const FILLER = 'filler.bin';

async function skipReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'disk-fault lab tests need Linux tmpfs mounts';
  if (process.getuid?.() !== 0) return 'disk-fault lab tests need root (they mount a tmpfs)';
  return undefined;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A tmpfs mounted at the setup's data dir, unmounted after the test. */
async function mountTmpfs(t: Teardown, setup: NodeSetup): Promise<void> {
  mkdirSync(setup.dataDir, { recursive: true });
  await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE},mode=0700`, 'tmpfs', setup.dataDir]);
  t.teardown(() => execFileAsync('umount', ['-l', setup.dataDir]).catch(() => undefined));
}

/** Every file under `dir` (relative path → sha256 and mode), to prove nothing changed. */
function snapshot(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = join(prefix, name);
    const stats = statSync(join(dir, rel));
    if (stats.isDirectory()) for (const [k, v] of snapshot(dir, rel)) out.set(k, v);
    else out.set(rel, `${createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex')} ${stats.mode.toString(8)} ${stats.mtimeMs}`);
  }
  return out;
}

/** The active chain of a stopped node's database, genesis first. */
async function storedChain(chainDir: string): Promise<Block[]> {
  const store = ChainStore.open(chainDir);
  try {
    const blocks: Block[] = [];
    for (let height = 0; ; height++) {
      const hash = store.getHashAtHeight(height);
      if (!hash) return blocks;
      blocks.push(store.getBlock(hash)!);
    }
  } finally {
    await store.close();
  }
}

const reason = await skipReason();
if (reason !== undefined) console.log(`disk-fault lab tests skipped: ${reason}`);
const labTest = reason !== undefined ? test.skip : test.serial;

labTest('a full disk stops the node with one sentence and exit 1, corrupts nothing, and it resumes once space is freed', async (t) => {
  t.timeout(120_000);
  const setup = await createNodeSetup(t, { txpoolSize: 1000 });
  await mountTmpfs(t, setup);
  const node = await startNode(t, setup, ['--no-discovery']);
  await rpc(setup, 'genesis_block');
  const keys = [((await rpc(setup, 'createwallet')) as { address: string }).address];
  const keysBefore = (await getInfo(setup)).walletAddresses; // the genesis wallet's key too

  const free = freeBytes(setup.dataDir)!;
  writeFileSync(join(setup.dataDir, FILLER), Buffer.alloc(Math.max(0, free - ROOM_LEFT_BYTES)));
  const roomBytes = freeBytes(setup.dataDir)!;

  let mined = 0;
  let lastHeight = (await getInfo(setup)).height!;
  let keyFailures = 0;
  let bans = 0;
  let firstFailure: string | undefined;
  for (let i = 0; i < MAX_WRITES && node.child.exitCode === null; i++) {
    try {
      if (i % KEY_EVERY_BLOCKS === 0) {
        // A ban rewrites banlist.json (best effort, as in Core: a failed save is logged, the ban holds in memory).
        await rpc(setup, 'ban', { key: `192.0.2.${(i / KEY_EVERY_BLOCKS) % 256}`, reason: 'disk-fault test' });
        bans++;
        try {
          keys.push(((await rpc(setup, 'createwallet')) as { address: string }).address);
        } catch (err) {
          if (!(err instanceof RpcFailure)) throw err;
          keyFailures++; // the wallet refuses a key it cannot save; the node goes on
          firstFailure ??= `createwallet: ${err.message}`;
        }
      }
      lastHeight = ((await rpc(setup, 'mine')) as { height: number }).height;
      mined++;
    } catch (err) {
      firstFailure ??= `mine: ${(err as Error).message}`;
      break;
    }
  }
  const exitCode = await Promise.race([node.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), EXIT_TIMEOUT_MS))]);
  await node.closed;
  const output = node.output();
  t.log(`tmpfs ${TMPFS_SIZE}, ${roomBytes} bytes left after the filler: ${mined} blocks mined, ${keys.length} wallet keys made (${keyFailures} refused), ${bans} bans saved or tried, then: ${firstFailure}`);
  t.is(exitCode, 1, 'the node stopped by itself with exit code 1');
  const sentence = output.split('\n').find((line) => line.startsWith('kadchain stopped: '));
  t.log(`its last word: ${sentence}`);
  if (sentence === undefined) t.log(output.split("\n").slice(-12).join("\n"));
  t.is(sentence?.startsWith(`kadchain stopped: cannot write the chain database at ${join(setup.dataDir, CHAIN_DIR_NAME)}: the disk is full (`), true);
  t.false(output.includes('unhandled promise rejection'), 'no unhandled rejection on the way down');
  t.false(output.includes('uncaught exception'));

  // Nothing torn: every small file parses, no temp file is left, the database is its blocks' replay.
  const files = readdirSync(setup.dataDir);
  t.deepEqual(files.filter((name) => name.endsWith('.tmp')), [], 'no temp file left behind');
  t.true(files.includes('banlist.json') && files.includes(WALLET_FILE_NAME), 'the files written during the fill are there');
  for (const name of files.filter((n) => n.endsWith('.json'))) t.notThrows(() => JSON.parse(readFileSync(join(setup.dataDir, name), 'utf8')), `${name} parses`);
  const wallet = JSON.parse(readFileSync(join(setup.dataDir, WALLET_FILE_NAME), 'utf8')) as unknown;
  for (const address of keys) t.true(JSON.stringify(wallet).includes(address), `wallet.json holds the reported key ${address}`);
  const chain = await storedChain(join(setup.dataDir, CHAIN_DIR_NAME));
  t.is(chain.length - 1, lastHeight, 'the tip is the last block the node reported mined');
  const audit = await auditStore(join(setup.dataDir, CHAIN_DIR_NAME), (tip) => (chain.at(-1)?.hashHex === tip ? chain : undefined));
  t.deepEqual(audit.mismatches, [], 'UTXO set, address index, heights and undo records match the replay of the stored blocks');
  t.log(`after the stop: tip height ${lastHeight}, data dir mismatches ${audit.mismatches.length}, files ${files.join(' ')}`);

  // Space freed: the node starts at the same tip with every key, and mines on.
  rmSync(join(setup.dataDir, FILLER));
  const again = await startNode(t, setup, ['--no-discovery']);
  const info = await getInfo(setup);
  t.is(info.height, lastHeight);
  t.is(info.tip, chain.at(-1)!.hashHex);
  t.is(info.walletAddresses, keysBefore + keys.length - 1, 'every key reported made is there, and the refused ones are not');
  t.is(((await rpc(setup, 'mine')) as { height: number }).height, lastHeight + 1);
  t.is(await stopNode(again), 0);
});

labTest('a read-only data dir: cli start fails at once with exit 1 and one sentence naming the dir, and writes nothing', async (t) => {
  t.timeout(60_000);
  const setup = await createNodeSetup(t);
  await mountTmpfs(t, setup);
  const node = await startNode(t, setup, ['--no-discovery']);
  await rpc(setup, 'genesis_block');
  t.is(await stopNode(node), 0);
  const before = snapshot(setup.dataDir);
  await execFileAsync('mount', ['-o', 'remount,ro', setup.dataDir]);

  const startMs = Date.now();
  const result = await cli(setup, ['start', '--no-discovery']);
  const elapsedMs = Date.now() - startMs;
  t.log(`cli start on a read-only data dir: exit ${result.code} after ${elapsedMs} ms: ${result.stderr}`);
  t.is(result.code, 1);
  t.is(result.stderr, `data dir ${setup.dataDir} is not writable (the file system is read-only): the node keeps its chain and wallet there; fix that or pick another --datadir`);
  t.deepEqual(snapshot(setup.dataDir), before, 'not a byte of the data dir changed');

  // A data dir still to be made, on a read-only file system.
  const fresh = join(setup.dataDir, 'new');
  const created = await cli(undefined, ['start', '--no-discovery', '--datadir', fresh, '--rpc-port', String(setup.rpcPort), '--port', '0']);
  t.log(`cli start with a new data dir on it: exit ${created.code}: ${created.stderr}`);
  t.is(created.code, 1);
  t.is(created.stderr, `cannot create data dir ${fresh} (the file system is read-only); pick another --datadir`);
});
