import test from 'ava';
import { pino } from 'pino';
import { RefusalLog } from '../../../src/util/log-throttle.js';

interface Line {
  level: number;
  msg: string;
  alsoRefusedSinceLastWarning?: number;
}

test('a refusal warns once per kind per interval; the next warning counts the ones sent to debug', (t) => {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  let now = 0;
  const log = new RefusalLog(logger, 4, 60_000, () => now);
  for (let i = 0; i < 1_000; i++) log.refused('host', { i }, 'foreign Host refused');
  log.refused('origin', {}, 'cross-origin refused');
  const warns = (): Line[] => lines.filter((l) => l.level === 40);
  t.is(warns().length, 2, 'one per kind');
  t.is(lines.filter((l) => l.level === 20).length, 999);
  now = 60_000;
  log.refused('host', {}, 'foreign Host refused');
  t.is(warns().length, 3);
  t.is(warns()[2]!.alsoRefusedSinceLastWarning, 999);
});
