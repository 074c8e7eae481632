import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runsNodeCode } from '../../../src/cli/client-entry.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** The build's bundle and ./kadchain (tests run from dist/test/unit/cli/). */
const BUNDLE = fileURLToPath(new URL('../../../src/cli/kadchain.cjs', import.meta.url));
const KADCHAIN_SCRIPT = fileURLToPath(new URL('../../../../kadchain', import.meta.url));

test('the bundle requires only Node built-ins and holds none of the node: start and --offline stay outside it', (t) => {
  const text = readFileSync(BUNDLE, 'utf8');
  const required = [...new Set([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))].sort();
  t.log(`${Math.round(text.length / 1024)} KiB, requires ${required.join(' ')}`);
  t.true(required.length > 0, 'the pattern finds requires');
  t.true(required.every((name) => name.startsWith('node:')), required.join(' '));
  const imported = [...text.matchAll(/\bimport\(("[^"]+"|\w+)\)/g)].map((m) => m[1]!).sort();
  t.deepEqual(imported, ['"./start.js"', '"./verify-offline.js"', 'UNBUNDLED_MAIN']);
  for (const nodeCode of ['class KadchainNode', 'class ChainStore', 'CONFIG_SCHEMA', 'pino', 'lmdb', 'secp256k1', 'jayson']) t.false(text.includes(nodeCode), nodeCode);
});

test('commands that may run node code go to the unbundled CLI; every other command stays in the bundle', (t) => {
  t.true(runsNodeCode(['start']));
  t.true(runsNodeCode(['--datadir', './b', 'start', '--port', '9001']));
  t.true(runsNodeCode(['verifychain', '--offline']));
  t.true(runsNodeCode(['--offline', 'verifychain']), 'options before the command too');
  t.false(runsNodeCode(['verifychain']));
  t.false(runsNodeCode(['balance', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT']));
  t.false(runsNodeCode(['help', 'start']), 'help on start is text, no node');
  t.false(runsNodeCode(['send', '--', '--offline']), 'after -- a word is not an option');
});

test('./kadchain starts as CommonJS: Node never loads its ESM loader for a client command', async (t) => {
  const dir = await tempDir(t);
  const probe = join(dir, 'probe.cjs');
  await writeFile(probe, `process.on('exit', () => process.stderr.write(String(process.moduleLoadList.filter((m) => m.includes('esm/loader')).length)));`);
  const run = (args: string[]): string => spawnSync(process.execPath, ['-r', probe, KADCHAIN_SCRIPT, ...args], { encoding: 'utf8' }).stderr;
  // --version succeeds on stdout; a typo fails with its one line, then the probe's count.
  t.is(run(['--version']), '0');
  t.regex(run(['balanse']), /did you mean "balance"\?[^\n]*\n0$/);
});
