import test from 'ava';
import { cliCommand, cliFlags, closest, displayPath, editDistance, emptyChainHint } from '../../../src/util/suggest.js';

test('edit distance counts insertions, deletions, substitutions and a swap of neighbours as one edit each', (t) => {
  t.is(editDistance('', ''), 0);
  t.is(editDistance('mine', 'mine'), 0);
  t.is(editDistance('mnie', 'mine'), 1, 'swap');
  t.is(editDistance('balanse', 'balance'), 1, 'substitution');
  t.is(editDistance('rpcport', 'rpc-port'), 1, 'insertion');
  t.is(editDistance('txpoool', 'txpool'), 1, 'deletion');
  t.is(editDistance('abc', ''), 3);
  t.is(editDistance('kitten', 'sitting'), 3);
});

test('closest: the nearest candidate, case-insensitive, within a third of the typed length (at least 1, at most 3)', (t) => {
  t.is(closest('balanse', ['peers', 'balance', 'ban']), 'balance');
  t.is(closest('RPC-PORT', ['rpc-host', 'rpc-port']), 'rpc-port', 'case does not count');
  // rpc-host is listed first and within reach; rpc-port is nearer.
  t.is(closest('rpc-prt', ['rpc-host', 'rpc-port']), 'rpc-port');
  t.is(closest('xy', ['mine', 'nat']), undefined, 'two letters allow one edit');
  t.is(closest('colour', ['dataDir', 'port', 'chain']), undefined);
  t.is(closest('getblockchaininfoo', ['getinfo']), undefined, 'never more than 3 edits');
  t.is(closest('ab', ['ab', 'abc']), 'ab');
  t.is(closest('bam', ['ban', 'bat']), 'ban', 'a tie goes to the first candidate');
});

test('cli hints carry the exact flags of the node: data dir always, config file, rpc port and host when not the defaults', (t) => {
  const cwd = '/home/me/kadchain';
  t.is(displayPath('/home/me/kadchain/b', cwd), './b');
  t.is(displayPath('/home/me/kadchain', cwd), '.');
  t.is(displayPath('/srv/node', cwd), '/srv/node');
  t.is(cliFlags({ dataDir: '/home/me/kadchain/data', rpcPort: 9100 }, cwd), '--datadir ./data');
  t.is(cliFlags({ dataDir: '/home/me/kadchain/b', rpcPort: 9101, rpcHost: '127.0.0.1' }, cwd), '--datadir ./b --rpc-port 9101');
  t.is(cliFlags({ dataDir: '/srv/n', rpcPort: 9100, rpcHost: '10.0.0.2', configFile: '/home/me/kadchain/conf/b.json' }, cwd), '--config ./conf/b.json --datadir /srv/n --rpc-host 10.0.0.2');
  t.is(cliFlags({ dataDir: '/tmp/my node', rpcPort: 9100 }, cwd), "--datadir '/tmp/my node'", 'a path with a space is quoted');
  t.is(cliCommand('genesis_block', { dataDir: '/home/me/kadchain/b', rpcPort: 9101 }, cwd), './kadchain genesis_block --datadir ./b --rpc-port 9101');
});

test('an empty chain: genesis_block for a lone node, waiting for peers for one that has somewhere to learn the chain', (t) => {
  const target = { dataDir: '/w/b', rpcPort: 9101 };
  t.is(emptyChainHint(target, false, '/w'), 'create the genesis block with: ./kadchain genesis_block --datadir ./b --rpc-port 9101');
  t.is(emptyChainHint(target, true, '/w'), 'waiting for peers to learn the chain (see them with: ./kadchain peers --datadir ./b --rpc-port 9101)');
});
