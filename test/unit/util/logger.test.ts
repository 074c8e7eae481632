import test from 'ava';
import fs, { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { NodeError } from '../../../src/node/errors.js';
import { createLogger, flushLogsSync } from '../../../src/util/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * The destination opens the file asynchronously: its fd is set when the open's callback runs, which
 * on a loaded machine came after the file existed plus 20 ms (a flush before then writes nothing).
 */
const waitReady = async (logger: Logger): Promise<void> => {
  const stream = (logger as unknown as Record<symbol, { fd: number } | undefined>)[pino.symbols.streamSym];
  if (stream === undefined) throw new Error('the logger has no pino stream to wait for');
  for (let i = 0; i < 500 && stream.fd < 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

test('flushLogsSync writes out lines queued behind an asynchronous write before the thread blocks', async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'log.jsonl');
  const logger = createLogger({ level: 'info', pretty: false, dest: file }).child({ component: 'test' });
  await waitReady(logger);
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
  await waitReady(logger);
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

test.serial('pretty logs (a TTY): one line per event, short time, level, component and message, fields on the same line, no pid or hostname', async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'pretty.log');
  const logger = createLogger({ level: 'info', pretty: true, colorize: false, dest: file });
  logger.child({ component: 'sync' }).info({ height: 300, nested: { a: 1, b: [1, 2] } }, 'block sync ended');
  logger.child({ component: 'p2p' }).warn({ peer: '127.0.0.1:1', reason: 'connect ECONNREFUSED' }, 'dial failed');
  logger.info('no component');
  logger.debug('below the level');
  logger.error({ err: new NodeError('p2p-listen-failed', 'cannot listen on 127.0.0.1:9000 (another node there? pick another --port)') }, 'node failed to start');
  logger.fatal({ err: new TypeError('x is not a function') }, 'uncaught exception');
  logger.warn({ err: 'connect ECONNREFUSED', peer: 'p' }, 'string err');
  const text = readFileSync(file, 'utf8'); // synchronous destination: written already
  t.log(`\n${text}`);
  const lines = text.trimEnd().split('\n');
  t.is(lines.length, 6, 'errors too: one line each');
  t.regex(lines[3]!, /ERROR: node failed to start \{"err":"cannot listen on 127.0.0.1:9000 \(another node there\? pick another --port\)"\}$/);
  t.regex(lines[4]!, /FATAL: uncaught exception \{"err":"TypeError: x is not a function \(at .+\)"\}$/);
  t.regex(lines[5]!, /WARN: string err \{"err":"connect ECONNREFUSED","peer":"p"\}$/);
  t.regex(lines[0]!, /^\[\d\d:\d\d:\d\d\] INFO: sync +block sync ended \{"height":300,"nested":\{"a":1,"b":\[1,2\]\}\}$/);
  t.regex(lines[1]!, /^\[\d\d:\d\d:\d\d\] WARN: p2p +dial failed \{"peer":"127.0.0.1:1","reason":"connect ECONNREFUSED"\}$/);
  t.regex(lines[2]!, /^\[\d\d:\d\d:\d\d\] INFO: no component$/);
  t.notRegex(text, /pid|hostname|"component"/);
});

test.serial("pretty logs: a message quoting a peer's words cannot drive the terminal; its escape sequences are printed escaped", async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'pretty.log');
  const logger = createLogger({ level: 'info', pretty: true, colorize: false, dest: file });
  logger.child({ component: 'p2p' }).info({ reason: 'x\u001b[2J' }, 'refused: \u001b[2J\u001b[Hall good\u202e');
  logger.child({ component: 'p2p' }).info('refused: all good\n[00:00:00] INFO: forged line');
  const text = readFileSync(file, 'utf8');
  t.false(text.includes('\u001b'), text);
  const lines = text.trimEnd().split('\n');
  t.is(lines.length, 2, 'one line per event, a newline in a message included');
  t.regex(lines[0]!, /INFO: p2p +refused: \\x1b\[2J\\x1b\[Hall good\\u202e \{"reason":"x\\u001b\[2J"\}$/);
  t.regex(lines[1]!, /INFO: p2p +refused: all good\\x0a\[00:00:00\] INFO: forged line$/);
});

test.serial('JSON logs (not a TTY) are unchanged: one JSON object per line with pid, time, level, component and msg', async (t) => {
  const dir = await tempDir(t, 'kadchain-log-');
  const file = join(dir, 'log.jsonl');
  const logger = createLogger({ level: 'info', pretty: false, dest: file });
  await waitReady(logger);
  logger.child({ component: 'sync' }).info({ height: 3 }, 'block sync ended');
  for (let i = 0; i < 200 && !readFileSync(file, 'utf8').endsWith('\n'); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const line = JSON.parse(readFileSync(file, 'utf8').trim()) as Record<string, unknown>;
  t.like(line, { level: 30, pid: process.pid, component: 'sync', height: 3, msg: 'block sync ended' });
  t.is(typeof line['time'], 'number');
});
