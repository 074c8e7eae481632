import test from 'ava';
import { join } from 'node:path';
import { cli, createNodeSetup, freePort, getInfo, rawRpc, rpc, startNode } from './harness.js';

test('the CLI with no node says so in one line and exits 1', async (t) => {
  const port = await freePort();
  const result = await cli(undefined, ['balance', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT', '--rpc-port', String(port), '--datadir', './nowhere']);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.is(result.stderr, `no kadchain node is answering at 127.0.0.1:${port} (start one with: ./kadchain start --datadir ./nowhere --rpc-port ${port})`);
});

test('bad requests and bad params are refused with clear errors and change nothing', async (t) => {
  const setup = await createNodeSetup(t, { txpoolSize: 50 });
  await startNode(t, setup);

  // Raw HTTP: auth first, then JSON-RPC protocol errors.
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getinfo' });
  t.is((await rawRpc(setup, body, false)).status, 401);
  const badJson = JSON.parse((await rawRpc(setup, '{"jsonrpc":"2.0",')).body) as { error: { code: number } };
  t.is(badJson.error.code, -32700);
  const unknown = JSON.parse((await rawRpc(setup, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'sned' }))).body) as { error: { code: number; message: string } };
  t.is(unknown.error.code, -32601);
  t.is(unknown.error.message, 'unknown method "sned"; did you mean "send"? (the help method lists them all)');

  const noGenesis = await cli(setup, ['mine']);
  t.is(noGenesis.code, 1);
  t.regex(noGenesis.stderr, /genesis/);
  const noGenesisCode = JSON.parse((await rawRpc(setup, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'mine' }))).body) as { error: { code: number } };
  t.is(noGenesisCode.error.code, -28);

  const noChain = await cli(setup, ['print', '0']);
  t.is(noChain.code, 1);
  t.regex(noChain.stderr, /no chain yet/);

  const genesis = await cli(setup, ['genesis_block']);
  t.is(genesis.code, 0, genesis.stderr);
  const a = genesis.stdout.replace('Genesis Wallet is: ', '');
  const again = await cli(setup, ['genesis_block']);
  t.is(again.code, 1);
  t.is(again.stderr, 'error -1: this node already has a chain (height 0); genesis_block only works on an empty chain');

  const b = (await cli(setup, ['createwallet'])).stdout.replace('Wallet address is ', '');
  t.is((await cli(setup, ['send', '--from', a, '--to', b, '--amount', '10'])).code, 0);
  const mempoolBefore = (await getInfo(setup)).mempoolSize;
  t.is(mempoolBefore, 1);

  const typo = `${b.slice(0, -1)}${b.endsWith('2') ? '3' : '2'}`;
  const stranger = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT';
  const cases: Array<[string[], RegExp]> = [
    [['--from', a, '--to', b, '--amount=-5'], /^--amount must be a whole number of coins greater than 0 \(no decimals, signs or exponents\), got "-5"/],
    [['--from', a, '--to', b, '--amount', '1.5'], /^--amount must be a whole number of coins greater than 0/],
    [['--from', a, '--to', b, '--amount', '0'], /^--amount must be a whole number of coins greater than 0/],
    [['--from', a, '--to', typo, '--amount', '5'], /^error -5: .*is not a valid address: its checksum does not match/],
    [['--from', a, '--amount', '5'], /^send needs --to/],
    [['--from', stranger, '--to', b, '--amount', '5'], /./],
    [['--from', a, '--to', b, '--amount', '5000'], /./],
  ];
  for (const [args, pattern] of cases) {
    const result = await cli(setup, ['send', ...args]);
    t.not(result.code, 0, args.join(' '));
    t.is(result.stdout, '');
    t.false(result.stderr.includes('\n'), result.stderr);
    t.regex(result.stderr, pattern);
  }
  t.is((await getInfo(setup)).mempoolSize, mempoolBefore, 'nothing was added');

  // The RPC codes behind those messages.
  const codeOf = async (method: string, params: Record<string, unknown>): Promise<number | undefined> => {
    try {
      await rpc(setup, method, params);
      return undefined;
    } catch (err) {
      return (err as { code?: number }).code;
    }
  };
  t.is(await codeOf('send', { from: a, to: typo, amount: '5' }), -5);
  t.is(await codeOf('send', { from: a, to: b, amount: 1.5 }), -32602);
  t.is(await codeOf('send', { from: stranger, to: b, amount: '5' }), -4);
  t.is(await codeOf('send', { from: a, to: b, amount: '5000' }), -6);
  t.is(await codeOf('balance', { address: typo }), -5);
  t.is(await codeOf('print', { height: 7 }), -8);
  t.is((await getInfo(setup)).mempoolSize, mempoolBefore);
});

test('a second node on the same data dir is refused naming the first one', async (t) => {
  const setup = await createNodeSetup(t);
  const first = await startNode(t, setup);
  const other = { ...setup, rpcPort: await freePort() };
  const second = await cli(undefined, ['start', '--config', setup.configFile, '--rpc-port', String(other.rpcPort)]);
  t.is(second.code, 1);
  t.true(second.stderr.split('\n').some((line) => line === `data dir ${join(setup.dataDir)} is in use by process ${first.child.pid}; stop that node first or pick another --datadir`), second.stderr);
});
