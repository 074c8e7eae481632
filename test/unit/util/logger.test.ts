import test from 'ava';
import fs, { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, flushLogsSync } from '../../../src/util/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

const waitReady = async (file: string): Promise<void> => {
  // The destination opens the file asynchronously; it exists once it is ready.
  for (let i = 0; i < 200 && !fs.existsSync(file); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await new Promise((resolve) => setTimeout(resolve, 20));
};

test('flushLogsSync writes out lines queued behind an asynchronous write before the thread blocks', async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'log.jsonl');
  const logger = createLogger({ level: 'info', pretty: false, dest: file }).child({ component: 'test' });
  await waitReady(file);
  for (let i = 0; i < 100; i++) logger.info({ i }, 'filler');
  logger.info('long task started');
  flushLogsSync();
  // Still on the same tick, as a long synchronous task would be: the line must be in the file already.
  t.true(readFileSync(file, 'utf8').includes('"msg":"long task started"'));
});

test('flushLogsSync makes one attempt on a stream that would block (EAGAIN) instead of spinning, and loses no line', async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'log.jsonl');
  const logger = createLogger({ level: 'info', pretty: false, dest: file });
  await waitReady(file);
  for (let i = 0; i < 100; i++) logger.info({ i }, 'filler');
  logger.info('queued while stdout is full');
  const writeSync = fs.writeSync;
  let attempts = 0;
  fs.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
    if (args[0] !== 0 && args[0] !== 1 && args[0] !== 2) attempts++;
    else return writeSync(...args);
    throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });
  }) as typeof fs.writeSync;
  try {
    flushLogsSync(); // before the fix: an endless retry loop (the test timed out)
  } finally {
    fs.writeSync = writeSync;
  }
  t.true(attempts <= 1, `one write attempt, got ${attempts}`);
  for (let i = 0; i < 200 && !readFileSync(file, 'utf8').includes('queued while stdout is full'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  t.true(readFileSync(file, 'utf8').includes('"msg":"queued while stdout is full"'), 'the line goes out with the next write');
  t.log(`flush on EAGAIN: ${attempts} write attempt(s), lines lost 0`);
});
