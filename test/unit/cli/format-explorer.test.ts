import test from 'ava';
import { findCommand } from '../../../src/cli/commands.js';
import { CLI_NAME } from '../../../src/cli/constants.js';
import { CliError } from '../../../src/cli/errors.js';
import { formatExplorer } from '../../../src/cli/format-explorer.js';
import { parseCommandArgs } from '../../../src/cli/main.js';

const H = (c: string): string => c.repeat(64);

test('explorer commands map their arguments to RPC params', (t) => {
  const params = (name: string, args: string[]): Record<string, unknown> => {
    const cmd = findCommand(name)!;
    return cmd.params(parseCommandArgs(cmd, args));
  };
  t.deepEqual(params('getblock', ['5']), { ref: '5' });
  t.deepEqual(params('getblock', [H('a'), '--verbose']), { ref: H('a'), verbose: true });
  t.deepEqual(params('getblocks', ['--start', '3']), { start: '3' });
  t.deepEqual(params('getblocks', ['--start', '3', '--count', '20']), { start: '3', count: '20' });
  t.deepEqual(params('gettransaction', [H('b')]), { txid: H('b') });
  t.deepEqual(params('getaddress', ['1abc', '--limit', '5', '--before', '3']), { address: '1abc', limit: '5', before: '3' });
  t.throws(() => parseCommandArgs(findCommand('getblocks')!, []), { message: /getblocks needs --start/ });
  // Malformed values: our own one-line usage error (exit 2) before any RPC.
  const usage = (name: string, args: string[], message: RegExp): void => {
    const error = t.throws(() => params(name, args), { instanceOf: CliError, message });
    t.is(error?.exitCode, 2);
  };
  usage('getblock', ['xyz'], /^getblock takes a block hash \(64 hex digits\) or a height \(a whole number ≥ 0\), got "xyz" \(see: .* getblock --help\)$/);
  usage('getblock', ['12ab'], /got "12ab"/);
  usage('getblock', ['1.5'], /got "1.5"/);
  usage('getblocks', ['--start', 'x'], /--start must be a block height/);
  usage('getblocks', ['--start', '0', '--count', '101'], /--count must be a whole number from 1 to 100, got "101"/);
  usage('getblocks', ['--start', '0', '--count', '0'], /--count must be a whole number from 1 to 100/);
  usage('gettransaction', [H('z')], /gettransaction takes a txid \(64 hex digits\)/);
  usage('getaddress', ['1abc', '--limit', '1000'], /--limit must be a whole number from 1 to 100/);
  usage('getaddress', ['1abc', '--before', 'yesterday'], /--before must be a height or the cursor/);
  t.deepEqual(params('getaddress', ['1abc', '--before', `7-${H('a')}`]), { address: '1abc', before: `7-${H('a')}` });
  t.throws(() => parseCommandArgs(findCommand('gettransaction')!, []), { message: /gettransaction needs <txid>/ });
});

test('getblocks prints an aligned table; gettransaction says where the tx is', (t) => {
  const table = formatExplorer.getblocks([
    { height: 9, hash: H('a'), time: 0, txs: 1, size: 169 },
    { height: 10, hash: H('b'), time: 60, txs: 12, size: 4021 },
  ]);
  t.log(`\n${table}`);
  t.deepEqual(table.split('\n'), [
    `height  ${'hash'.padEnd(64)}  txs  bytes  time`,
    `     9  ${H('a')}    1    169  1970-01-01T00:00:00Z`,
    `    10  ${H('b')}   12   4021  1970-01-01T00:01:00Z`,
  ]);
  t.is(formatExplorer.getblocks([]), 'no blocks');
  const base = { txid: H('c'), size: 200, coinbase: false, fee: 3, inputs: [{ prevTxid: H('d'), prevIndex: 1, address: '1from', amount: 50 }], outputs: [{ index: 0, address: '1to', amount: 47 }] };
  const pooled = formatExplorer.gettransaction({ ...base, status: 'mempool', confirmations: 0, blockHash: null, height: null, time: null });
  t.is(pooled, [`Transaction ${H('c')}`, '  in the mempool (0 confirmations)', '  size 200 bytes, fee 3', '  inputs (1):', `    1from  50  from ${H('d')}:1`, '  outputs (1):', '    #0 1to  47'].join('\n'));
  const mined = formatExplorer.gettransaction({ ...base, status: 'confirmed', confirmations: 2, blockHash: H('e'), height: 7, time: 0 });
  t.true(mined.includes(`confirmed in block ${H('e')} at height 7 (2 confirmations, 1970-01-01T00:00:00Z)`), mined);
  const stale = formatExplorer.gettransaction({ ...base, status: 'confirmed', confirmations: -1, blockHash: H('e'), height: 7, time: 0 });
  t.true(stale.includes('which is not on the active chain'), stale);
});

test('getaddress shows the balance parts and how to get the next page', (t) => {
  const out = formatExplorer.getaddress({
    address: '1addr',
    confirmed: 900,
    immature: 1000,
    unconfirmed: 850,
    txs: [
      { txid: H('1'), height: null, time: null, received: 0, sent: 50 },
      { txid: H('2'), height: 12, time: 0, received: 900, sent: 1000 },
    ],
    more: true,
    next: `12-${H('2')}`,
  });
  t.log(`\n${out}`);
  const lines = out.split('\n');
  t.is(lines[0], '1addr balance is 900 (plus 1000 immature; 850 counting unconfirmed transactions)');
  // Columns aligned, a side that moved nothing is "-".
  t.is(lines[2], `  mempool  ${H('1')}     -    -50  -`);
  t.is(lines[3], `       12  ${H('2')}  +900  -1000  1970-01-01T00:00:00Z`);
  t.is(lines[4], `  older transactions: ${CLI_NAME} getaddress 1addr --before 12-${H('2')}`);
  t.is(formatExplorer.getaddress({ address: '1x', confirmed: 0, immature: 0, unconfirmed: 0, txs: [], more: false, next: null }), '1x balance is 0\n  no transactions');
});
