/**
 * Blocks a peer sends unasked wait their turn in the block intake (MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER
 * per session). A session that closed kept its queued blocks: each decoded block and the dead Peer
 * stayed until the chain got to it, and the chain then judged a departed sender's blocks. A sender
 * reconnecting after each 16 had as many queued as it liked while the chain was busy (the
 * per-peer bound counted sessions, not senders). A closed session's unasked blocks are dropped
 * when their turn comes ('abandoned'), as Core drops a disconnected peer's unprocessed messages.
 */
import test from 'ava';
import { BlockIntake, type IntakeStatus } from '../../../src/p2p/block-intake.js';
import { MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER } from '../../../src/p2p/constants.js';
import { HashFilter } from '../../../src/p2p/hash-filter.js';
import { OrphanPool } from '../../../src/p2p/orphans.js';
import type { Peer } from '../../../src/p2p/peer.js';
import type { IntakeChain } from '../../../src/p2p/relay-deps.js';
import type { Block } from '../../../src/primitives/block.js';
import type { ProcessBlockResult } from '../../../src/chain/types.js';
import { silentLogger } from '../../../src/util/logger.js';
import { buildBlock, makeKey } from '../../helpers/fixtures.js';

const miner = makeKey();
const genesis = buildBlock({ miner });

function fakePeer(label: string): Peer & { isClosed: boolean } {
  return { label, ip: '192.0.2.1', known: new HashFilter(100), bestHeight: 0, isClosed: false, punish: () => 'none' as const } as unknown as Peer & { isClosed: boolean };
}

/** A chain busy with the first block until `release()`; records what it was given. */
function gatedChain(): IntakeChain & { readonly seen: Block[]; release(): void } {
  const seen: Block[] = [];
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return {
    seen,
    release: () => release(),
    async processBlock(block: Block): Promise<ProcessBlockResult> {
      seen.push(block);
      await gate;
      return { status: 'side-branch', hash: block.hash, disconnected: [], connected: [] };
    },
  };
}

test("a closed session's queued unasked blocks are dropped at their turn, not handed to the chain", async (t) => {
  const chain = gatedChain();
  const intake = new BlockIntake({ chain, orphans: new OrphanPool<Peer>(10, 60_000), logger: silentLogger(), onUnknownParent: () => undefined, onConnected: () => undefined, onUseful: () => undefined });
  const busy = fakePeer('busy');
  const first = intake.submitUnsolicited(busy, buildBlock({ parent: genesis, miner, extraData: Buffer.from('first') }));
  const flooder = fakePeer('flooder');
  const queued: Array<Promise<IntakeStatus> | undefined> = [];
  for (let i = 0; i < MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER; i++) queued.push(intake.submitUnsolicited(flooder, buildBlock({ parent: genesis, miner, extraData: Buffer.from(`flood ${i}`) })));
  // Rebuilt from its compact form: compact relay will not rebuild it again, so it is judged even so.
  const rebuilder = fakePeer('rebuilder');
  const rebuilt = intake.submitUnsolicited(rebuilder, buildBlock({ parent: genesis, miner, extraData: Buffer.from('rebuilt') }), { viaCompact: true });
  // Asked of its sender by a get-data of ours: its request is done, so it is judged even so.
  const answerer = fakePeer('answerer');
  const answered = intake.submitUnsolicited(answerer, buildBlock({ parent: genesis, miner, extraData: Buffer.from('answered') }), { requested: true });
  const stays = fakePeer('stays');
  const kept = intake.submitUnsolicited(stays, buildBlock({ parent: genesis, miner, extraData: Buffer.from('kept') }));
  flooder.isClosed = true;
  rebuilder.isClosed = true;
  answerer.isClosed = true;
  chain.release();
  t.is(await first, 'side-branch');
  t.is(await kept, 'side-branch', "an open session's block still goes to the chain");
  t.deepEqual(await Promise.all(queued), Array<IntakeStatus>(MAX_UNSOLICITED_BLOCKS_QUEUED_PER_PEER).fill('abandoned'));
  t.is(await rebuilt, 'side-branch', 'a block rebuilt from a compact block still goes to the chain');
  t.is(await answered, 'side-branch', 'a block we asked its sender for still goes to the chain');
  t.is(chain.seen.length, 4, 'of the closed sessions\' blocks, only the rebuilt and the asked-for ones reached the chain');
});
