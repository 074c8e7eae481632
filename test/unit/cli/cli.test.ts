import test, { type ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCommand } from '../../../src/cli/commands.js';
import { format } from '../../../src/cli/format.js';
import { formatBanned, formatDuration, formatPeers } from '../../../src/cli/format-peers.js';
import { type CliIo, parseCommandArgs, runCli } from '../../../src/cli/main.js';
import { writeCookie } from '../../../src/rpc/cookie.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { KadchainError } from '../../../src/util/errors.js';
import { silentLogger } from '../../../src/util/logger.js';

interface Captured extends CliIo {
  out: string[];
  err: string[];
}

function io(cwd = process.cwd()): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

/** A port nothing listens on: bound by the OS, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An RPC server on 127.0.0.1 answering `methods`, with its cookie in a temp data dir; the CLI flags that reach it. */
async function rpcServerWith(t: ExecutionContext, methods: ConstructorParameters<typeof RpcServer>[0]['methods']): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie: writeCookie(dir), methods, logger: silentLogger() });
  const { port } = await server.start();
  t.teardown(() => server.stop());
  return ['--rpc-port', String(port), '--datadir', dir];
}

test('send maps flags to named params and requires from/to/amount', (t) => {
  const send = findCommand('send')!;
  const parsed = parseCommandArgs(send, ['--from', 'A', '--to', 'B', '--amount', '100']);
  t.deepEqual(send.params(parsed), { from: 'A', to: 'B', amount: '100' });
  t.deepEqual(send.params(parseCommandArgs(send, ['--from', 'A', '--to', 'B', '--amount=5', '--fee', '1'])), { from: 'A', to: 'B', amount: '5', fee: '1' });
  t.throws(() => parseCommandArgs(send, ['--from', 'A', '--amount', '100']), { message: 'send needs --to (see: ./kadchain send --help)' });
  t.throws(() => parseCommandArgs(send, ['--from', 'A', '--to', 'B', '--amount', '-5']), { message: '--amount must be a whole number of coins greater than 0 (no decimals, signs or exponents), got "-5" (see: ./kadchain send --help)' });
  t.throws(() => parseCommandArgs(send, ['--from', 'A', '--to', 'B', '--amount', '1', '--bogus']), { message: 'send has no option --bogus (see: ./kadchain send --help)' });
});

test('positional commands check their argument count', (t) => {
  const balance = findCommand('balance')!;
  t.deepEqual(balance.params(parseCommandArgs(balance, ['1abc'])), { address: '1abc' });
  t.throws(() => parseCommandArgs(balance, []), { message: 'balance needs <address> (usage: ./kadchain balance <address>)' });
  t.throws(() => parseCommandArgs(balance, ['a', 'b']), { message: /balance takes <address>, got "a b"/ });
  const print = findCommand('print')!;
  t.deepEqual(print.params(parseCommandArgs(print, ['3', '--json'])), { height: '3' });
  t.throws(() => parseCommandArgs(findCommand('getinfo')!, ['x']), { message: /getinfo takes no arguments/ });
});

test('help: general and per command, exit 0', async (t) => {
  const general = io();
  t.is(await runCli(['--help'], general), 0);
  for (const name of ['start', 'genesis_block', 'createwallet', 'printwallet', 'balance', 'send', 'print', 'mine', 'getinfo', 'mempool', 'peers', 'addpeer', 'ban', 'unban', 'listbanned', 'clearbanned', 'getmemoryinfo', 'stop']) {
    t.true(general.out[0]?.includes(`  ${name} `), name);
  }
  const send = io();
  t.is(await runCli(['send', '--help'], send), 0);
  t.regex(send.out[0] ?? '', /^usage: \.\/kadchain send --from ADDRESS --to ADDRESS --amount N \[--fee N\]/);
  const start = io();
  t.is(await runCli(['start', '--help'], start), 0);
  t.regex(start.out[0] ?? '', /--log-level LEVEL/);
  t.regex(start.out[0] ?? '', /--bootstrap HOST:PORT/);
  t.regex(start.out[0] ?? '', /--no-discovery/);
});

test('start takes --bootstrap more than once, --listen-host and --no-discovery', (t) => {
  const start = findCommand('start')!;
  const parsed = parseCommandArgs(start, ['--bootstrap', '127.0.0.1:9000', '--bootstrap=10.0.0.1:9000,10.0.0.2:9000', '--listen-host', '127.0.0.1', '--no-discovery']);
  t.deepEqual(parsed.values['bootstrap'], ['127.0.0.1:9000', '10.0.0.1:9000,10.0.0.2:9000']);
  t.is(parsed.values['listen-host'], '127.0.0.1');
  t.is(parsed.values['no-discovery'], true);
  const addpeer = findCommand('addpeer')!;
  t.deepEqual(addpeer.params(parseCommandArgs(addpeer, ['127.0.0.1:9001'])), { address: '127.0.0.1:9001' });
  t.throws(() => parseCommandArgs(addpeer, []), { message: 'addpeer needs <host:port> (usage: ./kadchain addpeer <host:port>)' });
});

test('peers prints a table of peers and bans', (t) => {
  const now = Date.now();
  const text = formatPeers({
    peers: [
      { id: '0123456789abcdef', address: '127.0.0.1:9001', direction: 'outbound', ready: true, height: 12, pingMs: 3, connectedForSec: 75 },
      { id: null, address: '10.0.0.7:51234', direction: 'inbound', ready: false, height: 0, pingMs: null, connectedForSec: 0 },
    ],
    bans: [{ key: '10.0.0.9', reason: 'bad-magic: not a frame', until: new Date(now).toISOString(), remainingSec: 3599 }],
  });
  t.is(
    text,
    [
      '2 peer(s)',
      'ID                ADDRESS         DIR  HEIGHT  PING  CONNECTED',
      '0123456789abcdef  127.0.0.1:9001  out      12  3 ms  1m 15s',
      '(handshake)       10.0.0.7:51234  in        -     -  0s',
      '',
      '1 ban(s)',
      'BANNED    FOR      REASON',
      '10.0.0.9  59m 59s  bad-magic: not a frame',
    ].join('\n'),
  );
  t.is(formatPeers({ peers: [], bans: [] }), 'no peers connected (connect one with: ./kadchain addpeer HOST:PORT)');
  t.is(formatDuration(3_700), '1h 01m');
});

test('peers lists manual peers with state, retry and last error, and discouraged addresses', (t) => {
  const text = formatPeers({
    peers: [],
    bans: [],
    manual: [
      { address: '10.0.0.5:9000', state: 'waiting', lastError: 'it refused us: different-genesis: another chain', nextRetrySec: 3_540 },
      { address: '10.0.0.6:9000', state: 'connected', lastError: null, nextRetrySec: null },
    ],
    discouraged: [{ key: '1.2.3.4', reason: 'bad-magic: not a frame', until: new Date().toISOString(), remainingSec: 86_000 }],
  });
  t.is(
    text,
    [
      'no peers connected (connect one with: ./kadchain addpeer HOST:PORT)',
      '',
      '2 manual peer(s)',
      'MANUAL         STATE      RETRY IN  LAST ERROR',
      '10.0.0.5:9000  waiting    59m 00s   it refused us: different-genesis: another chain',
      '10.0.0.6:9000  connected  -         -',
      '',
      '1 discouraged (misbehaved: not dialled, accepted only while inbound slots are free)',
      'DISCOURAGED  FOR      REASON',
      '1.2.3.4      23h 53m  bad-magic: not a frame',
    ].join('\n'),
  );
  t.is(formatBanned([]), 'no bans');
  t.regex(formatBanned([{ key: '10.0.0.9', reason: 'spam', remainingSec: 60 }]), /^1 ban\(s\)\nBANNED +FOR +REASON\n10\.0\.0\.9 +1m 00s +spam$/);
});

test('ban takes <ip|nodeid> with --duration and --reason; unban takes the key', (t) => {
  const ban = findCommand('ban')!;
  t.deepEqual(ban.params(parseCommandArgs(ban, ['1.2.3.4', '--duration', '60', '--reason', 'spam'])), { key: '1.2.3.4', durationSec: '60', reason: 'spam' });
  t.deepEqual(ban.params(parseCommandArgs(ban, ['1.2.3.4'])), { key: '1.2.3.4' });
  t.throws(() => parseCommandArgs(ban, []), { message: /^ban needs <ip\|nodeid>/ });
  const unban = findCommand('unban')!;
  t.deepEqual(unban.params(parseCommandArgs(unban, ['1.2.3.4'])), { key: '1.2.3.4' });
});

test('usage errors: one line on stderr, exit 2', async (t) => {
  for (const argv of [[], ['frobnicate'], ['send', '--to', 'x'], ['balance'], ['getinfo', '--rpc-port', 'abc']]) {
    const c = io();
    t.is(await runCli(argv, c), 2, argv.join(' '));
    t.is(c.err.length, 1);
    t.false(c.err[0]?.includes('\n'));
    t.deepEqual(c.out, []);
  }
});

test('no node answering: the exact one-line hint and exit 1', async (t) => {
  const port = await deadPort();
  const c = io();
  t.is(await runCli(['balance', '1abc', '--rpc-port', String(port), '--datadir', './data'], c), 1);
  t.deepEqual(c.err, [`no kadchain node is answering at 127.0.0.1:${port} (start one with: ./kadchain start --datadir ./data --rpc-port ${port})`]);
});

test('a node answering 401 with no cookie file: the message names the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie: 'secret', methods: {}, logger: silentLogger() });
  const { port } = await server.start();
  t.teardown(() => server.stop());
  const c = io();
  t.is(await runCli(['getinfo', '--rpc-port', String(port), '--datadir', dir], c), 1);
  t.deepEqual(c.err, [`cannot read the RPC cookie ${join(dir, '.cookie')}: the file does not exist (the node may not be running, or uses another --datadir)`]);
  writeCookie(dir); // a different secret than the server's
  const wrong = io();
  t.is(await runCli(['getinfo', '--rpc-port', String(port), '--datadir', dir], wrong), 1);
  t.regex(wrong.err[0] ?? '', /refused the cookie in/);
});

test("a peer's words reach the terminal as text: escape sequences in its reject reason are printed escaped, raw only inside --json", async (t) => {
  // What a hostile manual peer's reject makes of `peers`: clear the screen, forge a line, set the clipboard (OSC 52).
  const hostile = 'it refused us: x: \u001b[2J\u001b[Hall good\u001b]52;c;ZWNobyBoaQ==\u001b\\';
  const methods = {
    peers: () => ({ peers: [], bans: [], manual: [{ address: '127.0.0.1:23999', state: 'waiting', lastError: hostile, nextRetrySec: 1 }] }),
    send: () => {
      throw new KadchainError('insufficient-funds', 'refused: \u001b[31mred');
    },
  };
  const flags = await rpcServerWith(t, methods);
  const human = io();
  t.is(await runCli(['peers', ...flags], human), 0);
  const text = human.out.join('\n');
  t.false(text.includes('\u001b'), 'no ESC byte reaches the terminal');
  t.true(text.includes('it refused us: x: \\x1b[2J\\x1b[Hall good\\x1b]52;c;ZWNobyBoaQ==\\x1b\\'), text);
  const raw = io();
  t.is(await runCli(['peers', '--json', ...flags], raw), 0);
  t.is((JSON.parse(raw.out[0] ?? '') as { manual: { lastError: string }[] }).manual[0]?.lastError, hostile, '--json keeps the exact text (JSON escapes it)');
  const failed = io();
  t.is(await runCli(['send', '--from', '1abc', '--to', '1def', '--amount', '1', ...flags], failed), 1);
  t.deepEqual(failed.err, ['error -6: refused: \\x1b[31mred']);
});

test('a result is formatted, or printed raw with --json; an RPC error is one line, exit 1', async (t) => {
  const methods = {
    balance: (p: unknown) => ({ address: (p as { address: string }).address, confirmed: 1000n, unconfirmed: 1000n }),
    send: () => {
      throw new KadchainError('insufficient-funds', '1abc has 5 coins spendable, the payment needs 100');
    },
  };
  const flags = await rpcServerWith(t, methods);
  const human = io();
  t.is(await runCli(['balance', '1abc', ...flags], human), 0);
  t.deepEqual(human.out, ['1abc balance is 1000']);
  const raw = io();
  t.is(await runCli(['balance', '1abc', '--json', ...flags], raw), 0);
  t.deepEqual(JSON.parse(raw.out[0] ?? ''), { address: '1abc', confirmed: 1000, unconfirmed: 1000 }, 'amounts are JSON integers');
  const failed = io();
  t.is(await runCli(['send', '--from', '1abc', '--to', '1def', '--amount', '100', ...flags], failed), 1);
  t.deepEqual(failed.err, ['error -6: 1abc has 5 coins spendable, the payment needs 100']);
  const unknown = io();
  t.is(await runCli(['mine', ...flags], unknown), 1);
  t.deepEqual(unknown.err, ['error -32601: unknown method "mine" (the help method lists them all)']);
});

test('verifychain: --depth is passed on; a failed check exits 1; --offline refuses a bad depth or a data dir without a chain', async (t) => {
  const verify = findCommand('verifychain')!;
  t.deepEqual(verify.params(parseCommandArgs(verify, [])), {});
  t.deepEqual(verify.params(parseCommandArgs(verify, ['--depth', '0'])), { depth: '0' });
  t.is(verify.exitCode?.({ ok: true }), 0);
  t.is(verify.exitCode?.({ ok: false }), 1);
  t.is(verify.exitCode?.(null), 1);
  const start = findCommand('start')!;
  t.is(parseCommandArgs(start, ['--reindex']).values['reindex'], true, 'start --reindex');

  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bad = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--depth', 'ten', '--datadir', dir], bad), 2);
  t.deepEqual(bad.err, ['--depth must be a whole number, 0 or more, got "ten" (see: ./kadchain verifychain --help)']);
  const none = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], none), 1);
  t.deepEqual(none.err, [`there is no chain database at ${join(dir, 'chain')} (is --datadir right?)`]);
});

test('verifychain --offline opens read-only: an empty chain dir stays empty; a half-finished reindex is refused; a running node is named', async (t) => {
  const { ChainStore } = await import('../../../src/chain/store/store.js');
  const { existsSync, mkdirSync, writeFileSync } = await import('node:fs');
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const chainDir = join(dir, 'chain');
  mkdirSync(chainDir);
  const empty = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], empty), 1);
  t.deepEqual(empty.err, [`there is no chain database at ${chainDir} (is --datadir right?)`]);
  t.false(existsSync(join(chainDir, 'data.mdb')), 'no database was created in the wrong dir');

  // A real (empty) chain database, then a reindex marker in it.
  const store = ChainStore.open(chainDir);
  await store.close();
  const ok = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], ok), 0, ok.err.join('\n'));
  t.false(ok.out.join('\n').includes('is running on this data dir'), 'no node named when none runs');
  // This test's own process holds the lock file: a running node on the data dir.
  writeFileSync(join(dir, 'node.lock'), `${process.pid}\n`);
  const beside = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], beside), 0);
  t.is(beside.out[0], `the node (process ${process.pid}) is running on this data dir: checking a snapshot of its last commit; blocks it connects meanwhile are not part of the check`);
  const marked = ChainStore.open(chainDir);
  marked.transaction(() => marked.setReindexPending(true));
  await marked.close();
  const pending = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], pending), 1);
  t.deepEqual(pending.err, [`a reindex of the chain database at ${chainDir} has not finished; start the node to complete it`]);
  const newer = ChainStore.open(chainDir);
  newer.transaction(() => newer.setFormatVersion(99));
  await newer.close();
  const future = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], future), 1);
  t.regex(future.err[0] ?? '', /has layout version 99, newer than this build reads \(\d+\); use a newer kadchain$/);
  // An older layout with blocks (the last format-2 build's, test/fixtures/store-format-2): read-only here, so not upgraded.
  const { readFileSync } = await import('node:fs');
  const { gunzipSync } = await import('node:zlib');
  const { fileURLToPath } = await import('node:url');
  const fixture = fileURLToPath(new URL('../../../../test/fixtures/store-format-2/data.mdb.gz', import.meta.url));
  writeFileSync(join(chainDir, 'data.mdb'), gunzipSync(readFileSync(fixture)));
  const older = io(dir);
  t.is(await runCli(['verifychain', '--offline', '--datadir', dir], older), 1);
  t.deepEqual(older.err, [`the chain database at ${chainDir} has layout version 2, which this build upgrades when the node starts; run: ./kadchain start --datadir ${dir} once, then verifychain again`]);
  const untouched = ChainStore.open(chainDir, { readOnly: true });
  t.is(untouched.formatVersion(), 2, 'the read-only check left it as it was');
  await untouched.close();
});

test('hints in a command\'s output carry the flags of the node it asked (data dir, rpc port)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cookie = writeCookie(dir);
  const methods = { printwallet: () => ({ addresses: [] }), peers: () => ({ peers: [], bans: [] }) };
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie, methods, logger: silentLogger() });
  const { port } = await server.start();
  t.teardown(() => server.stop());
  const wallet = io(dir);
  t.is(await runCli(['--datadir', dir, 'printwallet', '--rpc-port', String(port)], wallet), 0);
  t.deepEqual(wallet.out, [`this node's wallet has no addresses yet (create one with: ./kadchain createwallet --datadir . --rpc-port ${port})`]);
  const peers = io(tmpdir());
  t.is(await runCli(['peers', '--rpc-port', String(port), '--datadir', dir], peers), 0);
  t.deepEqual(peers.out, [`no peers connected (connect one with: ./kadchain addpeer HOST:PORT --datadir ./${dir.slice(tmpdir().length + 1)} --rpc-port ${port})`]);
});

test('no node answering, but the data dir holds a cookie: the hint says the node listens elsewhere instead of starting a second one', async (t) => {
  const port = await deadPort();
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  writeCookie(dir);
  const c = io();
  t.is(await runCli(['getinfo', '--rpc-port', String(port), '--datadir', dir], c), 1);
  t.is(c.err.length, 1);
  t.regex(c.err[0] ?? '', new RegExp(`^no kadchain node is answering at 127\\.0\\.0\\.1:${port}, yet .*\\.cookie exists: the node using that data dir listens on another --rpc-port \\(its start log says which\\), or it was killed \\(start it again with: \\./kadchain start --datadir .* --rpc-port ${port}\\)$`));
});

test('removepeer says whether it closed a connection of ours', (t) => {
  t.is(format.removepeer({ address: '127.0.0.1:9001', removed: true, closed: true }), 'Removed 127.0.0.1:9001 from the manual peers: no more reconnects, our connection to it closed');
  t.is(format.removepeer({ address: '127.0.0.1:9001', removed: true, closed: false }), 'Removed 127.0.0.1:9001 from the manual peers: no more reconnects, and no connection of ours to it was open');
});
