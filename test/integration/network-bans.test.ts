import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, sleep, stopNode, waitFor } from './harness.js';
import { addPeer, peersOf, readyPeerIds, startNetNode, startNetNodeFrom, waitConnected } from './network-harness.js';

test('cli ban / listbanned / unban / clearbanned: a banned node id is cut off, the ban survives a restart, unban lets it back', async (t) => {
  const a = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  const b = await startNetNode(t, { txpoolSize: 1000 }, ['--no-discovery']);
  await addPeer(b, a);
  await waitConnected(a, b);

  const banned = await cli(a.setup, ['ban', b.nodeId, '--duration', '600', '--reason', 'testing bans']);
  t.is(banned.code, 0, banned.stderr);
  // The hint carries the flags that reach node A (the harness passes its --config).
  const flags = `--config ${a.setup.configFile} --datadir ${a.setup.dataDir} --rpc-port ${a.setup.rpcPort}`;
  t.true(banned.stdout.endsWith(`; lift it with: ./kadchain unban ${b.nodeId} ${flags}`), banned.stdout);
  t.regex(banned.stdout, new RegExp(`^Banned ${b.nodeId} until \\S+ \\(testing bans\\); lift it with: `));
  await waitFor('B to be cut off', async () => (await readyPeerIds(a.setup)).length === 0, 10_000);
  // B keeps redialling (a manual peer); A refuses it every time.
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    t.deepEqual(await readyPeerIds(a.setup), [], 'B stays out while banned');
  }
  t.regex(a.process.output(), /"code":"banned","reason":"node [0-9a-f]{64} is banned","msg":"refusing peer"/);
  const listed = await cli(a.setup, ['listbanned']);
  t.regex(listed.stdout, new RegExp(`^1 ban\\(s\\)\\nBANNED +FOR +REASON\\n${b.nodeId} +(9m \\d\\ds|10m 00s) +testing bans$`));

  // Bad input: one sentence, non-zero exit, nothing changed.
  const bad = await cli(a.setup, ['ban', 'not-an-address']);
  t.not(bad.code, 0);
  t.regex(bad.stderr, /^error -\d+: "not-an-address" is neither an IP address nor a node id \(64 hex digits\)$/);
  const badDuration = await cli(a.setup, ['ban', '10.0.0.1', '--duration', '0']);
  t.not(badDuration.code, 0);
  t.is(badDuration.code, 2, 'refused by the CLI before any RPC call');
  t.regex(badDuration.stderr, /^--duration must be a whole number of seconds greater than 0, got "0"/);
  const notBanned = await cli(a.setup, ['unban', '10.9.9.9']);
  t.not(notBanned.code, 0);
  t.regex(notBanned.stderr, /^error -\d+: "10\.9\.9\.9" is not banned \(see: listbanned\)$/);

  // The ban is in <datadir>/banlist.json and comes back after a restart.
  t.is(await stopNode(a.process), 0);
  t.true(existsSync(join(a.setup.dataDir, 'banlist.json')));
  const a2 = await startNetNodeFrom(t, a.setup, ['--no-discovery']);
  const afterRestart = await peersOf(a2.setup);
  t.deepEqual(afterRestart.bans.map((x) => [x.key, x.reason]), [[b.nodeId, 'testing bans']]);
  t.true(afterRestart.bans[0]!.remainingSec <= 600 && afterRestart.bans[0]!.remainingSec > 500);

  const unbanned = await cli(a2.setup, ['unban', b.nodeId]);
  t.is(unbanned.stdout, `Unbanned ${b.nodeId}`);
  await addPeer(b, a2);
  await waitConnected(a2, b);

  t.is((await cli(a2.setup, ['ban', '10.1.2.3'])).code, 0);
  t.is((await cli(a2.setup, ['ban', '::ffff:10.1.2.4'])).code, 0);
  t.deepEqual((await peersOf(a2.setup)).bans.map((x) => x.key).sort(), ['10.1.2.3', '10.1.2.4'], 'IPv4-mapped addresses are stored as IPv4');
  t.is((await cli(a2.setup, ['clearbanned'])).stdout, 'Cleared 2 ban(s)');
  t.is((await cli(a2.setup, ['listbanned'])).stdout, 'no bans');
  t.deepEqual(await readyPeerIds(a2.setup), [b.nodeId], 'B was never affected by the IP bans');
});
