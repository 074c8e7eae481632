import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCommand } from '../../../src/cli/commands.js';
import { format } from '../../../src/cli/format.js';
import { type CliIo, parseCommandArgs, runCli } from '../../../src/cli/main.js';
import { writeCookie } from '../../../src/rpc/cookie.js';
import { RpcServer } from '../../../src/rpc/server.js';
import { silentLogger } from '../../../src/util/logger.js';

const HASH = (n: number): string => n.toString(16).padStart(64, '0');

test('mine prints one line per block; a one-block answer without the list still prints', (t) => {
  const blocks = [1, 2, 3].map((h) => ({ hash: HASH(h), height: h, transactions: 1, rewardAddress: '1abc' }));
  t.is(format.mine({ ...blocks[2]!, blocks }), blocks.map((b) => `Mined block ${b.height} ${b.hash} with 1 transaction(s)`).join('\n'));
  t.is(format.mine({ hash: HASH(7), height: 7, transactions: 3, rewardAddress: '1abc' }), `Mined block 7 ${HASH(7)} with 3 transaction(s)`);
});

test('mine [n] and listunspent [address] take an optional positional; more is a usage error', (t) => {
  const mine = findCommand('mine')!;
  t.deepEqual(mine.params(parseCommandArgs(mine, [])), {});
  t.deepEqual(mine.params(parseCommandArgs(mine, ['5'])), { count: '5' });
  t.throws(() => parseCommandArgs(mine, ['5', '6']), { message: /^mine takes \[n\], got "5 6"/ });
  const list = findCommand('listunspent')!;
  t.deepEqual(list.params(parseCommandArgs(list, [])), {});
  t.deepEqual(list.params(parseCommandArgs(list, ['1abc'])), { address: '1abc' });
  t.throws(() => parseCommandArgs(findCommand('dumpprivkey')!, []), { message: /^dumpprivkey needs <address>/ });
  t.throws(() => parseCommandArgs(findCommand('importprivkey')!, []), { message: /^importprivkey needs <wif>/ });
});

test('listunspent prints a table with notes for rewards, immature and mempool coins', (t) => {
  t.is(format.listunspent([]), 'no unspent outputs');
  const out = format.listunspent([
    { txid: HASH(1), vout: 0, address: '1abc', amount: 1000, confirmations: 12, coinbase: true, mature: true, spendable: true },
    { txid: HASH(2), vout: 1, address: '1abc', amount: 1000, confirmations: 3, coinbase: true, mature: false, spendable: false },
    { txid: HASH(3), vout: 2, address: '1def', label: 'cold', amount: 5, confirmations: 0, coinbase: false, mature: true, spendable: true },
  ]);
  t.log(`\n${out}`);
  const lines = out.split('\n');
  t.is(lines.length, 4);
  t.regex(lines[0]!, /^OUTPOINT +AMOUNT +CONFS +ADDRESS$/);
  t.regex(lines[1]!, new RegExp(`^${HASH(1)}:0 +1000 +12 +1abc +block reward$`));
  t.regex(lines[2]!, /block reward, immature$/);
  t.regex(lines[3]!, /   5 +0 +1def \(cold\) +in the mempool$/);
});

interface Captured extends CliIo {
  out: string[];
  err: string[];
}

test('dumpprivkey prints the bare key on stdout and the warning on stderr, also with --json', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cookie = writeCookie(dir);
  const wif = 'KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617';
  const server = new RpcServer({ host: '127.0.0.1', port: 0, cookie, methods: { dumpprivkey: (p: unknown) => ({ address: (p as { address: string }).address, privateKey: wif }) }, logger: silentLogger() });
  const { port } = await server.start();
  t.teardown(() => server.stop());
  const io = (): Captured => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, cwd: process.cwd(), stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
  };
  const flags = ['--rpc-port', String(port), '--datadir', dir];
  const human = io();
  t.is(await runCli(['dumpprivkey', '1LoVGDgRs9hTfTNJNuXKSpywcbdvwRXpmK', ...flags], human), 0);
  t.deepEqual(human.out, [wif]);
  t.deepEqual(human.err, ['warning: anyone who sees this key can spend the coins of 1LoVGDgRs9hTfTNJNuXKSpywcbdvwRXpmK; never paste it into a website, a chat or a shared terminal']);
  const json = io();
  t.is(await runCli(['dumpprivkey', '1LoVGDgRs9hTfTNJNuXKSpywcbdvwRXpmK', '--json', ...flags], json), 0);
  t.deepEqual(JSON.parse(json.out.join('\n')), { address: '1LoVGDgRs9hTfTNJNuXKSpywcbdvwRXpmK', privateKey: wif });
  t.is(json.err.length, 1, 'the warning stays on stderr');
  t.is(format.importprivkey({ address: '1abc', added: true }), 'Imported the key of 1abc; its coins count at once');
  t.is(format.importprivkey({ address: '1abc', added: false, label: null }), 'The wallet already holds the key of 1abc');
  t.is(format.importprivkey({ address: '1abc', added: true, label: 'cold' }), 'Imported the key of 1abc (label "cold"); its coins count at once');
  const imp = findCommand('importprivkey')!;
  t.deepEqual(imp.params(parseCommandArgs(imp, ['Kx', '--label', 'cold'])), { privateKey: 'Kx', label: 'cold' });
  t.deepEqual(imp.params(parseCommandArgs(imp, ['Kx'])), { privateKey: 'Kx' });
});
