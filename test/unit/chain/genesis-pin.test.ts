import test from 'ava';
import { Chain } from '../../../src/chain/chain.js';
import { ValidationError } from '../../../src/chain/errors.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey } from '../../helpers/fixtures.js';
import { openChain, tempDir } from './setup.js';

test('a pinned empty chain refuses any other genesis and adopts the pinned one', async (t) => {
  const miner = makeKey();
  const pinned = buildBlock({ miner });
  const other = buildBlock({ miner, extraData: Buffer.from('other') });
  const chain = await openChain(t, { params: { ...TEST_PARAMS, genesisHash: pinned.hash } });
  const err = await t.throwsAsync(chain.processBlock(other), { instanceOf: ValidationError });
  t.is(err?.code, 'bad-genesis');
  t.true(err?.message.includes(pinned.hashHex) && err.message.includes(other.hashHex));
  t.is(chain.tip, undefined, 'still empty');
  t.is((await chain.processBlock(pinned)).status, 'connected');
  t.deepEqual(chain.genesisHash, pinned.hash);
});

test('a chain with a genesis refuses a second one, pinned or not', async (t) => {
  const miner = makeKey();
  const g = buildBlock({ miner });
  const other = buildBlock({ miner, extraData: Buffer.from('other') });
  for (const params of [TEST_PARAMS, { ...TEST_PARAMS, genesisHash: g.hash }]) {
    const chain = await openChain(t, { params });
    await chain.processBlock(g);
    t.is((await t.throwsAsync(chain.processBlock(other), { instanceOf: ValidationError }))?.code, 'bad-genesis');
    t.is((await chain.processBlock(g)).status, 'duplicate');
    t.deepEqual(chain.tip?.hash, g.hash);
  }
});

test('opening a stored chain whose genesis differs from the pin fails naming both hashes', async (t) => {
  const miner = makeKey();
  const g = buildBlock({ miner });
  const path = await tempDir(t);
  const chain = await openChain(t, { path });
  await chain.processBlock(g);
  await chain.close();
  const pin = Buffer.alloc(32, 0x5a);
  const err = await t.throwsAsync(Chain.open({ path, params: { ...TEST_PARAMS, genesisHash: pin }, logger: silentLogger() }));
  t.is((err as { code?: string } | undefined)?.code, 'genesis-mismatch');
  t.true(err?.message.includes(g.hashHex) && err.message.includes(pin.toString('hex')) && err.message.includes(path));
  const same = await openChain(t, { path, params: { ...TEST_PARAMS, genesisHash: g.hash } });
  t.deepEqual(same.tip?.hash, g.hash, 'the matching pin opens normally');
});
