import test from 'ava';
import { ValidationCode, ValidationError } from '../../../src/chain/errors.js';
import { AddressError } from '../../../src/primitives/address.js';
import { RpcCode } from '../../../src/rpc/constants.js';
import { RpcError, RpcParamError, toJsonRpcError } from '../../../src/rpc/errors.js';
import { KadchainError } from '../../../src/util/errors.js';

class WalletError extends KadchainError {}
class MempoolError extends KadchainError {}
class MinerError extends KadchainError {}

test('our own RpcErrors keep their code, message and string code', (t) => {
  const { error, unexpected } = toJsonRpcError(new RpcError(RpcCode.OutOfRange, 'height-out-of-range', 'there is no block at height 9'));
  t.deepEqual(error, { code: -8, message: 'there is no block at height 9', data: { code: 'height-out-of-range' } });
  t.false(unexpected);
  t.is(toJsonRpcError(new RpcParamError('missing parameter "to"')).error.code, -32602);
});

test('domain errors map to Bitcoin-style codes by their string code', (t) => {
  const cases: Array<[KadchainError, number]> = [
    [new AddressError('"1x" is not a valid address: its checksum does not match (a typo?)'), -5],
    [new WalletError('insufficient-funds', 'have 5, need 10'), -6],
    [new WalletError('unknown-sender', 'no key for 1abc'), -4],
    [new WalletError('wallet-corrupt', 'bad file'), -4],
    [new MempoolError('txn-mempool-conflict', 'spends a coin another pool tx spends'), -26],
    [new MempoolError('some-new-policy', 'whatever'), -26],
    [new ValidationError(ValidationCode.BadSignature, 'bad signature'), -25],
    [new MinerError('no-genesis', 'no genesis yet'), -28],
    [new MinerError('no-mining-address', 'no address'), -4],
    [new KadchainError('anything-else', 'misc'), -1],
  ];
  for (const [err, code] of cases) {
    const mapped = toJsonRpcError(err);
    t.is(mapped.error.code, code, err.code);
    t.is(mapped.error.message, err.message);
    t.deepEqual(mapped.error.data, { code: err.code });
    t.false(mapped.unexpected);
  }
});

test('bugs become -32603 and are flagged for logging', (t) => {
  const { error, unexpected } = toJsonRpcError(new TypeError('x is undefined'));
  t.is(error.code, -32603);
  t.regex(error.message, /^internal error: x is undefined/);
  t.true(unexpected);
});
