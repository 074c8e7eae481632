import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { flushLogsSync } from '../../../src/util/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('flushLogsSync writes out lines queued behind an asynchronous write before the thread blocks', async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'log.jsonl');
  const destination = pino.destination({ dest: file, sync: false, mkdir: true });
  await new Promise((resolve) => destination.once('ready', resolve));
  const logger = pino({ level: 'info' }, destination).child({ component: 'test' });
  for (let i = 0; i < 100; i++) logger.info({ i }, 'filler');
  logger.info('long task started');
  flushLogsSync(logger);
  // Still on the same tick, as a long synchronous task would be: the line must be in the file already.
  t.true(readFileSync(file, 'utf8').includes('"msg":"long task started"'));
  destination.end();
});
