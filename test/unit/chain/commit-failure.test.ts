/** A failed commit's real cause comes from lmdb-js's commitError promise, within a time limit. */
import test from 'ava';
import { commitFailureCause } from '../../../src/chain/store/commit-failure.js';

const generic = new Error('Commit failed (see commitError for details)');

test('the real error of a failed commit replaces the generic one', async (t) => {
  const real = Object.assign(new Error('MDB_MAP_FULL'), { code: 'ENOSPC' });
  t.is(await commitFailureCause(generic, Promise.reject(real), 1_000), real);
  t.is(await commitFailureCause(generic, Promise.resolve(), 1_000), generic, 'a commitError that resolves: the generic error');
});

test('a commitError that never settles gives the generic error after the time limit instead of hanging', async (t) => {
  const started = Date.now();
  const cause = await commitFailureCause(generic, new Promise(() => undefined), 50);
  t.is(cause, generic);
  t.log(`never-settling commitError: generic error after ${Date.now() - started} ms (limit 50 ms)`);
});
