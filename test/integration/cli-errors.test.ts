/**
 * Issue #11 §3 with real processes: every error path of the CLI (usage errors exit 2 before any
 * RPC call, RPC errors exit 1 with their code, --json errors on stderr), options before the
 * command and env vars, a failed `start` (one line, no half-made data dir), and the hints a node
 * prints carrying its own flags — run verbatim to prove them.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CliResult, type RunningNode, cli, createNodeSetup, freePort, getInfo, startNode, waitFor } from './harness.js';

/** ./kadchain at the repo root (tests run from dist/test/integration/). */
const KADCHAIN_SCRIPT = fileURLToPath(new URL('../../../kadchain', import.meta.url));
const ADDRESS = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT';

/** Runs an executable directly (no `node` in front): the ./kadchain script as a person runs it. */
function run(file: string, args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, [...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

/** A hint's command (`./kadchain genesis_block --config … --datadir …`), run verbatim through bin/cli.js. */
async function runHint(hint: string): Promise<CliResult> {
  const words = hint.split(' ');
  if (words[0] !== './kadchain') throw new Error(`not a kadchain command: ${hint}`);
  return cli(undefined, words.slice(1));
}

test('./kadchain runs the CLI: --version, and an unknown command gets a suggestion and exit 2', async (t) => {
  const version = await run(KADCHAIN_SCRIPT, ['--version']);
  t.is(version.code, 0, version.stderr);
  t.regex(version.stdout, /^kadchain \d+\.\d+\.\d+$/);
  t.log(`$ ./kadchain --version\n${version.stdout}`);
  const typo = await run(KADCHAIN_SCRIPT, ['balanse', ADDRESS]);
  t.is(typo.code, 2);
  t.is(typo.stdout, '');
  t.is(typo.stderr, 'unknown command "balanse"; did you mean "balance"? (see: ./kadchain --help)');
  t.log(`$ ./kadchain balanse … (exit ${typo.code})\n${typo.stderr}`);
});

test('usage errors exit 2 before any RPC call; RPC errors exit 1 with their code; --json errors are JSON on stderr', async (t) => {
  const setup = await createNodeSetup(t);
  await startNode(t, setup);
  const genesis = await cli(setup, ['genesis_block']);
  t.is(genesis.code, 0, genesis.stderr);
  const from = genesis.stdout.replace('Genesis Wallet is: ', '');
  const node = ['--datadir', setup.dataDir, '--rpc-port', String(setup.rpcPort)];

  // Options before the command, against the real node.
  const before = await cli(undefined, [...node, '--json', 'getinfo']);
  t.is(before.code, 0, before.stderr);
  t.is((JSON.parse(before.stdout) as { height: number }).height, 0);

  const repeated = await cli(undefined, ['getinfo', ...node, '--rpc-port', String(setup.rpcPort)]);
  t.is(repeated.code, 2);
  t.is(repeated.stderr, '--rpc-port is given twice; give it once (see: ./kadchain getinfo --help)');
  const nearMiss = await cli(undefined, ['getinfo', '--datadir', setup.dataDir, '--rpcport', String(setup.rpcPort)]);
  t.is(nearMiss.code, 2);
  t.is(nearMiss.stderr, 'getinfo has no option --rpcport; did you mean --rpc-port? (see: ./kadchain getinfo --help)');

  const mempoolBefore = (await getInfo(setup)).mempoolSize;
  for (const amount of ['-5', '1.5', '0', '1e3']) {
    const bad = await cli(setup, ['send', '--from', from, '--to', ADDRESS, '--amount', amount]);
    t.is(bad.code, 2, amount);
    t.is(bad.stdout, '');
    t.is(bad.stderr, `--amount must be a whole number of coins greater than 0 (no decimals, signs or exponents), got "${amount}" (see: ./kadchain send --help)`);
  }
  const badJson = await cli(setup, ['send', '--json', '--from', from, '--to', ADDRESS, '--amount', '1.5']);
  t.is(badJson.code, 2);
  t.is((JSON.parse(badJson.stderr) as { error: { code: string } }).error.code, 'usage');
  t.is((await getInfo(setup)).mempoolSize, mempoolBefore, 'nothing reached the mempool');

  const outOfRange = await cli(setup, ['print', '7']);
  t.is(outOfRange.code, 1);
  t.is(outOfRange.stderr, 'error -8: there is no block at height 7; the chain tip is at height 0');
  const stranger = await cli(setup, ['send', '--from', ADDRESS, '--to', from, '--amount', '5']);
  t.is(stranger.code, 1);
  t.regex(stranger.stderr, /^error -4: /);
  t.log(`$ ./kadchain send --from <not ours> … (exit ${stranger.code})\n${stranger.stderr}`);

  const jsonError = await cli(setup, ['print', '7', '--json']);
  t.is(jsonError.code, 1);
  t.is(jsonError.stdout, '');
  t.deepEqual(JSON.parse(jsonError.stderr), { error: { code: -8, message: 'there is no block at height 7; the chain tip is at height 0' } });
  t.log(`$ ./kadchain print 7 --json (exit ${jsonError.code}, stderr)\n${jsonError.stderr}`);
});

test('KADCHAIN_DATADIR and KADCHAIN_RPC_PORT reach the node; a flag beats the variable', async (t) => {
  const setup = await createNodeSetup(t);
  await startNode(t, setup);
  const env = { KADCHAIN_DATADIR: setup.dataDir, KADCHAIN_RPC_PORT: String(setup.rpcPort) };
  const viaEnv = await cli(undefined, ['getinfo', '--json'], env);
  t.is(viaEnv.code, 0, viaEnv.stderr);
  t.is((JSON.parse(viaEnv.stdout) as { height: number | null }).height, null);
  const deadPort = await freePort();
  const flagWins = await cli(undefined, ['getinfo', '--rpc-port', String(deadPort)], env);
  t.is(flagWins.code, 1);
  // the env's data dir belongs to the running node (its cookie is there): the hint says so
  t.regex(flagWins.stderr, new RegExp(`^no kadchain node is answering at 127\\.0\\.0\\.1:${deadPort}, yet .*\\.cookie exists: the node using that data dir listens on another --rpc-port`));
  const badEnv = await cli(undefined, ['getinfo'], { ...env, KADCHAIN_RPC_PORT: 'ninety' });
  t.is(badEnv.code, 2);
  t.is(badEnv.stderr, 'environment variable KADCHAIN_RPC_PORT must be a port number from 1 to 65535, got "ninety" (unset it or fix it)');
});

/** The line of the node's log holding `text`, as its message field (JSON logs). */
function logMessage(node: RunningNode, text: string): string | undefined {
  for (const line of node.output().split('\n')) {
    if (!line.includes(text)) continue;
    try {
      return (JSON.parse(line) as { msg: string }).msg;
    } catch {
      return line;
    }
  }
  return undefined;
}

test('an empty node prints hints with its own flags (config, data dir, rpc port), and they work verbatim', async (t) => {
  const setup = await createNodeSetup(t);
  const node = await startNode(t, setup);
  await waitFor('the start log line', async () => logMessage(node, 'node started') !== undefined);
  const flags = `--config ${setup.configFile} --datadir ${setup.dataDir} --rpc-port ${setup.rpcPort}`;
  const started = logMessage(node, 'node started');
  t.is(started, `node started with an empty chain; create the genesis block with: ./kadchain genesis_block ${flags}`);
  t.log(`node log: ${started}`);
  const noChain = await cli(setup, ['print', '0']);
  t.is(noChain.code, 1);
  t.is(noChain.stderr, `error -28: this node has no chain yet; create the genesis block with: ./kadchain genesis_block ${flags}`);
  const mine = await cli(setup, ['mine']);
  t.is(mine.stderr, noChain.stderr, 'mine gives the same hint');
  const hinted = await runHint(noChain.stderr.slice(noChain.stderr.indexOf('./kadchain')));
  t.is(hinted.code, 0, hinted.stderr);
  t.regex(hinted.stdout, /^Genesis Wallet is: 1/);
  t.is((await getInfo(setup)).height, 0);
});

test('an empty node with bootstrap nodes configured waits for peers instead of suggesting genesis_block', async (t) => {
  // Discovery off: the bootstrap entry is only configured, never contacted, so the chain stays empty.
  const setup = await createNodeSetup(t, { bootstrap: ['127.0.0.1:9'] });
  const node = await startNode(t, setup);
  await waitFor('the start log line', async () => logMessage(node, 'node started') !== undefined);
  const started = logMessage(node, 'node started') ?? '';
  t.is(started, `node started with an empty chain; waiting for peers to learn the chain (see them with: ./kadchain peers --config ${setup.configFile} --datadir ${setup.dataDir} --rpc-port ${setup.rpcPort})`);
  t.false(started.includes('genesis_block'));
  const noChain = await cli(setup, ['print', '0']);
  t.is(noChain.code, 1);
  t.regex(noChain.stderr, /^error -28: this node has no chain yet; waiting for peers to learn the chain \(see them with: \.\/kadchain peers --config /);
  t.log(`node log: ${started}\n$ ./kadchain print 0\n${noChain.stderr}`);
});

test('a failed start prints one line on stderr, removes the data dir it created and never what existed before', async (t) => {
  const first = await createNodeSetup(t);
  await startNode(t, first);
  const second = await createNodeSetup(t);
  // The RPC port is taken by the first node: the start fails late, after the chain, wallet and network came up.
  const fresh = join(second.root, 'fresh', 'data');
  const failed = await cli(undefined, ['start', '--config', second.configFile, '--datadir', fresh, '--rpc-port', String(first.rpcPort), '--log-level', 'info']);
  t.is(failed.code, 1);
  const expected = `cannot listen for RPC on 127.0.0.1:${first.rpcPort}: listen EADDRINUSE: address already in use 127.0.0.1:${first.rpcPort} (another node there? pick another --rpc-port)`;
  t.is(failed.stderr, expected, 'one line, no stack trace');
  t.false(failed.stdout.includes('already in use'), 'not repeated in the log');
  t.false(existsSync(join(second.root, 'fresh')), 'the dirs this start created are gone');
  t.log(`$ ./kadchain start … --rpc-port ${first.rpcPort} (exit ${failed.code})\n${failed.stderr}`);

  const existing = join(second.root, 'existing');
  await mkdir(existing);
  await writeFile(join(existing, 'notes.txt'), 'mine');
  const again = await cli(undefined, ['start', '--config', second.configFile, '--datadir', existing, '--rpc-port', String(first.rpcPort), '--log-level', 'info']);
  t.is(again.code, 1);
  t.is(again.stderr, expected);
  t.true(existsSync(join(existing, 'notes.txt')), 'a data dir that existed keeps what it had');
  t.log(`existing data dir after the failed start: ${readdirSync(existing).sort().join(', ')}`);
});
