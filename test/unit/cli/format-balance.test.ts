import test from 'ava';
import { format } from '../../../src/cli/format.js';

test('balance shows the immature part of block rewards apart, and only when there is one', (t) => {
  t.is(format.balance({ address: '1abc', confirmed: '1000', immature: '2000', unconfirmed: '1000' }), '1abc balance is 1000 (plus 2000 immature)');
  t.is(format.balance({ address: '1abc', confirmed: '1000', immature: '0', unconfirmed: '1000' }), '1abc balance is 1000');
  t.is(
    format.balance({ address: '1abc', confirmed: '1000', immature: '3000', unconfirmed: '900' }),
    '1abc balance is 1000 (plus 3000 immature; 900 counting unconfirmed transactions)',
  );
});
