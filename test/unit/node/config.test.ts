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
  t.deepEqual(config.chain, { powBits: 0x1f00ffff, blockRewardAmount: 1000n, maxBlockBytes: 1_000_000, maxFutureBlockTimeSec: 7200 });
  t.deepEqual(config.txpool, { size: 2, maxTxs: 5000 });
  t.is(config.mining.address, null);
});

test('override order: defaults < config file < flags', async (t) => {
  const dir = await tempDir(t);
  await writeJson(dir, 'my.json', { rpcPort: 9200, port: 9300, dataDir: './x', chain: { powBits: '0x207fffff', blockReward: '50' }, txpool: { size: 5 } });
  const fromFile = loadConfig({ cwd: dir, configFile: './my.json' });
  t.is(fromFile.rpcPort, 9200);
  t.is(fromFile.port, 9300);
  t.is(fromFile.dataDir, join(dir, 'x'));
  t.is(fromFile.chain.powBits, 0x207fffff);
  t.is(fromFile.chain.blockRewardAmount, 50n);
  t.is(fromFile.chain.maxBlockBytes, 1_000_000, 'untouched nested keys keep their defaults');
  t.is(fromFile.txpool.size, 5);
  t.is(fromFile.txpool.maxTxs, 5000);

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
