import test from 'ava';
import { printable, printableLine } from '../../../src/util/printable.js';

test('control characters and bidi overrides become visible escapes; newlines, tabs and other text stay', (t) => {
  t.is(printable('red \u001b[31mtext\u001b]0;title\u0007'), 'red \\x1b[31mtext\\x1b]0;title\\x07');
  t.is(printable('a\rb\u0000c\u007fd\u009be'), 'a\\x0db\\x00c\\x7fd\\x9be', 'CR, NUL, DEL and the C1 CSI');
  t.is(printable('abc\u202edef\u2066x\u2069'), 'abc\\u202edef\\u2066x\\u2069', 'the bidi override and isolates');
  t.is(printable('line 1\n\tline 2: é → ✓ 10.0.0.5:9000'), 'line 1\n\tline 2: é → ✓ 10.0.0.5:9000');
});

test('printableLine escapes newlines and tabs too: what must stay on its line does', (t) => {
  t.is(printableLine('a\nb\tc\u001b[2J'), 'a\\x0ab\\x09c\\x1b[2J');
  t.is(printableLine('plain: é → ✓'), 'plain: é → ✓');
});
