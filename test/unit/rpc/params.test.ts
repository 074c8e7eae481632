import test from 'ava';
import { RpcCode } from '../../../src/rpc/constants.js';
import { RpcParamError } from '../../../src/rpc/errors.js';
import { param, parseParams } from '../../../src/rpc/params.js';

const sendSpec = { from: param.address(), to: param.address(), amount: param.amount(), fee: param.optional(param.fee(), 0n) };

test('named and positional params give the same typed result', (t) => {
  const expected = { from: 'a', to: 'b', amount: 100n, fee: 0n };
  t.deepEqual(parseParams({ from: 'a', to: 'b', amount: '100' }, sendSpec), expected);
  t.deepEqual(parseParams(['a', 'b', 100], sendSpec), expected);
  t.deepEqual(parseParams({ from: 'a', to: 'b', amount: 100, fee: '3' }, sendSpec), { ...expected, fee: 3n });
});

test('the whole money supply can be sent as a string; one more cannot', (t) => {
  t.is(parseParams({ from: 'a', to: 'b', amount: '2100000000000000' }, sendSpec).amount, 2_100_000_000_000_000n);
  t.is(parseParams({ from: 'a', to: 'b', amount: ' 42 ' }, sendSpec).amount, 42n);
  t.throws(() => parseParams({ from: 'a', to: 'b', amount: '2100000000000001' }, sendSpec), { message: /exceeds the money supply/ });
});

test('floats, negatives, zero, exponents and junk are refused naming the param', (t) => {
  const bad: Array<[unknown, RegExp]> = [
    [1.5, /^parameter "amount" must be a whole number of coins, got 1.5$/],
    ['1.5', /^parameter "amount" must be a whole number of coins \(digits only, no decimals\), got "1.5"$/],
    ['1e3', /whole number/],
    ['abc', /whole number/],
    [true, /whole number/],
    [-5, /^parameter "amount" must not be negative, got -5$/],
    ['-5', /must not be negative/],
    [0, /^parameter "amount" must be greater than zero$/],
    ['0', /greater than zero/],
    ['2100000000000001', /exceeds the money supply/],
    [2 ** 60, /whole number/],
  ];
  for (const [amount, pattern] of bad) {
    const err = t.throws(() => parseParams({ from: 'a', to: 'b', amount }, sendSpec), { instanceOf: RpcParamError }, String(amount));
    t.regex(err?.message ?? '', pattern);
    t.is(err?.rpcCode, RpcCode.InvalidParams);
  }
});

test('a zero fee is fine, a negative one is not', (t) => {
  t.is(parseParams({ from: 'a', to: 'b', amount: 1, fee: 0 }, sendSpec).fee, 0n);
  t.throws(() => parseParams({ from: 'a', to: 'b', amount: 1, fee: -1 }, sendSpec), { message: /^parameter "fee" must not be negative/ });
});

test('missing, unknown and surplus params are named', (t) => {
  t.throws(() => parseParams({ from: 'a', amount: 1 }, sendSpec), { instanceOf: RpcParamError, message: 'missing parameter "to"' });
  t.throws(() => parseParams({ from: 'a', to: 'b', amount: 1, memo: 'x' }, sendSpec), { message: 'unknown parameter "memo"; this method takes from, to, amount, fee' });
  t.throws(() => parseParams(['a', 'b', 1, 0, 'extra'], sendSpec), { message: /expected at most 4 parameter\(s\) \(from, to, amount, fee\), got 5/ });
  t.throws(() => parseParams({ x: 1 }, {}), { message: 'unknown parameter "x"; this method takes no parameters' });
  t.throws(() => parseParams('text', {}), { message: 'params must be an object or an array' });
  t.deepEqual(parseParams(undefined, {}), {});
  t.deepEqual(parseParams([], {}), {});
});

test('addresses must be non-empty strings; heights whole numbers', (t) => {
  t.throws(() => parseParams({ from: '', to: 'b', amount: 1 }, sendSpec), { message: /^parameter "from" must be an address string/ });
  t.throws(() => parseParams({ from: 7, to: 'b', amount: 1 }, sendSpec), { message: /^parameter "from" must be an address string, got 7/ });
  const heightSpec = { height: param.height() };
  t.deepEqual(parseParams({ height: '12' }, heightSpec), { height: 12 });
  t.deepEqual(parseParams([0], heightSpec), { height: 0 });
  for (const h of [-1, 1.5, '1.5', 'x', '-1']) t.throws(() => parseParams({ height: h }, heightSpec), { message: /^parameter "height" must be a block height/ });
});
