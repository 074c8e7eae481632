import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { writePlots } from '../../../src/sim/plots.js';
import { defaultParams, runScenario } from '../../../src/sim/scenario.js';

const MAIN = fileURLToPath(new URL('../../../src/sim/main.js', import.meta.url));

test('the propagation rounds measure the chosen block sizes, once per miss rate, and a tx', async (t) => {
  t.timeout(5 * 60_000);
  const r = await runScenario({ ...defaultParams(40, 1), blockBytes: [20_000], missRates: [0] });
  const items = r.propagation.map((p) => `${p.label}: ${p.kind} ${p.bytes}${p.kind === 'block' ? ` missing ${p.missRate}` : ''}`);
  t.deepEqual(items, ['steady: block 20000 missing 0', 'steady: tx 250', 'after 20 % left: block 20000 missing 0', 'after 20 % left: tx 250']);
  t.is(r.params.blockBytes.length, 1, 'the result records what was measured');
  for (const p of r.propagation) t.true(p.reached > 0, `${p.label} ${p.kind}: reached ${p.reached} of ${p.nodes}`);
  const dir = mkdtempSync(join(tmpdir(), 'kadchain-plots-'));
  try {
    writePlots(r, dir);
    t.deepEqual(readdirSync(dir).sort(), ['join-40.svg', 'lookup-hops-40.svg', 'propagation-40.svg', 'table-health-40.svg'], 'no empty 1 MB chart when no 1 MB block was measured');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run sim refuses a block size or miss rate it cannot measure, in one line, exit 2', (t) => {
  for (const [args, expected] of [
    [['--block-bytes', '100000,2000000'], /^--block-bytes must be a comma-separated list of whole byte counts from 1000 to 1000000 .*not "100000,2000000"; run: npm run sim -- --block-bytes 100000\n$/],
    [['--block-bytes', ''], /^--block-bytes must be/],
    [['--miss-rates', '0,1'], /^--miss-rates must be a comma-separated list of shares from 0 to under 1, not "0,1"; run: npm run sim -- --miss-rates 0,0.05\n$/],
    [['--miss-rates=-0.1'], /^--miss-rates must be/],
    [['--miss-rates', '-0.1'], /^Option '--miss-rates' argument is ambiguous\. .*'--miss-rates=-XYZ'; run: npm run sim -- --nodes 1000 --minutes 2\n$/],
    [['--block-size', '1'], /^Unknown option '--block-size'.*\n$/],
  ] as const) {
    const run = spawnSync(process.execPath, [MAIN, '--nodes', '20', ...args], { encoding: 'utf8' });
    t.is(run.status, 2, args.join(' '));
    t.regex(run.stderr, expected);
  }
});
