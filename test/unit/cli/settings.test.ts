import test from 'ava';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/node/config.js';
import { ConfigError } from '../../../src/node/errors.js';
import { loadClientSettings } from '../../../src/cli/settings.js';
import { tempDir } from '../../helpers/temp-dir.js';

const pick = (c: { dataDir: string; rpcHost: string; rpcPort: number; configFile?: string }): object => ({ dataDir: c.dataDir, rpcHost: c.rpcHost, rpcPort: c.rpcPort, configFile: c.configFile });

test('client settings: conf/default.json < --config < flags, the same values as the node loader reads', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'my.json'), JSON.stringify({ dataDir: './x', rpcPort: 9200, rpcHost: '127.0.0.2', txpool: { size: 5 } }));
  const cases = [
    { cwd: dir },
    { cwd: dir, configFile: './my.json' },
    { cwd: dir, configFile: './my.json', flags: { 'rpc-port': '9400', datadir: '/abs/d' } },
    { cwd: dir, flags: { 'rpc-host': 'localhost' } },
  ];
  for (const options of cases) {
    const client = loadClientSettings(options);
    t.deepEqual(pick(client), pick(loadConfig(options)), JSON.stringify(options));
    t.log(JSON.stringify(options), '→', JSON.stringify(pick(client)));
  }
  t.deepEqual(pick(loadClientSettings({ cwd: '/somewhere' })), { dataDir: '/somewhere/data', rpcHost: '127.0.0.1', rpcPort: 9100, configFile: undefined });
  t.deepEqual(pick(loadClientSettings(cases[2]!)), { dataDir: '/abs/d', rpcHost: '127.0.0.2', rpcPort: 9400, configFile: join(dir, 'my.json') });
});

test('client settings: a bad value of the three it reads is refused with the node\'s message; other settings are left to the node', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bad.json'), JSON.stringify({ rpcPort: 70000 }));
  const message = 'setting "rpcPort" in ./bad.json must be a port number (an integer from 1 to 65535), got 70000';
  t.is(t.throws(() => loadClientSettings({ cwd: dir, configFile: './bad.json' }), { instanceOf: ConfigError })?.message, message);
  t.is(t.throws(() => loadConfig({ cwd: dir, configFile: './bad.json' }))?.message, message);
  await writeFile(join(dir, 'host.json'), JSON.stringify({ rpcHost: '' }));
  t.throws(() => loadClientSettings({ cwd: dir, configFile: './host.json' }), { message: /^setting "rpcHost" in \.\/host\.json must be a non-empty string/ });
  t.throws(() => loadClientSettings({ cwd: dir, flags: { 'rpc-port': '0' } }), { message: /^--rpc-port must be a port number/ });
  t.throws(() => loadClientSettings({ cwd: dir, configFile: './nope.json' }), { message: /^cannot read config file \.\/nope\.json: the file does not exist/ });
  await writeFile(join(dir, 'broken.json'), '{');
  t.throws(() => loadClientSettings({ cwd: dir, configFile: './broken.json' }), { message: /^config file \.\/broken\.json is not valid JSON/ });
  // A setting only the node uses: `start` refuses it, a client command has no use for it.
  await writeFile(join(dir, 'other.json'), JSON.stringify({ rpcPort: 9300, logLevel: 'chatty' }));
  t.is(loadClientSettings({ cwd: dir, configFile: './other.json' }).rpcPort, 9300);
  t.throws(() => loadConfig({ cwd: dir, configFile: './other.json' }), { message: /logLevel/ });
  await writeFile(join(dir, 'defaults.json'), JSON.stringify({ dataDir: './data', rpcHost: '127.0.0.1' }));
  t.throws(() => loadClientSettings({ cwd: dir, defaultsFile: join(dir, 'defaults.json') }), { message: /^setting "rpcPort" is missing in .*; it holds every default/ });
});

/** Every module a static import of `url` loads (dynamic imports are loaded only when their command runs). */
function staticImports(url: string, seen = new Set<string>()): Set<string> {
  if (seen.has(url)) return seen;
  seen.add(url);
  if (!url.startsWith('file:')) return seen;
  const text = readFileSync(fileURLToPath(url), 'utf8');
  for (const m of text.matchAll(/^import\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    const spec = m[1]!;
    staticImports(spec.startsWith('.') ? new URL(spec, url).href : spec, seen);
  }
  return seen;
}

test('a client command loads nothing of the node: no config schema, logger, LMDB, RPC server, jayson or secp256k1', (t) => {
  const loaded = [...staticImports(new URL('../../../src/cli/main.js', import.meta.url).href)].map((u) => u.replace(/^file:.*\/dist\//, '')).sort();
  t.log(`${loaded.length} modules: ${loaded.join(' ')}`);
  t.true(loaded.includes('src/cli/settings.js'), 'the walk follows the imports');
  for (const forbidden of ['src/node/config.js', 'src/node/config-schema.js', 'src/util/logger.js', 'src/node/node.js', 'src/rpc/server.js', 'src/chain/', 'pino', 'lmdb', 'jayson', 'secp256k1', 'node:crypto']) {
    t.false(loaded.some((file) => file.startsWith(forbidden)), forbidden);
  }
  t.true(loaded.every((file) => file.startsWith('src/') || file.startsWith('node:')), 'no npm package');
});
