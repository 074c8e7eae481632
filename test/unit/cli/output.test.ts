import test from 'ava';
import { spawn } from 'node:child_process';

const OUTPUT = new URL('../../../src/cli/output.js', import.meta.url).href;

/** Runs `script` (ESM, writeOut in scope) in a child; resolves with its stdout read `delayMs` late, and its exit code. */
function child(script: string, delayMs: number): Promise<{ out: string; code: number | null; err: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', `import { writeOut } from ${JSON.stringify(OUTPUT)};\n${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout.pause();
    setTimeout(() => proc.stdout.on('data', (c: Buffer) => out.push(c)).resume(), delayMs);
    proc.on('close', (code) => resolve({ out: Buffer.concat(out).toString('utf8'), code, err }));
  });
}

test('writeOut: a reader slower than a non-blocking pipe gets every line in order', async (t) => {
  // Touching process.stdout first makes fd 1 non-blocking, so a full pipe answers EAGAIN and the rest goes through the stream.
  const lines = 20_000;
  const { out, code, err } = await child(`process.stdout; for (let i = 0; i < ${lines}; i++) writeOut(1, 'line ' + i + ' ' + 'x'.repeat(100) + '\\n');`, 300);
  t.is(code, 0, err);
  const got = out.split('\n').filter((l) => l !== '');
  t.is(got.length, lines);
  t.true(got.every((l, i) => l.startsWith(`line ${i} `)), 'in order');
  t.log(`${lines} lines, ${out.length} bytes, read 300 ms late`);
});

test('writeOut: a blocking pipe takes a large write whole; a reader that is gone is no error', async (t) => {
  const big = await child(`writeOut(1, 'y'.repeat(3_000_000)); writeOut(2, 'done\\n');`, 200);
  t.is(big.code, 0, big.err);
  t.is(big.out.length, 3_000_000);
  t.is(big.err, 'done\n');
  const gone = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', `import { writeOut } from ${JSON.stringify(OUTPUT)};\nawait new Promise((r) => setTimeout(r, 300)); writeOut(1, 'z'.repeat(1_000_000)); writeOut(1, 'more\\n');`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdout.destroy();
    proc.on('close', (code) => resolve({ code, err }));
  });
  t.is(gone.code, 0, gone.err);
});
