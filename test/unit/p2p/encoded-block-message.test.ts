import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chain } from '../../../src/chain/chain.js';
import { decodeMessage, encodeMessageFrame, messageTypeOf } from '../../../src/p2p/wire/messages/index.js';
import { FrameDecoder } from '../../../src/p2p/wire/frame.js';
import { silentLogger } from '../../../src/util/logger.js';
import { TEST_PARAMS, buildBlock, makeKey, outpoint, pay, spend } from '../../helpers/fixtures.js';

const miner = makeKey();
const alice = makeKey();
const genesis = buildBlock({ miner });
const tx = spend(miner, [outpoint(genesis.transactions[0])], [pay(alice, 600n), pay(miner, 390n)]);
const block1 = buildBlock({ parent: genesis, miner, txs: [tx], fees: 10n });

test('a block sent from its stored bytes makes the same frame as the decoded block', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kadchain-encoded-block-'));
  const chain = await Chain.open({ path: dir, params: TEST_PARAMS, logger: silentLogger(), verifyThreads: 0 });
  try {
    await chain.processBlock(genesis);
    await chain.processBlock(block1);
    const encoded = chain.getBlockBytes(block1.hash);
    t.truthy(encoded);
    t.true(encoded!.equals(block1.encode()));
    t.is(chain.getBlockBytes(Buffer.alloc(32, 7)), undefined);
    const raw = encodeMessageFrame({ kind: 'block', encoded: encoded! });
    t.true(raw.equals(encodeMessageFrame({ kind: 'block', block: block1 })));
    t.is(messageTypeOf({ kind: 'block', encoded: encoded! }), messageTypeOf({ kind: 'block', block: block1 }));
    const [frame] = new FrameDecoder().push(raw);
    const msg = decodeMessage(frame!.type, frame!.payload);
    t.is(msg.kind, 'block');
    if (msg.kind === 'block') t.true(msg.block.hash.equals(block1.hash));
  } finally {
    await chain.close();
    await rm(dir, { recursive: true, force: true });
  }
});
