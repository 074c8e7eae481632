import test from 'ava';
import { kindProblem, parseCommandArgs, splitCommandLine } from '../../../src/cli/args.js';
import { COMMANDS, findCommand } from '../../../src/cli/commands.js';
import { OTHER_COMMAND_NAMES } from '../../../src/cli/other-names.js';
import { type CliIo, runCli, withEnvironment } from '../../../src/cli/main.js';

interface Captured extends CliIo {
  out: string[];
  err: string[];
}

function io(env: Record<string, string> = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd: process.cwd(), env, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

const cmd = (name: string) => findCommand(name)!;

test('the command is found wherever it is; a value-taking option consumes the word after it', (t) => {
  t.deepEqual(splitCommandLine(['balance', 'X', '--datadir', './b']), { command: 'balance', rest: ['X', '--datadir', './b'] });
  t.deepEqual(splitCommandLine(['--datadir', './b', 'balance', 'X']), { command: 'balance', rest: ['--datadir', './b', 'X'] });
  t.deepEqual(splitCommandLine(['--datadir=./b', '--json', 'getinfo']), { command: 'getinfo', rest: ['--datadir=./b', '--json'] });
  // "balance" here is the data dir's name, not the command.
  t.deepEqual(splitCommandLine(['--datadir', 'balance', 'getinfo']), { command: 'getinfo', rest: ['--datadir', 'balance'] });
  t.deepEqual(splitCommandLine(['--json']), { command: undefined, rest: ['--json'] });
  t.deepEqual(splitCommandLine(['--', 'print']), { command: 'print', rest: ['--'] });
});

test('options before the command parse exactly like options after it', (t) => {
  const after = parseCommandArgs(cmd('balance'), ['1abc', '--rpc-port', '9101', '--json']);
  const { rest } = splitCommandLine(['--rpc-port', '9101', '--json', 'balance', '1abc']);
  t.deepEqual(parseCommandArgs(cmd('balance'), rest), after);
  t.deepEqual(after, { values: { 'rpc-port': '9101', json: true }, positionals: ['1abc'] });
});

test('a repeated option is an error; a `multiple` option collects its values', (t) => {
  t.throws(() => parseCommandArgs(cmd('balance'), ['X', '--datadir', 'a', '--datadir=b']), { message: '--datadir is given twice; give it once (see: ./kadchain balance --help)' });
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['--json', '--json']), { message: '--json is given twice; give it once (see: ./kadchain getinfo --help)' });
  t.deepEqual(parseCommandArgs(cmd('start'), ['--bootstrap', 'a:1', '--bootstrap=b:2']).values['bootstrap'], ['a:1', 'b:2']);
  t.deepEqual(parseCommandArgs(cmd('start'), ['--bootstrap', 'a:1']).values['bootstrap'], ['a:1']);
});

test('a near-miss option gets "did you mean", from the options this command takes', (t) => {
  t.throws(() => parseCommandArgs(cmd('balance'), ['X', '--rpcport', '1']), { message: 'balance has no option --rpcport; did you mean --rpc-port? (see: ./kadchain balance --help)' });
  t.throws(() => parseCommandArgs(cmd('send'), ['--form', 'A']), { message: 'send has no option --form; did you mean --from? (see: ./kadchain send --help)' });
  t.throws(() => parseCommandArgs(cmd('balance'), ['X', '--Datadir', 'd']), { message: 'balance has no option --Datadir; did you mean --datadir? (see: ./kadchain balance --help)' });
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['--colour']), { message: 'getinfo has no option --colour (see: ./kadchain getinfo --help)' });
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['-x']), { message: 'getinfo has no option -x (see: ./kadchain getinfo --help)' });
  // --port belongs to start, not to client commands.
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['--port', '9000']), { message: 'getinfo has no option --port; it is an option of start (see: ./kadchain getinfo --help)' });
  t.throws(() => parseCommandArgs(cmd('balance'), ['X', '--amount', '5']), { message: 'balance has no option --amount; it is an option of send (see: ./kadchain balance --help)' });
});

test('option values: missing, given to a flag, or taken from the next option are refused in one line', (t) => {
  t.throws(() => parseCommandArgs(cmd('balance'), ['X', '--datadir']), { message: '--datadir needs a value (DIR) (see: ./kadchain balance --help)' });
  t.throws(() => parseCommandArgs(cmd('send'), ['--from', '--to', 'B', '--amount', '1']), { message: '--from needs a value (ADDRESS) (see: ./kadchain send --help)' });
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['--json=yes']), { message: '--json takes no value, got "--json=yes" (see: ./kadchain getinfo --help)' });
  t.deepEqual(parseCommandArgs(cmd('balance'), ['--', '-X']).positionals, ['-X'], '-- ends the options');
});

test('typed values are checked before any RPC call: amounts, fees, heights, counts, ports, seconds, peer addresses', (t) => {
  const send = ['--from', 'A', '--to', 'B'];
  for (const bad of ['0', '-5', '1.5', '1e3', '0x10', '+5', ' 5', '', '99999999999999999999']) {
    t.throws(() => parseCommandArgs(cmd('send'), [...send, '--amount', bad]), { message: new RegExp(`^--amount must be a whole number of coins greater than 0 \\(no decimals, signs or exponents\\), got ${JSON.stringify(bad).replace(/[.+]/g, '\\$&')} \\(see`) }, bad);
  }
  t.is(parseCommandArgs(cmd('send'), [...send, '--amount', '7', '--fee', '0']).values['fee'], '0', 'a zero fee is fine');
  t.throws(() => parseCommandArgs(cmd('send'), [...send, '--amount', '7', '--fee', '-1']), { message: /^--fee must be a whole number of coins, 0 or more/ });
  t.throws(() => parseCommandArgs(cmd('print'), ['-1']), { message: '<height> must be a block height: a whole number, 0 or more, got "-1" (see: ./kadchain print --help)' });
  t.throws(() => parseCommandArgs(cmd('print'), ['tip']), { message: /^<height> must be a block height/ });
  t.is(parseCommandArgs(cmd('print'), ['0']).positionals[0], '0');
  t.throws(() => parseCommandArgs(cmd('verifychain'), ['--depth', '2.5']), { message: /^--depth must be a whole number, 0 or more, got "2.5"/ });
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['--rpc-port', '65536']), { message: /^--rpc-port must be a port number from 1 to 65535, got "65536"/ });
  t.throws(() => parseCommandArgs(cmd('getinfo'), ['--rpc-port', '0']), { message: /^--rpc-port must be a port number from 1/ });
  t.is(parseCommandArgs(cmd('start'), ['--port', '0']).values['port'], '0', 'start --port 0 = any free port');
  t.throws(() => parseCommandArgs(cmd('ban'), ['1.2.3.4', '--duration', '0']), { message: /^--duration must be a whole number of seconds greater than 0/ });
  t.is(kindProblem('port', '65535'), undefined);
  t.is(kindProblem('amount', '2100000000000000'), undefined);
  // addpeer's address: checked by the node's own parser, so a missing port is exit 2, not an RPC error
  t.throws(() => parseCommandArgs(cmd('addpeer'), ['127.0.0.1']), { message: /^<host:port> "127\.0\.0\.1" is not a host:port address \(like 127\.0\.0\.1:9000/ });
  t.throws(() => parseCommandArgs(cmd('addpeer'), ['127.0.0.1:0']), { message: /the port must be a number from 1 to 65535/ });
  t.is(parseCommandArgs(cmd('addpeer'), ['[::1]:9000']).positionals[0], '[::1]:9000');
  t.is(kindProblem('host-port', 'seed.example:9000'), undefined);
});

test('the value checks exit 2 with our message and never reach a node (none listens on port 1)', async (t) => {
  const c = io();
  t.is(await runCli(['send', '--from', 'A', '--to', 'B', '--amount', '1.5', '--rpc-port', '1'], c), 2);
  t.deepEqual(c.err, ['--amount must be a whole number of coins greater than 0 (no decimals, signs or exponents), got "1.5" (see: ./kadchain send --help)']);
  t.deepEqual(c.out, []);
});

test('environment variables fill in only what the flags did not give; a bad one is named', (t) => {
  const parsed = parseCommandArgs(cmd('getinfo'), ['--datadir', './flag']);
  t.deepEqual(withEnvironment(parsed, { KADCHAIN_DATADIR: './env', KADCHAIN_RPC_PORT: '9300' }).values, { datadir: './flag', 'rpc-port': '9300' });
  t.deepEqual(withEnvironment(parseCommandArgs(cmd('getinfo'), []), { KADCHAIN_DATADIR: './env' }).values, { datadir: './env' });
  t.deepEqual(withEnvironment(parseCommandArgs(cmd('getinfo'), []), { KADCHAIN_DATADIR: '', KADCHAIN_RPC_PORT: '' }).values, {}, 'empty = unset');
  t.throws(() => withEnvironment(parseCommandArgs(cmd('getinfo'), []), { KADCHAIN_RPC_PORT: 'abc' }), { message: 'environment variable KADCHAIN_RPC_PORT must be a port number from 1 to 65535, got "abc" (unset it or fix it)' });
  t.deepEqual(withEnvironment(parseCommandArgs(cmd('getinfo'), ['--rpc-port', '9101']), { KADCHAIN_RPC_PORT: 'abc' }).values, { 'rpc-port': '9101' }, 'a flag makes the variable irrelevant');
});

test('env vars reach the connection: the "no node" hint names the env data dir and port; flags beat them', async (t) => {
  const c = io({ KADCHAIN_DATADIR: '/tmp/kadchain-env-dir', KADCHAIN_RPC_PORT: '1' });
  t.is(await runCli(['getinfo'], c), 1);
  t.deepEqual(c.err, ['no kadchain node is answering at 127.0.0.1:1 (start one with: ./kadchain start --datadir /tmp/kadchain-env-dir --rpc-port 1)']);
  const f = io({ KADCHAIN_DATADIR: '/tmp/kadchain-env-dir', KADCHAIN_RPC_PORT: '1' });
  t.is(await runCli(['getinfo', '--rpc-port', '2', '--datadir', '/tmp/flag-dir'], f), 1);
  t.deepEqual(f.err, ['no kadchain node is answering at 127.0.0.1:2 (start one with: ./kadchain start --datadir /tmp/flag-dir --rpc-port 2)']);
});

test('unknown commands get a suggestion; help, help <command>, <command> --help and --version print locally', async (t) => {
  const typo = io();
  t.is(await runCli(['balanse', 'X'], typo), 2);
  t.deepEqual(typo.err, ['unknown command "balanse"; did you mean "balance"? (see: ./kadchain --help)']);
  const far = io();
  t.is(await runCli(['frobnicate'], far), 2);
  t.deepEqual(far.err, ['unknown command "frobnicate" (see: ./kadchain --help)']);
  const bitcoinCli = io();
  t.is(await runCli(['getbalance', 'X'], bitcoinCli), 2);
  t.deepEqual(bitcoinCli.err, ['unknown command "getbalance"; ./kadchain calls it "balance" (see: ./kadchain --help)']);
  const shorthand = io();
  t.is(await runCli(['help', 'GetTx'], shorthand), 2);
  t.deepEqual(shorthand.err, ['unknown command "GetTx"; ./kadchain calls it "gettransaction" (see: ./kadchain --help)']);
  const none = io();
  t.is(await runCli(['--json'], none), 2);
  t.deepEqual(none.err, ['{"error":{"code":"usage","message":"missing command (see: ./kadchain --help)"}}']);

  const general = io();
  t.is(await runCli(['help'], general), 0);
  t.regex(general.out[0] ?? '', /^usage: \.\/kadchain <command>/);
  t.regex(general.out[0] ?? '', /KADCHAIN_DATADIR/);
  t.regex(general.out[0] ?? '', /a flag beats its environment variable, which beats the --config file/);
  const viaHelp = io();
  t.is(await runCli(['help', 'send'], viaHelp), 0);
  const viaFlag = io();
  t.is(await runCli(['send', '--help'], viaFlag), 0);
  const before = io();
  t.is(await runCli(['--help', 'send'], before), 0);
  t.regex(viaHelp.out[0] ?? '', /^usage: \.\/kadchain send --from ADDRESS --to ADDRESS --amount N \[--fee N\]/);
  t.deepEqual(viaFlag.out, viaHelp.out);
  t.deepEqual(before.out, viaHelp.out);
  const helpTypo = io();
  t.is(await runCli(['help', 'sned'], helpTypo), 2);
  t.deepEqual(helpTypo.err, ['unknown command "sned"; did you mean "send"? (see: ./kadchain --help)']);

  const version = io();
  t.is(await runCli(['--version'], version), 0);
  t.regex(version.out[0] ?? '', /^kadchain \d+\.\d+\.\d+/);
  t.log(version.out[0]);
});

test('--json errors are one JSON object on stderr with the same exit codes: usage 2, no node 1', async (t) => {
  const usage = io();
  t.is(await runCli(['print', 'abc', '--json'], usage), 2);
  t.deepEqual(JSON.parse(usage.err[0] ?? ''), { error: { code: 'usage', message: '<height> must be a block height: a whole number, 0 or more, got "abc" (see: ./kadchain print --help)' } });
  const noNode = io();
  t.is(await runCli(['--json', 'getinfo', '--rpc-port', '1', '--datadir', '/tmp/none'], noNode), 1);
  const reply = JSON.parse(noNode.err[0] ?? '') as { error: { code: string; message: string } };
  t.is(reply.error.code, 'no-node');
  t.regex(reply.error.message, /^no kadchain node is answering at 127\.0\.0\.1:1/);
  t.deepEqual(noNode.out, []);
});

test('every bitcoin-cli name we map points at a command that exists and is not itself one of ours', (t) => {
  const names = new Set(COMMANDS.map((c) => c.name));
  for (const [theirs, ours] of OTHER_COMMAND_NAMES) {
    t.true(names.has(ours), `${theirs} → ${ours}`);
    t.false(names.has(theirs), theirs);
  }
});
