import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigPath, loadConfig } from '../../../src/node/config.js';
import { ConfigError } from '../../../src/node/errors.js';

async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function writeJson(dir: string, name: string, value: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

test('defaults come from the package conf/default.json, not the cwd', (t) => {
  t.true(defaultConfigPath().endsWith(join('conf', 'default.json')));
  const config = loadConfig({ cwd: '/somewhere/else' });
  t.is(config.dataDir, '/somewhere/else/data');
  t.is(config.port, 9000);
  t.is(config.rpcHost, '127.0.0.1');
  t.is(config.rpcPort, 9100);
  t.is(config.logLevel, 'info');
  t.deepEqual(config.chain, { powBits: 0x1f00ffff, blockRewardAmount: 1000n, maxBlockBytes: 1_000_000, maxFutureBlockTimeSec: 7200, coinbaseMaturity: 20 });
  t.deepEqual(config.txpool, {
    size: 2,
    maxTxs: 50_000,
    maxBytes: 20_000_000,
    maxTxBytes: 100_000,
    maxTxInputs: 700,
    maxTxOutputs: 3000,
    maxAncestors: 25,
    maxDescendants: 25,
    expiryHours: 72,
  });
  t.is(config.mining.address, null);
});

test('override order: defaults < config file < flags', async (t) => {
  const dir = await tempDir(t);
  await writeJson(dir, 'my.json', { rpcPort: 9200, port: 9300, dataDir: './x', chain: { powBits: '0x207fffff', blockReward: '50', coinbaseMaturity: 3 }, txpool: { size: 5, maxBytes: 50_000 } });
  const fromFile = loadConfig({ cwd: dir, configFile: './my.json' });
  t.is(fromFile.rpcPort, 9200);
  t.is(fromFile.port, 9300);
  t.is(fromFile.dataDir, join(dir, 'x'));
  t.is(fromFile.chain.powBits, 0x207fffff);
  t.is(fromFile.chain.blockRewardAmount, 50n);
  t.is(fromFile.chain.maxBlockBytes, 1_000_000, 'untouched nested keys keep their defaults');
  t.is(fromFile.txpool.size, 5);
  t.is(fromFile.txpool.maxBytes, 50_000);
  t.is(fromFile.chain.coinbaseMaturity, 3);
  t.is(fromFile.txpool.maxTxs, 50_000);

  const withFlags = loadConfig({ cwd: dir, configFile: './my.json', flags: { 'rpc-port': '9400', datadir: '/abs/d', 'log-level': 'debug' } });
  t.is(withFlags.rpcPort, 9400);
  t.is(withFlags.port, 9300);
  t.is(withFlags.dataDir, '/abs/d');
  t.is(withFlags.logLevel, 'debug');
});

test('an unknown key is named with its file, and a near miss is suggested', async (t) => {
  const dir = await tempDir(t);
  await writeJson(dir, 'my.json', { txpol: { size: 3 } });
  const err = t.throws(() => loadConfig({ cwd: dir, configFile: './my.json' }), { instanceOf: ConfigError });
  t.is(err?.message, 'unknown setting "txpol.size" in ./my.json (did you mean "txpool"?)');
  t.is(err?.code, 'config-invalid');

  await writeJson(dir, 'nested.json', { chain: { blockReward: 5, difficulty: 3 } });
  const nested = t.throws(() => loadConfig({ cwd: dir, configFile: './nested.json' }), { instanceOf: ConfigError });
  t.regex(nested?.message ?? '', /^unknown setting "chain.difficulty" in \.\/nested\.json/);
});

test('a near miss suggests the nearest key, compared without regard to case', async (t) => {
  const dir = await tempDir(t);
  // "rpcport" is 2 edits from rpcHost (listed first) but only a case away from rpcPort: the nearest wins.
  await writeJson(dir, 'case.json', { rpcport: 9200 });
  t.is(t.throws(() => loadConfig({ cwd: dir, configFile: './case.json' }))?.message, 'unknown setting "rpcport" in ./case.json (did you mean "rpcPort"?)');
  await writeJson(dir, 'upper.json', { DATADIR: './x' });
  t.is(t.throws(() => loadConfig({ cwd: dir, configFile: './upper.json' }))?.message, 'unknown setting "DATADIR" in ./upper.json (did you mean "dataDir"?)');
  await writeJson(dir, 'nested.json', { p2p: { maxinbound: 3 } });
  t.is(t.throws(() => loadConfig({ cwd: dir, configFile: './nested.json' }))?.message, 'unknown setting "p2p.maxinbound" in ./nested.json (did you mean "p2p.maxInbound"?)');
  await writeJson(dir, 'far.json', { colour: 'blue' });
  t.is(t.throws(() => loadConfig({ cwd: dir, configFile: './far.json' }))?.message, 'unknown setting "colour" in ./far.json');
});

test('a value of the wrong type is refused naming the key', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[unknown, RegExp]> = [
    [{ port: '9000' }, /^setting "port" in \.\/bad\.json must be a port number/],
    [{ rpcPort: 70000 }, /^setting "rpcPort" in \.\/bad\.json must be a port number/],
    [{ logLevel: 'loud' }, /^setting "logLevel" .* must be one of fatal, error/],
    [{ chain: { blockReward: 1.5 } }, /^setting "chain.blockReward" .* whole number/],
    [{ chain: { blockReward: -1 } }, /^setting "chain.blockReward"/],
    [{ chain: { powBits: 'easy' } }, /^setting "chain.powBits" .* compact target/],
    [{ txpool: { size: 0 } }, /^setting "txpool.size" .* positive whole number/],
    [{ txpool: { maxBytes: 9_999 } }, /^setting "txpool.maxBytes" .* from 10000/],
    [{ txpool: { maxTxBytes: 100 } }, /^setting "txpool.maxTxBytes" .* from 200/],
    [{ txpool: { maxAncestors: 0 } }, /^setting "txpool.maxAncestors" .* positive whole number/],
    [{ txpool: { expiryHours: 0 } }, /^setting "txpool.expiryHours" .* positive whole number/],
    [{ chain: { coinbaseMaturity: 0 } }, /^setting "chain.coinbaseMaturity" .* from 1 to 10000/],
    [{ txpool: 2 }, /^setting "txpool" .* must be an object/],
    [{ mining: { address: 42 } }, /^setting "mining.address" .* address string or null/],
  ];
  for (const [value, pattern] of cases) {
    await writeJson(dir, 'bad.json', value);
    const err = t.throws(() => loadConfig({ cwd: dir, configFile: './bad.json' }), { instanceOf: ConfigError }, JSON.stringify(value));
    t.regex(err?.message ?? '', pattern);
  }
});

test('bad flags are named as flags', (t) => {
  const err = t.throws(() => loadConfig({ flags: { 'rpc-port': 'abc' } }), { instanceOf: ConfigError });
  t.regex(err?.message ?? '', /^--rpc-port must be a port number .* got "abc"/);
  t.throws(() => loadConfig({ flags: { 'log-level': 'chatty' } }), { message: /^--log-level must be one of/ });
});

test('a missing or malformed config file is a ConfigError naming it', async (t) => {
  const dir = await tempDir(t);
  t.throws(() => loadConfig({ cwd: dir, configFile: './nope.json' }), { instanceOf: ConfigError, message: /cannot read config file \.\/nope\.json: the file does not exist/ });
  await writeJson(dir, 'broken.json', '{ "port": ');
  t.throws(() => loadConfig({ cwd: dir, configFile: './broken.json' }), { instanceOf: ConfigError, message: /config file \.\/broken\.json is not valid JSON/ });
  await writeJson(dir, 'array.json', '[1]');
  t.throws(() => loadConfig({ cwd: dir, configFile: './array.json' }), { instanceOf: ConfigError, message: /must hold a JSON object/ });
});

test('a defaults file missing a key is refused', async (t) => {
  const dir = await tempDir(t);
  const file = await writeJson(dir, 'defaults.json', { dataDir: './d', port: 1, rpcHost: 'h', rpcPort: 2, logLevel: 'info' });
  t.throws(() => loadConfig({ defaultsFile: file }), { instanceOf: ConfigError, message: /setting "chain" is missing/ });
});

test('p2p defaults: listen on every interface, no bootstrap, discovery on', (t) => {
  const config = loadConfig({ cwd: '/x' });
  t.is(config.listenHost, '0.0.0.0');
  t.deepEqual(config.bootstrap, []);
  t.deepEqual(config.p2p, { maxOutbound: 8, maxInbound: 32, pingIntervalMs: 30000, peerTimeoutMs: 20000, banDurationSec: 3600, maxInboundPerIp: 4, maxInboundPerNetgroup: 8, discourageDurationSec: 86400, maxSendBufferBytes: 8388608, frameTimeoutMs: 30000, discovery: true });
});

test('bootstrap, listen host and discovery come from the file and the flags (flags replace the list)', async (t) => {
  const dir = await tempDir(t);
  await writeJson(dir, 'p.json', { bootstrap: ['10.0.0.1:9000', 'seed.example.org:9100'], listenHost: '127.0.0.1', p2p: { maxOutbound: 2 } });
  const fromFile = loadConfig({ cwd: dir, configFile: './p.json' });
  t.deepEqual(fromFile.bootstrap, [{ host: '10.0.0.1', port: 9000 }, { host: 'seed.example.org', port: 9100 }]);
  t.is(fromFile.listenHost, '127.0.0.1');
  t.is(fromFile.p2p.maxOutbound, 2);
  t.is(fromFile.p2p.maxInbound, 32);

  const withFlags = loadConfig({
    cwd: dir,
    configFile: './p.json',
    flags: { bootstrap: ['127.0.0.1:9000', '127.0.0.1:9001, [::1]:9002'], 'listen-host': '::', 'no-discovery': true },
  });
  t.deepEqual(withFlags.bootstrap, [
    { host: '127.0.0.1', port: 9000 },
    { host: '127.0.0.1', port: 9001 },
    { host: '::1', port: 9002 },
  ]);
  t.is(withFlags.listenHost, '::');
  t.false(withFlags.p2p.discovery);
  t.is(withFlags.p2p.maxOutbound, 2, '--no-discovery leaves the other p2p keys alone');
  t.true(loadConfig({ cwd: dir, configFile: './p.json', flags: { 'no-discovery': false } }).p2p.discovery);
});

test('ill-typed p2p settings and flags are refused naming them', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[unknown, RegExp]> = [
    [{ bootstrap: '127.0.0.1:9000' }, /^setting "bootstrap" .* must be a list of "host:port" strings/],
    [{ bootstrap: ['127.0.0.1'] }, /^setting "bootstrap" .* entry 0: "127\.0\.0\.1" is not a host:port address/],
    [{ bootstrap: ['1.2.3.4:1', 'a b:5'] }, /^setting "bootstrap" .* entry 1: "a b:5": "a b" is neither an IP address nor a host name/],
    [{ bootstrap: ['h:0'] }, /entry 0: "h:0": the port must be a number from 1 to 65535/],
    [{ listenHost: 'localhost' }, /^setting "listenHost" .* must be an IP address to listen on/],
    [{ p2p: { discovery: 'yes' } }, /^setting "p2p.discovery" .* must be true or false/],
    [{ p2p: { pingIntervalMs: 0 } }, /^setting "p2p.pingIntervalMs" .* positive whole number/],
    [{ p2p: { banDurationSec: 1.5 } }, /^setting "p2p.banDurationSec"/],
    [{ p2p: { maxPeers: 3 } }, /^unknown setting "p2p.maxPeers"/],
    [{ p2p: { maxSendBufferBytes: 1_000_000 } }, /^setting "p2p.maxSendBufferBytes" \(1000000\) must be at least 4194304/],
    [{ p2p: { frameTimeoutMs: 0 } }, /^setting "p2p.frameTimeoutMs" .* positive whole number/],
    [{ p2p: { peerTimeoutMs: 0 } }, /^setting "p2p.peerTimeoutMs" .* positive whole number/],
  ];
  for (const [value, pattern] of cases) {
    await writeJson(dir, 'bad.json', value);
    const err = t.throws(() => loadConfig({ cwd: dir, configFile: './bad.json' }), { instanceOf: ConfigError }, JSON.stringify(value));
    t.regex(err?.message ?? '', pattern);
  }
  t.throws(() => loadConfig({ flags: { bootstrap: ['127.0.0.1:9000', 'nope'] } }), { instanceOf: ConfigError, message: /^--bootstrap "nope" is not a host:port address/ });
  t.throws(() => loadConfig({ flags: { 'listen-host': 'any' } }), { instanceOf: ConfigError, message: /^--listen-host must be an IP address/ });
});

test('the devnet configs load, and b bootstraps from a', (t) => {
  const root = join(defaultConfigPath(), '..');
  const a = loadConfig({ cwd: '/x', configFile: join(root, 'devnet-a.json') });
  const b = loadConfig({ cwd: '/x', configFile: join(root, 'devnet-b.json') });
  t.deepEqual(b.bootstrap, [{ host: '127.0.0.1', port: a.port }]);
  t.not(a.port, b.port);
  t.not(a.rpcPort, b.rpcPort);
  t.not(a.dataDir, b.dataDir);
});

test('nat.upnp is on by default, off from the file or with --no-upnp, and must be a boolean', async (t) => {
  t.deepEqual(loadConfig({ cwd: '/x' }).nat, { upnp: true });
  t.false(loadConfig({ cwd: '/x', flags: { 'no-upnp': true } }).nat.upnp);
  t.true(loadConfig({ cwd: '/x', flags: { 'no-upnp': false } }).nat.upnp);
  const dir = await tempDir(t);
  await writeJson(dir, 'n.json', { nat: { upnp: false } });
  t.false(loadConfig({ cwd: dir, configFile: './n.json' }).nat.upnp);
  const cases: Array<[unknown, RegExp]> = [
    [{ nat: { upnp: 'no' } }, /^setting "nat.upnp" in \.\/bad\.json must be true or false, got "no"/],
    [{ nat: { pmp: true } }, /^unknown setting "nat.pmp" in \.\/bad\.json/],
    [{ nat: true }, /^setting "nat" in \.\/bad\.json must be an object with keys upnp/],
  ];
  for (const [value, pattern] of cases) {
    await writeJson(dir, 'bad.json', value);
    const err = t.throws(() => loadConfig({ cwd: dir, configFile: './bad.json' }), { instanceOf: ConfigError }, JSON.stringify(value));
    t.regex(err?.message ?? '', pattern);
  }
});

test('chain.genesisHash: no pin by default, a 64-hex hash from the file or --genesis, anything else refused', async (t) => {
  const hash = 'ab'.repeat(32);
  t.is(loadConfig({ cwd: '/x' }).chain.genesisHash, undefined);
  t.deepEqual(loadConfig({ cwd: '/x', flags: { genesis: hash.toUpperCase() } }).chain.genesisHash, Buffer.from(hash, 'hex'));
  const dir = await tempDir(t);
  await writeJson(dir, 'p.json', { chain: { genesisHash: hash } });
  t.deepEqual(loadConfig({ cwd: dir, configFile: './p.json' }).chain.genesisHash, Buffer.from(hash, 'hex'));
  const other = 'cd'.repeat(32);
  t.deepEqual(loadConfig({ cwd: dir, configFile: './p.json', flags: { genesis: other } }).chain.genesisHash, Buffer.from(other, 'hex'), 'the flag wins');
  for (const bad of ['ab'.repeat(31), `${'ab'.repeat(31)}zz`, '0'.repeat(64), 42]) {
    await writeJson(dir, 'bad.json', { chain: { genesisHash: bad } });
    t.throws(() => loadConfig({ cwd: dir, configFile: './bad.json' }), { instanceOf: ConfigError, message: /^setting "chain.genesisHash" in \.\/bad\.json must be a block hash of 64 hex digits/ }, String(bad));
  }
  t.throws(() => loadConfig({ flags: { genesis: 'nope' } }), { instanceOf: ConfigError, message: /^--genesis must be a block hash of 64 hex digits/ });
  const example = loadConfig({ cwd: '/x', configFile: join(defaultConfigPath(), '..', 'devnet-c-pinned.example.json') });
  t.is(example.chain.genesisHash?.length, 32, 'the pinned devnet example loads');
});

test('chain.assumeValid: null by default, a 64-hex hash from the file or --assumevalid (with --genesis too), anything else refused', async (t) => {
  const hash = 'ab'.repeat(32);
  t.is(loadConfig({ cwd: '/x' }).assumeValid, null);
  t.deepEqual(loadConfig({ cwd: '/x', flags: { assumevalid: hash } }).assumeValid, Buffer.from(hash, 'hex'));
  const both = loadConfig({ cwd: '/x', flags: { genesis: 'cd'.repeat(32), assumevalid: hash } });
  t.deepEqual([both.chain.genesisHash, both.assumeValid], [Buffer.from('cd'.repeat(32), 'hex'), Buffer.from(hash, 'hex')], 'both flags land in chain.*');
  const dir = await tempDir(t);
  await writeJson(dir, 'p.json', { chain: { assumeValid: hash } });
  t.deepEqual(loadConfig({ cwd: dir, configFile: './p.json' }).assumeValid, Buffer.from(hash, 'hex'));
  await writeJson(dir, 'bad.json', { chain: { assumeValid: 'ab'.repeat(31) } });
  t.throws(() => loadConfig({ cwd: dir, configFile: './bad.json' }), { instanceOf: ConfigError, message: /^setting "chain.assumeValid" in \.\/bad\.json must be a block hash of 64 hex digits/ });
  t.throws(() => loadConfig({ flags: { assumevalid: 'nope' } }), { instanceOf: ConfigError, message: /^--assumevalid must be a block hash of 64 hex digits/ });
});
