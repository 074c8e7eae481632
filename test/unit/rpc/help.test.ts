import test from 'ava';
import { RpcParamError } from '../../../src/rpc/errors.js';
import { METHOD_DOCS, allMethods, methodUsage } from '../../../src/rpc/index.js';
import { toJsonSafe } from '../../../src/rpc/json.js';
import { closest } from '../../../src/util/suggest.js';
import { partialContext } from '../../helpers/rpc-context.js';

const methods = allMethods(partialContext({}));
const PROBE = '__probe__';

test('every registered method has a help entry and every entry a method', (t) => {
  const registered = Object.keys(methods).sort();
  const documented = Object.keys(METHOD_DOCS).sort();
  t.log(`${registered.length} methods`);
  t.deepEqual(registered.filter((m) => !documented.includes(m)), [], 'registered without a help entry');
  t.deepEqual(documented.filter((m) => !registered.includes(m)), [], 'documented but not registered');
  for (const [name, doc] of Object.entries(METHOD_DOCS)) {
    t.true(doc.summary.length > 0 && !doc.summary.includes('\n'), `${name}: a one-line summary`);
    const firstOptional = doc.params.findIndex((p) => p.optional === true);
    if (firstOptional >= 0) t.true(doc.params.slice(firstOptional).every((p) => p.optional === true), `${name}: optional parameters come last`);
  }
});

test('each help entry names exactly the parameters its method accepts, in order', async (t) => {
  for (const [name, handler] of Object.entries(methods)) {
    // parseParams refuses an unknown name and lists the ones the method takes, before touching the node.
    const err = await t.throwsAsync(async () => handler({ [PROBE]: 1 }), { instanceOf: RpcParamError }, name);
    const listed = /this method takes (.*)$/.exec(err?.message ?? '')?.[1];
    const accepted = listed === 'no parameters' ? [] : (listed ?? '?').split(', ');
    t.deepEqual(METHOD_DOCS[name]?.params.map((p) => p.name), accepted, name);
  }
});

test('help lists every method with its usage; help <method> gives the parameters; a near miss gets "did you mean"', async (t) => {
  const help = methods['help']!;
  const list = toJsonSafe(await help({})) as { methods: Array<{ name: string; usage: string; summary: string }> };
  t.is(list.methods.length, Object.keys(METHOD_DOCS).length);
  t.truthy(list.methods.find((m) => m.name === 'send' && m.usage === 'send from to amount [fee]'));
  const send = toJsonSafe(await help(['send'])) as { usage: string; params: Array<{ name: string; optional: boolean }> };
  t.is(send.usage, 'send from to amount [fee]');
  t.deepEqual(send.params.map((p) => [p.name, p.optional]), [['from', false], ['to', false], ['amount', false], ['fee', true]]);
  t.is(methodUsage('mine', METHOD_DOCS['mine']!), 'mine [count]');
  await t.throwsAsync(async () => help({ command: 'blance' }), { message: 'unknown method "blance"; did you mean "balance"? (the help method lists them all)' });
  await t.throwsAsync(async () => help({ command: 'zzzzzz' }), { message: 'unknown method "zzzzzz" (the help method lists them all)' });
  await t.throwsAsync(async () => help({ command: 'constructor' }), { message: /unknown method "constructor"/ }, 'no prototype names');
});

test('nearestName: case-insensitive, bounded distance, nothing for far names', (t) => {
  const names = ['balance', 'getinfo', 'listunspent', 'mine'];
  t.is(closest('BALANCE', names), 'balance');
  t.is(closest('getinf', names), 'getinfo');
  t.is(closest('listunspnet', names), 'listunspent');
  t.is(closest('mien', names), 'mine', 'swapped neighbours are one edit');
  t.is(closest('mxyz', names), undefined, 'three edits is too far for a four-letter name');
  t.is(closest('blanace', names), 'balance', 'two edits in a seven-letter name');
  t.is(closest('xyz', names), undefined);
});
