import test from 'ava';
import { format } from '../../../src/cli/format.js';

test('balance shows the immature part of block rewards apart, and only when there is one', (t) => {
  // Amounts are JSON integers on the wire.
  t.is(format.balance({ address: '1abc', confirmed: 1000, immature: 2000, unconfirmed: 1000 }), '1abc balance is 1000 (plus 2000 immature)');
  t.is(format.balance({ address: '1abc', confirmed: 1000, immature: 0, unconfirmed: 1000 }), '1abc balance is 1000');
  t.is(
    format.balance({ address: '1abc', confirmed: 1000, immature: 3000, unconfirmed: 900 }),
    '1abc balance is 1000 (plus 3000 immature; 900 counting unconfirmed transactions)',
  );
  t.is(format.balance({ address: '1abc', confirmed: 0, immature: 0, unconfirmed: 50 }), '1abc balance is 0 (50 counting unconfirmed transactions)');
});

test('mempool shows its bytes, its memory bound and a raised minimum fee rate', (t) => {
  t.is(format.mempool({ size: 2, bytes: 394, usage: 4194, maxBytes: 20_000_000, minFeeRate: 0, txs: [] }), '2 transaction(s) in the mempool, 394 bytes (4194 of 20000000 bytes of memory)');
  t.is(
    format.mempool({ size: 6, bytes: 1182, usage: 12582, maxBytes: 13_000, minFeeRate: 5.0761421, txs: [] }),
    '6 transaction(s) in the mempool, 1182 bytes (12582 of 13000 bytes of memory); minimum fee rate 5.076 coins/kB',
  );
});
