import test from 'ava';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_MALLOC_ARENA_MAX } from '../../../src/node/constants.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** ./kadchain (tests run from dist/test/unit/cli/). */
const KADCHAIN_SCRIPT = fileURLToPath(new URL('../../../../kadchain', import.meta.url));

interface Seen {
  readonly spawnedPid: number | undefined;
  readonly nodePid: number;
  readonly arenaMax: string | null;
}

/** Runs `./kadchain --version` with a probe preloaded (NODE_OPTIONS) that reports what the Node process got. */
async function launch(dir: string, env: NodeJS.ProcessEnv): Promise<Seen> {
  const probe = join(dir, 'probe.cjs');
  await writeFile(
    probe,
    `process.on('exit', () => process.stderr.write('PROBE' + JSON.stringify({ nodePid: process.pid, arenaMax: process.env.MALLOC_ARENA_MAX ?? null })));`,
  );
  const child = spawn(KADCHAIN_SCRIPT, ['--version'], { env: { ...env, NODE_OPTIONS: `--require ${probe}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`./kadchain --version exited with ${code}: ${stderr}`);
  const json = stderr.slice(stderr.indexOf('PROBE') + 'PROBE'.length);
  return { spawnedPid: child.pid, ...(JSON.parse(json) as Omit<Seen, 'spawnedPid'>) };
}

const withoutArenaMax = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env['MALLOC_ARENA_MAX'];
  return env;
};

test("./kadchain starts Node with the node process's malloc arena limit, in one process (exec, no parent left waiting)", async (t) => {
  const seen = await launch(await tempDir(t), withoutArenaMax());
  t.log(`MALLOC_ARENA_MAX=${seen.arenaMax}, pid ${seen.nodePid}`);
  t.is(seen.arenaMax, String(NODE_MALLOC_ARENA_MAX));
  t.is(seen.nodePid, seen.spawnedPid ?? -1, 'the process started is the Node process');
});

test('a MALLOC_ARENA_MAX the user set wins over the launcher', async (t) => {
  const seen = await launch(await tempDir(t), { ...withoutArenaMax(), MALLOC_ARENA_MAX: '4' });
  t.is(seen.arenaMax, '4');
});
